"""Termination notifications: reminders before, and a notice on, the day service stops.

`settings` reads `[notifications]`, `terminations` asks the billing engine when service
stops, `templates` writes the messages, `email` and `webhook` deliver them; the service
`cn285.hub.services.notifications` records and sends them exactly once.
"""

from __future__ import annotations


class DeliveryError(Exception):
    """A message that could not be delivered; the text is recorded on the notification
    (never with a secret in it), and the notification is tried again on a later run."""
