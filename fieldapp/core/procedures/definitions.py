"""The procedures as data: resources/procedures.yaml turned into checked objects.

Why: the order of the steps, who may take each, what a 公示 must show and how long it lasts are
set by each province's 档案管理办法, not by this program (the exit chain is not even spelt out in
the seeds). So they are read from one YAML file an office can edit; every refusal names the key
that is wrong, in Chinese, and ``fieldapp forms check`` runs this check too.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fieldapp.core.paths import RESOURCES_DIR
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.records import STATUSES
from fieldapp.core.trust.certificates import ROLES

PROCEDURES_FILE = RESOURCES_DIR / "procedures.yaml"
FILING, EXIT = "filing", "exit"
TARGET = "target"
"""``on_complete: target``: the status the case named when it was opened (exits)."""


class ProcedureError(StoreError):
    """A refusal about a procedure or a case: a Chinese message that says what to do."""


@dataclass(frozen=True)
class StepSpec:
    name: str
    roles: tuple[str, ...]
    opinion_required: bool
    publicity_days: int | None
    """Minimum 公示 days (both ends counted) when this step is a 公示; None otherwise."""
    return_to: int | None
    """Index of the step a 退回 goes back to; None: the step may not be returned (the first)."""

    @property
    def is_publicity(self) -> bool:
        return self.publicity_days is not None


@dataclass(frozen=True)
class Procedure:
    key: str
    title: str
    steps: tuple[StepSpec, ...]
    targets: tuple[str, ...]
    """The 档案状态 an exit case may aim at; for a filing the one status it sets."""
    on_complete: str
    """A status, or ``target`` (the case's own target)."""
    assessment: bool
    """Show the 脱困/解困 rules to every approver; approving against them needs a reason."""

    def step_index(self, name: str) -> int | None:
        return next((i for i, s in enumerate(self.steps) if s.name == name), None)

    def completion_status(self, target: str) -> str:
        return target if self.on_complete == TARGET else self.on_complete


@dataclass(frozen=True)
class ProcedureSet:
    version: str
    roles: dict[str, str]
    """Certificate role -> what the procedures call it (入户干部, 基层工会审核人 …)."""
    procedures: dict[str, Procedure]

    def get(self, key: str) -> Procedure:
        found = self.procedures.get(key)
        if found is None:
            names = "、".join(f"{p.key}（{p.title}）" for p in self.procedures.values())
            raise ProcedureError(f"没有办理程序“{key}”；可用：{names}")
        return found

    def role_name(self, role: str) -> str:
        return self.roles.get(role, role)

    def role_names(self, roles: tuple[str, ...]) -> str:
        return "、".join(self.role_name(r) for r in roles)


def _fail(where: str, message: str) -> ProcedureError:
    return ProcedureError(f"procedures.yaml: {where}: {message}")


def _text(doc: dict[str, Any], key: str, where: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"缺少 {key}（文字）")
    return value.strip()


def _step(doc: Any, where: str, names: list[str]) -> tuple[StepSpec, str | None]:
    if not isinstance(doc, dict):
        raise _fail(where, "每一步应为对象（name, roles, opinion …）")
    name = _text(doc, "name", where)
    where = f"{where}（{name}）"
    if name in names:
        raise _fail(where, "步骤名称重复")
    roles = doc.get("roles")
    if not isinstance(roles, list) or not roles or any(r not in ROLES for r in roles):
        raise _fail(where, f"roles 应为非空列表，取值：{'、'.join(ROLES)}")
    opinion = doc.get("opinion", True)
    if not isinstance(opinion, bool):
        raise _fail(where, "opinion 应为 true 或 false")
    days = None
    if "publicity" in doc:
        publicity = doc["publicity"]
        days = publicity.get("min_days") if isinstance(publicity, dict) else None
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 90:
            raise _fail(where, "publicity.min_days 应为 1 到 90 之间的天数")
    return_to = doc.get("return_to")
    if return_to is not None and not isinstance(return_to, str):
        raise _fail(where, "return_to 应为前面某一步的名称")
    spec = StepSpec(name, tuple(roles), opinion, days, None)
    return spec, return_to


def _procedure(key: str, doc: Any) -> Procedure:
    where = f"procedures.{key}"
    if not isinstance(doc, dict):
        raise _fail(where, "应为对象（title, steps, on_complete …）")
    title = _text(doc, "title", where)
    raw = doc.get("steps")
    if not isinstance(raw, list) or not raw:
        raise _fail(where, "steps 应为非空列表")
    steps: list[StepSpec] = []
    for i, item in enumerate(raw):
        spec, return_to = _step(item, f"{where}.steps[{i + 1}]", [s.name for s in steps])
        back: int | None = i - 1 if i > 0 else None
        if return_to is not None:
            back = next((j for j, s in enumerate(steps) if s.name == return_to), None)
            if back is None:
                raise _fail(f"{where}（{spec.name}）", f"return_to“{return_to}”不是前面的步骤")
        steps.append(
            StepSpec(spec.name, spec.roles, spec.opinion_required, spec.publicity_days, back)
        )
    on_complete = _text(doc, "on_complete", where)
    targets = doc.get("targets", [])
    if not isinstance(targets, list) or any(t not in STATUSES for t in targets):
        raise _fail(where, f"targets 的取值只能是：{'、'.join(STATUSES)}")
    if on_complete == TARGET:
        if not targets:
            raise _fail(where, "on_complete: target 须同时给出 targets")
    elif on_complete in STATUSES:
        targets = [on_complete]
    else:
        raise _fail(where, f"on_complete 应为 target 或档案状态（{'、'.join(STATUSES)}）")
    assessment = doc.get("assessment", False)
    if not isinstance(assessment, bool):
        raise _fail(where, "assessment 应为 true 或 false")
    return Procedure(key, title, tuple(steps), tuple(targets), on_complete, assessment)


def parse_procedures(doc: Any) -> ProcedureSet:
    if not isinstance(doc, dict):
        raise _fail("顶层", "应为对象（version, roles, procedures）")
    roles = doc.get("roles")
    if not isinstance(roles, dict) or set(roles) != set(ROLES):
        raise _fail("roles", f"应为每个证书角色（{'、'.join(ROLES)}）写出叫法")
    if not all(isinstance(v, str) and v.strip() for v in roles.values()):
        raise _fail("roles", "叫法应为文字")
    procedures = doc.get("procedures")
    if not isinstance(procedures, dict) or set(procedures) != {FILING, EXIT}:
        raise _fail("procedures", f"应有且只有 {FILING}（建档）和 {EXIT}（退出）两个程序")
    return ProcedureSet(
        version=str(doc.get("version", "1")),
        roles={str(k): str(v).strip() for k, v in roles.items()},
        procedures={key: _procedure(key, procedures[key]) for key in (FILING, EXIT)},
    )


def load_procedures(path: Path = PROCEDURES_FILE) -> ProcedureSet:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ProcedureError(f"{path.name}: 无法读取：{exc}") from None
    return parse_procedures(doc)


@functools.lru_cache(maxsize=1)
def default_procedures() -> ProcedureSet:
    """The shipped procedures (cached)."""
    return load_procedures()


def procedure_problems(path: Path = PROCEDURES_FILE) -> list[str]:
    """For ``fieldapp forms check``: what is wrong with the file (empty when it can be used)."""
    try:
        load_procedures(path)
    except ProcedureError as exc:
        return [str(exc)]
    return []
