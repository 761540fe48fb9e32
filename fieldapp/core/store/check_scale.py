"""The answer scales of a third-party check, as data: resources/checks.yaml.

Why: the questionnaire an outside firm uses is theirs, not ours — one province asks 满意 / 基本满意 /
不满意, another five steps from 非常满意 to 非常不满意. Which answers are allowed, and which count as
satisfied (满意度) or as precise (帮扶方式精准率), is read from the file, so an office changes the
scale without a new program; the findings themselves (错评, 漏评, 错退, 漏退) are the rates'
definitions and stay in code (``fieldapp.core.store.checks``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldapp.core.paths import RESOURCES_DIR
from fieldapp.core.store.errors import StoreError
from fieldapp.core.values.documents import read_yaml

SCALE_FILE = RESOURCES_DIR / "checks.yaml"


@dataclass(frozen=True)
class CheckScale:
    precise_answers: tuple[str, ...]
    """Answers to 帮扶方式是否精准 (``是`` / ``否``)."""
    precise: frozenset[str]
    """The answers that count as precise."""
    satisfaction_answers: tuple[str, ...]
    satisfied: frozenset[str]
    """The 满意度 answers that count as satisfied."""


def _scale(
    doc: Mapping[str, Any], section: str, counted: str
) -> tuple[tuple[str, ...], frozenset[str]]:
    part = doc.get(section)
    answers = part.get("answers") if isinstance(part, dict) else None
    chosen = part.get(counted) if isinstance(part, dict) else None
    if (
        not isinstance(answers, list)
        or not answers
        or not all(isinstance(a, str) and a.strip() for a in answers)
        or len(set(answers)) != len(answers)
    ):
        raise StoreError(f"checks.yaml: {section}.answers 应为不重复的答案列表")
    if not isinstance(chosen, list) or not set(chosen) <= set(answers):
        raise StoreError(f"checks.yaml: {section}.{counted} 应为 {section}.answers 中的答案列表")
    return tuple(answers), frozenset(chosen)


def parse_scale(doc: Any) -> CheckScale:
    if not isinstance(doc, dict):
        raise StoreError("checks.yaml: 顶层应为对象（precise, satisfaction）")
    precise_answers, precise = _scale(doc, "precise", "precise")
    satisfaction_answers, satisfied = _scale(doc, "satisfaction", "satisfied")
    return CheckScale(precise_answers, precise, satisfaction_answers, satisfied)


def read_scale(path: Path) -> CheckScale:
    try:
        doc = read_yaml(path, path.name)
    except StoreError:
        raise
    except Exception as exc:  # OSError, YAML errors, the limits: a broken resource file
        raise StoreError(f"{path.name} 无法读取：{exc}") from None
    return parse_scale(doc)


@functools.cache
def check_scale() -> CheckScale:
    """The scales shipped in resources/checks.yaml (read once)."""
    return read_scale(SCALE_FILE)
