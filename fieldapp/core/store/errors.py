"""The store's refusals, apart from the Store so that any caller can catch them cheaply.

The command line and the GUI show these messages as they are (Chinese, saying what to do); the
identity and sync code derive their own refusals from ``StoreError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only named: importing the form engine is not cheap
    from fieldapp.core.forms.engine import Problem


class StoreError(Exception):
    """A refusal the user must understand: the message is Chinese and says what to do."""


class NewerDatabaseError(StoreError):
    pass


class NotFound(StoreError):
    pass


class BusyError(StoreError):
    """Another program kept the database busy writing for longer than this one would wait."""


class ReadOnlyError(StoreError):
    """A write on a database opened read-only (another program holds it for writing)."""


class UpgradeNeeded(StoreError):
    """The database needs a migration, which a read-only connection cannot apply."""


class ValidationFailed(StoreError):
    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


class Cancelled(StoreError):
    """The user cancelled a long operation; whatever it was writing has been removed."""


CancelCheck = Callable[[], bool]
"""``cancelled()``: polled by long loops (ledger batch, Excel export and import, statistics)."""


def stop_if_cancelled(cancelled: CancelCheck | None, message: str = "已取消") -> None:
    """Raise ``Cancelled`` when the caller asked to stop (cheap: called once per household)."""
    if cancelled is not None and cancelled():
        raise Cancelled(message)


class Unstorable(StoreError):
    """A value of impossible shape or over a hard cap (forms.storable): not even a draft is saved."""
