"""Record types, their storage, validation and business rules."""
