"""The store's refusals, apart from the Store so that any caller can catch them cheaply.

The command line and the GUI show these messages as they are (Chinese, saying what to do); the
identity and sync code derive their own refusals from ``StoreError``.
"""

from __future__ import annotations

from fieldapp.core.forms.engine import Problem


class StoreError(Exception):
    """A refusal the user must understand: the message is Chinese and says what to do."""


class NewerDatabaseError(StoreError):
    pass


class NotFound(StoreError):
    pass


class ValidationFailed(StoreError):
    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


class Unstorable(StoreError):
    """A value of impossible shape or over a hard cap (forms.storable): not even a draft is saved."""
