"""What importing one bundle did, for the command line, the GUI and the log: counts per kind.

Kept apart from the applying so callers (the CLI's batch report, the GUI's message) can build a
refusal's report without touching the import machinery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ADDED_TABLES = (
    "status_changes",
    "audit",
    "attachments",
    "dibao_standards",
    "minimum_wage_standards",
    "revocations",
    "check_records",
    "procedure_cases",
    "procedure_steps",
)
"""Tables whose rows an import adds and reports as counts (bundles count these too, with households
and revisions: ``records.COUNTED``)."""


@dataclass
class ImportReport:
    file: str
    bundle_id: str = ""
    kind: str = ""
    sender: str = ""
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflict_households: int = 0
    conflicts: int = 0
    revisions: dict[str, int] = field(
        default_factory=lambda: {"current": 0, "stale": 0, "conflict": 0, "known": 0}
    )
    added: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ADDED_TABLES, 0))
    already_imported: bool = False
    changed: bool = False
    rejected: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "bundle_id": self.bundle_id,
            "kind": self.kind,
            "sender": self.sender,
            "households": {
                "new": self.new,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "conflict": self.conflict_households,
            },
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "conflicts": self.conflicts,
            "rejected": self.rejected,
            "revisions": self.revisions,
            "added": self.added,
            "already_imported": self.already_imported,
            "changed": self.changed,
        }


def reject_report(path: str, reason: str) -> ImportReport:
    report = ImportReport(str(path))
    report.rejected = reason
    return report
