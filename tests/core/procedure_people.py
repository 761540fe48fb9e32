"""People and households for the procedure tests: a headquarters with its staff, signed as they sign.

``region(root)`` makes a headquarters store with its office identity and enrolls a cadre and a
reviewer; ``staff`` opens an enrollment file's signing key (as a laptop would) so one store can
take every role's steps in a core test. The sync tests use real laptops instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fieldapp.core import procedures as proc
from fieldapp.core.store.store import Store
from fieldapp.core.trust import identity
from fieldapp.core.trust.certificates import SigningIdentity
from fieldapp.core.trust.enrollment import open_enrollment_keys
from tests.conftest import TODAY
from tests.core.households import complete_household
from tests.stores import open_test_store

HQ_PASS = b"hq-passphrase-1"
STAFF_PASS = b"staff-passphrase-1"


@dataclass
class Region:
    hq: Store
    office: SigningIdentity
    cadre: SigningIdentity
    reviewer: SigningIdentity


def staff(hq: Store, name: str, role: str, passphrase: bytes = STAFF_PASS) -> SigningIdentity:
    """Enroll a staff member at ``hq`` and return their signing identity."""
    data, _ = identity.enroll_staff(
        hq, HQ_PASS, passphrase, name=name, unit="五华区总工会", role=role, author="办公室"
    )
    doc = json.loads(data)
    key, _ = open_enrollment_keys(doc, passphrase)
    cert = identity.load_cert(doc["certificate"])
    return SigningIdentity(key, cert, [identity.ca_certificate(hq)], name, "五华区总工会")


def region(root: Path) -> Region:
    hq = open_test_store(root / "hq.db", passphrase=HQ_PASS)
    identity.hq_init(hq, HQ_PASS, unit="五华区总工会", author="办公室")
    office = identity.signing_identity(hq, HQ_PASS)
    return Region(hq, office, staff(hq, "李干事", "cadre"), staff(hq, "王审核", "reviewer"))


def household(store: Store, **changes: dict[str, Any]) -> str:
    """A household with every form filled in (``changes`` per form id)."""
    hid = store.create_household("李干事")
    for form_id, values in complete_household().items():
        data = {**values, **changes.get(form_id, {})}
        store.save_form(hid, form_id, data, author="李干事", final=True, today=TODAY)
    return hid


def day(text: str) -> date:
    return date.fromisoformat(text)


def publicity(start: str, end: str, objections: bool = False, note: str = "") -> proc.Publicity:
    return proc.Publicity(day(start), day(end), objections, note)


def complete(
    r: Region, store: Store, case_id: str, start: str = "2026-11-02", override: str | None = None
) -> proc.StepResult:
    """Take every remaining step of a case, approving, a day apart from ``start`` on (a 公示
    lasts 8 days)."""
    on = day(start)
    result = None
    while True:
        spec = proc.case_view(store, case_id).state.next_step
        if spec is None:
            assert result is not None
            return result
        signer = {"cadre": r.cadre, "reviewer": r.reviewer, "office": r.office}[spec.roles[0]]
        shown = None
        if spec.is_publicity:
            shown = proc.Publicity(on, on + timedelta(days=7), False)
            on += timedelta(days=8)
        result = proc.take_step(
            store,
            case_id,
            signer=signer,
            decision="通过",
            opinion=f"{spec.name}同意",
            decided_on=on,
            publicity=shown,
            override_reason=override,
        )
        on += timedelta(days=1)


def decide(
    store: Store,
    case_id: str,
    signer: SigningIdentity,
    decision: str,
    on: str,
    opinion: str = "同意",
    **more: Any,
) -> proc.StepResult:
    """One step, as ``take_step`` with the date as text."""
    return proc.take_step(
        store,
        case_id,
        signer=signer,
        decision=decision,
        opinion=opinion,
        decided_on=day(on),
        **more,
    )
