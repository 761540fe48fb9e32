"""What the store hands out and takes in: revisions, save results, bulk households, the statuses.

Plain records with no database behind them, so sync, reports and the GUI can read and build them
without the Store class; ``now_iso`` is the one clock every stored timestamp comes from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only named: importing the form engine is not cheap
    from fieldapp.core.forms.engine import Problem

STATUSES = ("在档", "已脱困", "已解困", "注销")
STATES = ("draft", "final")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Revision:
    id: str
    household_id: str
    form_id: str
    form_version: str
    state: str
    data: dict[str, Any]
    created_at: str
    author: str
    device_id: str
    device_seq: int
    parent_id: str | None
    held: str | None = None
    """Not on the current line: ``stale`` (arrived after a later one) or ``conflict``."""

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Revision:
        return cls(
            id=row["id"],
            household_id=row["household_id"],
            form_id=row["form_id"],
            form_version=row["form_version"] or "",
            state=row["state"],
            data=json.loads(row["data"]),
            created_at=row["created_at"],
            author=row["author"] or "",
            device_id=row["device_id"] or "",
            device_seq=row["device_seq"] or 0,
            parent_id=row["parent_id"],
        )


@dataclass
class BulkHousehold:
    """A new household for bulk_insert_households: its id, data per form and form states."""

    id: str
    forms: dict[str, dict[str, Any]]
    states: dict[str, str]
    created_at: str
    status: str = "在档"
    status_reason: str = "批量导入"
    revision_ids: dict[str, str] = field(default_factory=dict)


class BasedOn(Enum):
    """A save based on whatever revision is current when it is written (no concurrency check)."""

    HEAD = "head"


HEAD = BasedOn.HEAD


@dataclass(frozen=True)
class SaveResult:
    """What a save did. ``created`` is False when nothing new was kept (identical data).

    ``conflict_id`` is set when the save was based on a revision that was no longer current: the
    data is kept (``revision``, held, not current) and the conflict must be resolved by a person.
    """

    revision: Revision
    problems: list[Problem]
    created: bool
    conflict_id: str | None = None
