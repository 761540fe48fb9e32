"""Procedure steps in sync bundles: a whole exit travels laptop → county → laptop; forged and
tampered steps are refused whole; concurrent decisions become a conflict settled by a signed
resolution, the same on both sides; untrusted step records never raise past the boundary.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.core import procedures as proc
from fieldapp.core.procedures.records import STEP_FIELDS, Step
from fieldapp.core.procedures.signing import signature_for, signer_for
from fieldapp.core.store.store import Store
from fieldapp.core.sync.authorcheck import AuthorCheck
from fieldapp.core.sync.container import BundleError
from fieldapp.core.sync.importer import import_bundle
from fieldapp.core.sync.merge import (
    ConflictError,
    list_conflicts,
    resolve_case_conflict,
    resolve_conflict,
)
from fieldapp.core.sync.procedure_sync import ProcedureReceiver
from fieldapp.core.sync.records import case_record, step_record
from fieldapp.core.trust import identity
from tests.core import forging
from tests.core.procedure_people import day, decide, publicity
from tests.core.test_sync import (
    HQ_PASS,
    LI_PASS,
    WANG_PASS,
    World,
    digest,
    make_world,
    new_household,
)


def signer(w: World, store: Store) -> identity.SigningIdentity:
    password = {id(w.li): LI_PASS, id(w.wang): WANG_PASS, id(w.hq): HQ_PASS}[id(store)]
    return identity.signing_identity(store, password)


def step(w: World, store: Store, case_id: str, decision: str, on: str, **more: Any) -> Any:
    return decide(store, case_id, signer(w, store), decision, on, **more)


def reviewed(tmp_path: Path) -> tuple[World, str, str]:
    """li's 入户核查 and wang's (the union's reviewer) 基层工会审核 are at headquarters."""
    w = make_world(tmp_path, wang_role="reviewer")
    hid = new_household(w.li)
    case = proc.open_case(
        w.li, hid, "exit", signer=signer(w, w.li), target="注销", opened_on=day("2026-11-01")
    )
    step(w, w.li, case.id, "通过", "2026-11-02", opinion="职工已死亡，核查属实")
    sent = w.to_hq(w.export(w.li))
    assert sent["added"]["procedure_cases"] == 1 and sent["added"]["procedure_steps"] == 1
    w.to_laptop(w.wang, w.assign(w.wang_info, [hid]))
    step(w, w.wang, case.id, "通过", "2026-11-03", opinion="同意注销")
    w.to_hq(w.export(w.wang))
    return w, hid, case.id


def test_a_full_exit_travels_laptop_county_laptop(tmp_path: Path) -> None:
    w, hid, cid = reviewed(tmp_path)
    step(w, w.wang, cid, "通过", "2026-11-12", publicity=publicity("2026-11-04", "2026-11-11"))
    w.to_hq(w.export(w.wang))
    at_hq = proc.case_view(w.hq, cid)
    assert at_hq.state.next_step is not None and at_hq.state.next_step.name == "上级审批"
    assert all(s.signature.ok for s in at_hq.steps) and at_hq.signature.ok
    done = step(w, w.hq, cid, "通过", "2026-11-13", opinion="同意注销")
    assert done.status_changed == "注销"
    back = w.assign(w.li_info, [hid])
    received = w.to_laptop(w.li, back)
    assert received["added"]["procedure_steps"] == 3  # the two reviews and the approval
    on_laptop = proc.case_view(w.li, cid)
    assert on_laptop.state.outcome == proc.COMPLETED and w.li.household(hid)["status"] == "注销"
    assert [(s.step.step, s.step.signer.actor_name) for s in on_laptop.steps] == [
        ("入户核查", "li"),
        ("基层工会审核", "wang"),
        ("公示", "wang"),
        ("上级审批", "昆明市总工会办公室"),
    ]
    assert all(s.signature.ok for s in on_laptop.steps)
    assert w.to_laptop(w.li, back)["changed"] is False  # importing it again changes nothing
    again = w.to_hq(w.export(w.li))  # what came down is not sent up again
    assert again["added"]["procedure_steps"] == 0 and again["added"]["procedure_cases"] == 0


def forged(w: World, records: list[Any]) -> Path:
    return forging.forge(w.li, LI_PASS, w.out("forged"), records)


def refused_at_hq(w: World, path: Path, reason: str) -> None:
    before = digest(w.hq)
    with pytest.raises(BundleError, match=reason):
        import_bundle(w.hq, path, HQ_PASS, author="办公室")
    assert digest(w.hq) == before


def signed_step(
    w: World, cid: str, hid: str, key: identity.SigningIdentity, name: str, **fields: Any
) -> dict[str, Any]:
    """A step record after the 基层工会审核, signed with ``key`` (whatever it claims)."""
    parent = proc.case_view(w.hq, cid).state.head
    assert parent is not None
    new = Step(
        str(uuid.uuid4()),
        cid,
        hid,
        "exit",
        name,
        parent.id,
        "approve",
        "同意",
        "2026-11-13",
        {},
        signer_for(key, w.li.device_id),
    )
    new = replace(new, **fields)
    new = replace(new, signer=replace(new.signer, signature=signature_for(key, new)))
    return step_record(new.row())


def test_a_laptop_cannot_forge_a_county_approval(tmp_path: Path) -> None:
    w, hid, cid = reviewed(tmp_path)
    li = signer(w, w.li)
    office_cert = identity.own_certificate(w.hq)
    as_office = replace(li, certificate=office_cert)  # the office's (public) certificate, li's key
    approval = signed_step(
        w, cid, hid, as_office, "公示", data=publicity("2026-11-04", "2026-11-11").to_data()
    )
    refused_at_hq(w, forged(w, [forging.household(hid), approval]), "不是发送数据包的人员本人")
    claimed = signed_step(
        w, cid, hid, li, "公示", data=publicity("2026-11-04", "2026-11-11").to_data()
    )
    claimed["role"] = "office"  # li's own certificate, an office role claimed in the record
    refused_at_hq(w, forged(w, [forging.household(hid), claimed]), "办理人或角色与证书不符")
    honest = signed_step(
        w, cid, hid, li, "公示", data=publicity("2026-11-04", "2026-11-11").to_data()
    )
    refused_at_hq(
        w, forged(w, [forging.household(hid), honest]), "只能由基层工会审核人、上级工会审批人办理"
    )
    skipped = signed_step(w, cid, hid, li, "上级审批")
    refused_at_hq(w, forged(w, [forging.household(hid), skipped]), "办理顺序不对")
    elsewhere = signed_step(w, cid, hid, replace(li, certificate=li.certificate), "公示")
    elsewhere["device_id"] = w.wang.device_id  # under the reviewer's laptop's device id
    refused_at_hq(w, forged(w, [forging.household(hid), elsewhere]), "属于另一名登记人员")
    first = proc.case_view(w.hq, cid).steps[0].step
    changed = step_record(replace(first, opinion="核查不属实").row())
    refused_at_hq(w, forged(w, [forging.household(hid), changed]), "与本处已有的同一步骤不符")
    assert proc.case_view(w.hq, cid).state.next_step.name == "公示"  # type: ignore[union-attr]


def test_concurrent_decisions_are_a_conflict_settled_the_same_everywhere(tmp_path: Path) -> None:
    w, hid, cid = reviewed(tmp_path)
    step(w, w.wang, cid, "通过", "2026-11-12", publicity=publicity("2026-11-04", "2026-11-11"))
    step(w, w.hq, cid, "退回", "2026-11-12", opinion="有群众反映，待核实")  # at the same time
    report = w.to_hq(w.export(w.wang))
    assert report["conflicts"] == 1
    (conflict,) = list_conflicts(w.hq)
    assert conflict["title"].startswith("退出案件") and "决定" in conflict["differences"]
    assert conflict["current"]["data"]["决定"] == "退回"
    assert conflict["incoming"]["data"]["决定"] == "通过"
    with pytest.raises(proc.ProcedureError, match="并行的决定"):
        step(w, w.hq, cid, "通过", "2026-11-13")
    with pytest.raises(ConflictError, match="办理程序的冲突"):
        resolve_conflict(w.hq, conflict["id"], author="办公室", pick="incoming")
    kept = resolve_case_conflict(w.hq, conflict["id"], pick="incoming", signer=signer(w, w.hq))
    assert kept.parent_id == conflict["incoming_id"] and list_conflicts(w.hq) == []
    at_hq = proc.case_view(w.hq, cid)
    assert at_hq.state.next_step is not None and at_hq.state.next_step.name == "上级审批"
    set_aside = [(s.step.decision, s.in_force) for s in at_hq.steps][2:]
    assert set_aside == [("return", False), ("approve", True), ("resolve", True)]
    w.to_laptop(w.wang, w.assign(w.wang_info, [hid]))
    on_laptop = proc.case_view(w.wang, cid)
    assert [s.id for s in on_laptop.state.chain] == [s.id for s in at_hq.state.chain]
    assert list_conflicts(w.wang) == []


FUZZ = settings(
    derandomize=True,
    deadline=None,
    database=None,
    max_examples=80,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
plausible = st.sampled_from(
    [
        *("approve", "return", "reject", "resolve", "cadre", "reviewer", "office", "公示"),
        *("上级审批", "处理冲突", "2026-11-05", "2999-01-01", "2026-02-30", "已脱困", "exit"),
        "00000000-0000-4000-8000-000000000000",
        {"publicity_from": "2026-11-04", "publicity_to": "2026-11-11", "objections": False},
        {"supersedes": ["x"]},
        {"rules_check": {"met": False}},
    ]
)


@pytest.fixture(scope="module")
def receiver(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[World, ProcedureReceiver, dict[str, Any]]:
    w, hid, cid = reviewed(tmp_path_factory.mktemp("fuzz"))
    view = proc.case_view(w.hq, cid)
    genuine = {"case": case_record(view.case.row()), "step": step_record(view.steps[1].step.row())}
    r = ProcedureReceiver(
        w.hq,
        sender=w.li_info,
        up=True,
        bundle_id=str(uuid.uuid4()),
        received_at="2026-11-20",
        need_household=lambda hid: None,
        check=AuthorCheck(w.hq, w.li_info, w.li.device_id),
    )
    return w, r, genuine


@FUZZ
@given(
    kind=st.sampled_from(["case", "step"]),
    changes=st.lists(
        st.tuples(
            st.sampled_from([*STEP_FIELDS, "target", "opened_on", "t"]), plausible | json_values
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_untrusted_procedure_records_never_raise_past_the_boundary(
    receiver: tuple[World, ProcedureReceiver, dict[str, Any]],
    kind: str,
    changes: list[tuple[str, Any]],
) -> None:
    """A record like a genuine one (under a new id, so every check runs) with a few values
    replaced by any JSON: kept or refused with a BundleError, and a refusal writes nothing."""
    w, r, genuine = receiver
    record = {**genuine[kind], "id": str(uuid.uuid4()), **dict(changes)}
    before = digest(w.hq)
    try:
        with w.hq.db.atomic():
            r.case(record) if kind == "case" else r.step(record)
    except BundleError:
        assert digest(w.hq) == before
