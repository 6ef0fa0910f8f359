"""Subjects and bodies of termination messages (plain-text Jinja2 templates).

Kept in code rather than in template files so that they ship with the package as they are;
`StrictUndefined` makes a missing value an error at render time, not a blank in a letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from jinja2 import DictLoader, Environment, StrictUndefined

from cn285.hub.notify.terminations import Termination

_SOURCES = {
    "reminder.subject": (
        "Contract {{ contract }}: service ends on {{ last_day }} "
        "(termination effective {{ effective_date }})"
    ),
    "notice.subject": ("Contract {{ contract }}: termination effective {{ effective_date }}"),
    "body": """\
Dear {{ customer_name }},

{% if kind == "reminder" -%}
This is a reminder that the termination of {{ what }} takes effect on {{ effective_date }},
in {{ days_left }} day{{ "s" if days_left != 1 }}. The last day of service is {{ last_day }}.
{%- else -%}
The termination of {{ what }} is effective from {{ effective_date }}.
The last day of service was {{ last_day }}.
{%- endif %}

Contract: {{ contract }}
Customer: {{ customer_name }} ({{ customer_code }})
Termination requested on {{ requested_on }}, notice: {{ notice }}
Effective date (first day without service): {{ effective_date }}

Lines concerned:
{% for line in lines %}  - {{ line.ref }} ({{ line.item }}): last day of service {{ line.last_day }}
{% endfor %}
Questions? Reply to this message.
""",
}

_ENV = Environment(
    loader=DictLoader(_SOURCES),
    undefined=StrictUndefined,
    autoescape=False,  # plain-text e-mail, never HTML
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class Message:
    subject: str
    body: str


def context(
    termination: Termination, kind: str, days_before: int, customer_name: str, today: date
) -> dict[str, Any]:
    """The values the templates (and the webhook payload) show; `days_left` counts from
    `today`, the day it is sent, which may be after its scheduled day when runs were missed."""
    what = (
        f"line {termination.line} of contract {termination.contract}"
        if termination.line
        else f"contract {termination.contract}"
    )
    return {
        "kind": kind,
        "days_before": days_before,
        "days_left": (termination.effective - today).days,
        "what": what,
        "contract": termination.contract,
        "line": termination.line,
        "customer_code": termination.customer,
        "customer_name": customer_name,
        "requested_on": termination.requested_on.isoformat(),
        "notice": termination.notice,
        "last_day": termination.last_day.isoformat(),
        "effective_date": termination.effective.isoformat(),
        "lines": [
            {"ref": ln.ref, "item": ln.item, "last_day": ln.last_day.isoformat()}
            for ln in termination.lines
        ],
    }


def render(values: dict[str, Any]) -> Message:
    """Subject (one line, at most 255 characters: the column's size) and body."""
    subject = _ENV.get_template(f"{values['kind']}.subject").render(values)
    subject = " ".join(subject.split())[:255]
    return Message(subject, _ENV.get_template("body").render(values))
