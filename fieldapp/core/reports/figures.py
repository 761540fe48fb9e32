"""What one household contributes to each campaign figure (docs/statistics.md, one rule each).

Every figure of the statistics is a sum over households of these contributions, so a group's
figure is the sum over its households and the households behind a number are exactly those that
contribute to it. The household is described by ``Facts`` (computed by fieldapp.core.reports.facts from
its current forms with fieldapp.core.rules.assessment and fieldapp.core.rules.exits), its archive status and
困难类别, and, for a report period, its status changes.

Figure keys are flat strings: ``households``, ``status.在档``, ``category.深度困难``, ``visits``,
``guarantee.employment.未达标``, ``guarantee_met.employment`` … (see FIGURE_LABELS in stats).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fieldapp.core.reports.aid import aid_contributions, contribution_keys
from fieldapp.core.rules import exits as exit_rules
from fieldapp.core.rules.assessment import MET, NOT_APPLICABLE
from fieldapp.core.store.records import STATUSES

IN_ARCHIVE, EXITED, RESOLVED, CANCELLED = STATUSES
HOME_VISIT = "入户走访"
SOLVED = "已解决"
NO_CATEGORY = "（未填困难类别）"
EXIT_FIGURES = {EXITED: "exited", RESOLVED: "resolved", CANCELLED: "cancelled"}


@dataclass(frozen=True)
class Period:
    """Report period, both ends included; either end may be open. Dates are ISO text."""

    start: str | None = None
    end: str | None = None

    @property
    def bounded(self) -> bool:
        return self.start is not None or self.end is not None

    def contains(self, day: str | None) -> bool:
        """A dated event falls in the period; an undated one only in the unbounded period."""
        if day is None:
            return not self.bounded
        if self.start is not None and day < self.start:
            return False
        return self.end is None or day <= self.end


ALL_TIME = Period()


@dataclass(frozen=True)
class Facts:
    """What statistics read of one household besides its archive status and 困难类别."""

    employer: str | None
    """工作单位 (Form A), the ``unit`` of --by unit."""
    helper: str | None
    """帮扶责任人 (Form D), the ``staff`` of --by staff."""
    visits: Sequence[Sequence[Any]]
    """(date, is 入户走访) of every Form D visit row that has a date."""
    problems: Sequence[Sequence[Any]]
    """(first recorded on, measures, solved, solved on) of every Form E problem row."""
    guarantees: Mapping[str, str]
    """两有五保障 item key -> 达标 / 未达标 / 不适用 / 待核实 (rules.guarantee_checks)."""
    income_met: bool
    """家庭人均收入连续 6 个月超过当地低保标准 (rules.exit_assessment)."""
    outcome: str
    """脱困 / 解困 / 未达到 (exit_rules.assess_exit)."""
    aid: Sequence[Sequence[Any]] = ()
    """aid.ROW_CELLS of every Form C row (help in 户次 and 人次, the unions' money)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "u": self.employer,
            "h": self.helper,
            "v": [[day, int(bool(home))] for day, home in self.visits],
            "p": [list(p) for p in self.problems],
            "g": dict(self.guarantees),
            "x": int(self.income_met),
            "o": self.outcome,
            "c": [list(row) for row in self.aid],
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Facts:
        """From to_json's document (its lists are used as they are: read, never changed)."""
        return cls(
            employer=doc["u"],
            helper=doc["h"],
            visits=doc["v"],
            problems=doc["p"],
            guarantees=doc["g"],
            income_met=bool(doc["x"]),
            outcome=str(doc["o"]),
            aid=doc.get("c", ()),
        )


def base_contributions(
    status: str,
    category: str | None,
    period: Period = ALL_TIME,
    status_changes: Iterable[tuple[str, str]] = (),
) -> dict[str, int]:
    """Counts by archive status and 困难类别, and 脱困/解困/注销: by current status without a
    period, by a status change dated in the period with one."""
    out = {"households": 1, f"status.{status}": 1}
    if status == IN_ARCHIVE:
        out["in_archive"] = 1
        out[f"category.{category or NO_CATEGORY}"] = 1
    if period.bounded:
        for changed_to, day in status_changes:
            key = EXIT_FIGURES.get(changed_to)
            if key and period.contains(day):
                out[key] = 1
    else:
        key = EXIT_FIGURES.get(status)
        if key:
            out[key] = 1
    return out


def override_contributions(status: str, overridden: bool) -> dict[str, int]:
    """An 已脱困 / 已解困 household whose status change was made against the rules (人工认定)."""
    return {"exit_overrides": 1} if overridden and status in (EXITED, RESOLVED) else {}


def activity_contributions(facts: Facts, period: Period = ALL_TIME) -> dict[str, int]:
    """Visits (Form D), needs, measures, solved (Form E) and help received (Form C: aid), whatever
    the archive status."""
    out = aid_contributions(facts.aid, period.contains)
    visits = [home for day, home in facts.visits if period.contains(day)]
    if visits:
        out["visits"] = len(visits)
        out["households_visited"] = 1
        home = sum(visits)
        if home:
            out["home_visits"] = home
    if period.bounded:
        found = [p for p in facts.problems if period.contains(p[0])]
        solved = sum(1 for p in facts.problems if p[2] and period.contains(p[3]))
    else:
        found = list(facts.problems)
        solved = sum(1 for p in found if p[2])
    if found:
        out["needs_found"] = len(found)
        measures = sum(p[1] for p in found)
        if measures:
            out["measures"] = measures
    if solved:
        out["needs_solved"] = solved
    return out


ACTIVITY_KEYS = (
    "visits",
    "households_visited",
    "home_visits",
    "needs_found",
    "measures",
    "needs_solved",
)
"""The keys ``activity_contributions`` gives besides the aid ones (``activity_keys``)."""


def activity_keys() -> list[str]:
    """Every key ``activity_contributions`` can give (``facts.entry`` checks each entry's)."""
    return [*ACTIVITY_KEYS, *contribution_keys()]


def standing_contributions(facts: Facts) -> dict[str, int]:
    """两有五保障, 脱困/解困 eligibility and pairing of a 在档 household (no period involved)."""
    out: dict[str, int] = {}
    all_met = bool(facts.guarantees)
    for key, status in facts.guarantees.items():
        out[f"guarantee.{key}.{status}"] = 1
        if status in (MET, NOT_APPLICABLE):
            out[f"guarantee_met.{key}"] = 1
        else:
            all_met = False
    if all_met:
        out["all_guarantees_met"] = 1
    if facts.income_met:
        out["exit_income_met"] = 1
    if facts.outcome == exit_rules.EXIT:
        out["exit_qualified"] = 1
    elif facts.outcome == exit_rules.RESOLVE:
        out["resolve_qualified"] = 1
    if facts.helper:
        out["paired"] = 1
    return out


def coverage_contributions(facts: Facts, period: Period = ALL_TIME) -> dict[str, int]:
    """结对帮扶覆盖 of a 在档 household: a helper named in Form D and a visit in the period."""
    if facts.helper and any(period.contains(day) for day, _ in facts.visits):
        return {"paired_visited": 1}
    return {"coverage_gap": 1}


def contributions(
    facts: Facts,
    status: str,
    category: str | None,
    period: Period = ALL_TIME,
    status_changes: Iterable[tuple[str, str]] = (),
) -> dict[str, int]:
    """Everything one household adds to the figures."""
    out = base_contributions(status, category, period, status_changes)
    out.update(activity_contributions(facts, period))
    if status == IN_ARCHIVE:
        out.update(standing_contributions(facts))
        out.update(coverage_contributions(facts, period))
    return out


def precomputed(facts: Facts) -> dict[str, dict[str, int]]:
    """The parts that do not depend on status or period, kept with the cached facts."""
    return {
        "a": activity_contributions(facts),
        "s": standing_contributions(facts),
        "c": coverage_contributions(facts),
    }
