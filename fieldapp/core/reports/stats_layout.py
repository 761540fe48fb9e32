"""How the figures are laid out for people: the main lines in report order and the columns of a
breakdown table, shared by the CLI's text, the Excel 统计表 and the GUI's tables (one order, one
set of labels, wherever they are shown)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fieldapp.core.reports.stats import FIGURE_LABELS, Figures

REGION_TABLE: list[tuple[str, str, Callable[[Figures], Any]]] = [
    ("在档户数", "int", lambda f: f.in_archive),
    ("已脱困", "int", lambda f: f.by_status.get("已脱困", 0)),
    ("已解困", "int", lambda f: f.by_status.get("已解困", 0)),
    ("注销", "int", lambda f: f.by_status.get("注销", 0)),
    ("走访人次", "int", lambda f: f.visits),
    ("走访户数", "int", lambda f: f.households_visited),
    ("困难需求数", "int", lambda f: f.needs_found),
    ("帮扶措施数", "int", lambda f: f.measures),
    ("已解决数", "int", lambda f: f.needs_solved),
    ("两有五保障全部达标户", "int", lambda f: f.all_guarantees_met),
    ("连续6个月超低保户", "int", lambda f: f.exit_income_met),
    ("符合脱困（在档）", "int", lambda f: f.exit_qualified),
    ("符合解困（在档）", "int", lambda f: f.resolve_qualified),
    ("脱困户数", "int", lambda f: f.exited),
    ("解困户数", "int", lambda f: f.resolved),
    ("其中人工认定退出", "int", lambda f: f.exit_overrides),
    ("结对帮扶覆盖率", "percent", lambda f: f.pairing_coverage),
]
"""Columns of a breakdown table (by region, unit or staff): (header, int or percent, value)."""


def summary_lines(figures: Figures) -> list[tuple[str, Any, str]]:
    """(指标, 数值, kind) of the main figures, in report order."""
    lines: list[tuple[str, Any, str]] = [
        ("建档户数（全部档案状态）", figures.households, "int"),
    ]
    lines += [(f"  其中 {status}", n, "int") for status, n in figures.by_status.items()]
    lines += [(f"在档户中 {category}", n, "int") for category, n in figures.by_category.items()]
    lines += [
        (FIGURE_LABELS["visits"], figures.visits, "int"),
        (FIGURE_LABELS["home_visits"], figures.home_visits, "int"),
        (FIGURE_LABELS["households_visited"], figures.households_visited, "int"),
        (FIGURE_LABELS["needs_found"], figures.needs_found, "int"),
        (FIGURE_LABELS["measures"], figures.measures, "int"),
        (FIGURE_LABELS["needs_solved"], figures.needs_solved, "int"),
    ]
    lines += [(f"{g.label}（达标或不适用户数）", g.met, "int") for g in figures.guarantees]
    lines += [
        (FIGURE_LABELS["all_guarantees_met"], figures.all_guarantees_met, "int"),
        (FIGURE_LABELS["exit_income_met"], figures.exit_income_met, "int"),
        (FIGURE_LABELS["exit_qualified"], figures.exit_qualified, "int"),
        (FIGURE_LABELS["resolve_qualified"], figures.resolve_qualified, "int"),
        (FIGURE_LABELS["exited"], figures.exited, "int"),
        (FIGURE_LABELS["resolved"], figures.resolved, "int"),
        (FIGURE_LABELS["exit_overrides"], figures.exit_overrides, "int"),
        (FIGURE_LABELS["cancelled"], figures.cancelled, "int"),
        (FIGURE_LABELS["paired"], figures.paired, "int"),
        (FIGURE_LABELS["paired_visited"], figures.paired_visited, "int"),
        ("结对帮扶覆盖率", figures.pairing_coverage, "percent"),
    ]
    return lines
