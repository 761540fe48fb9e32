"""What a ledger refuses: Chinese messages that say what to do (shared by the renderers)."""

from __future__ import annotations

from fieldapp.core.store.errors import Cancelled as StoreCancelled
from fieldapp.core.store.errors import StoreError


class LedgerError(StoreError):
    """A ledger could not be made; the message is Chinese and says what to do."""


class LedgerCancelled(LedgerError, StoreCancelled):
    """The caller's ``cancelled()`` returned True; nothing was written."""
