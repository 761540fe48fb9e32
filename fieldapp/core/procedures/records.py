"""Cases and steps as plain records: what the tables hold and what is signed.

A case (``procedure_cases``) is one household's filing or exit, opened by someone; a step
(``procedure_steps``) is one decision in it. Both are signed by the person who made them and
never changed afterwards. Each step names its ``parent_id`` (the step it follows, None for the
first), so the steps of a case form a chain; two steps with the same parent are concurrent
decisions (``chain``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

APPROVE, RETURN, REJECT, RESOLVE = "approve", "return", "reject", "resolve"
DECISIONS = (APPROVE, RETURN, REJECT)
"""What a person decides at a step; RESOLVE is the record that settles concurrent decisions."""
DECISION_NAMES = {APPROVE: "通过", RETURN: "退回", REJECT: "不予通过", RESOLVE: "处理冲突"}
DECISION_WORDS = {
    **{v: k for k, v in DECISION_NAMES.items() if k != RESOLVE},
    **{k: k for k in DECISIONS},
    "同意": APPROVE,
    "不同意": REJECT,
}
"""What a person may type for a decision (Chinese or English)."""
RESOLVE_STEP = "处理冲突"

CASE_PURPOSE = "huhuqing-procedure-case/1"
STEP_PURPOSE = "huhuqing-procedure-step/1"

SIGNER_FIELDS = (
    "actor_id",
    "actor_name",
    "role",
    "signed_at",
    "device_id",
    "cert_fingerprint",
    "certificate",
    "signature",
)
CASE_FIELDS = ("id", "household_id", "procedure", "target", "opened_on", *SIGNER_FIELDS)
STEP_FIELDS = (
    "id",
    "case_id",
    "household_id",
    "procedure",
    "step",
    "parent_id",
    "decision",
    "opinion",
    "decided_on",
    "data",
    *SIGNER_FIELDS,
)
UNSIGNED = ("certificate", "signature")
"""Stored beside the signed fields: the signer's certificate (named by its fingerprint, which is
signed) and the signature itself."""


@dataclass(frozen=True)
class Signer:
    """Who signed a case or a step, as the record says (checked by ``signing``)."""

    actor_id: str
    actor_name: str
    role: str
    signed_at: str
    device_id: str
    cert_fingerprint: str
    certificate: str
    signature: str


def _signer(row: Mapping[str, Any]) -> Signer:
    return Signer(*(str(row[k] or "") for k in SIGNER_FIELDS))


@dataclass(frozen=True)
class Case:
    id: str
    household_id: str
    procedure: str
    target: str
    """The 档案状态 the case leads to when its last step is approved."""
    opened_on: str
    signer: Signer

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Case:
        return cls(
            id=str(row["id"]),
            household_id=str(row["household_id"]),
            procedure=str(row["procedure"]),
            target=str(row["target"]),
            opened_on=str(row["opened_on"]),
            signer=_signer(row),
        )

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "household_id": self.household_id,
            "procedure": self.procedure,
            "target": self.target,
            "opened_on": self.opened_on,
            **self.signer.__dict__,
        }


@dataclass(frozen=True)
class Step:
    id: str
    case_id: str
    household_id: str
    procedure: str
    step: str
    """The step's name in the procedure (``RESOLVE_STEP`` for a resolution)."""
    parent_id: str | None
    decision: str
    opinion: str
    decided_on: str
    data: dict[str, Any] = field(default_factory=dict)
    """公示 dates and objections, the rules' check and an override reason, a resolution's
    ``supersedes`` — whatever the step's kind records."""
    signer: Signer = field(default_factory=lambda: Signer(*[""] * len(SIGNER_FIELDS)))

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Step:
        data = row["data"]
        return cls(
            id=str(row["id"]),
            case_id=str(row["case_id"]),
            household_id=str(row["household_id"]),
            procedure=str(row["procedure"]),
            step=str(row["step"]),
            parent_id=row["parent_id"],
            decision=str(row["decision"]),
            opinion=str(row["opinion"] or ""),
            decided_on=str(row["decided_on"]),
            data=json.loads(data) if isinstance(data, str) else dict(data or {}),
            signer=_signer(row),
        )

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "case_id": self.case_id,
            "household_id": self.household_id,
            "procedure": self.procedure,
            "step": self.step,
            "parent_id": self.parent_id,
            "decision": self.decision,
            "opinion": self.opinion,
            "decided_on": self.decided_on,
            "data": stored_data(self.data),
            **self.signer.__dict__,
        }

    @property
    def supersedes(self) -> list[str]:
        value = self.data.get("supersedes") if self.decision == RESOLVE else None
        return [str(v) for v in value] if isinstance(value, list) else []


def stored_data(data: Mapping[str, Any]) -> str:
    """A step's data as the table keeps it (and as its signature covers it)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True)
