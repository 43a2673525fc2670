"""Lookups that fail on the caller's input; the API reports each with the field it names."""

from __future__ import annotations


class NotFound(LookupError):
    """Nothing in the store matches the value given for `field`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
