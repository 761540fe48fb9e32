"""Malformed input at every entry point: exit 0 or a clean refusal (exit 1), never a traceback,
and a refused case leaves the database exactly as it was.

Fixed seed (derandomize) so the suite is reproducible; ``benchmarks/bench_fuzz.py`` runs the same
generators (tests/core/fuzzing.py) much longer. Sync bundles: tests/core/test_sync_bad.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.core.fuzz_targets import FormsTarget, RecordTarget, XlsxTarget

FUZZ = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def record_target(tmp_path_factory: pytest.TempPathFactory) -> RecordTarget:
    return RecordTarget(tmp_path_factory.mktemp("record"))


@pytest.fixture(scope="module")
def xlsx_target(tmp_path_factory: pytest.TempPathFactory) -> XlsxTarget:
    return XlsxTarget(tmp_path_factory.mktemp("xlsx"))


@pytest.fixture(scope="module")
def forms_target(tmp_path_factory: pytest.TempPathFactory) -> FormsTarget:
    return FormsTarget(tmp_path_factory.mktemp("forms"))


def judge(target: Any, case: Any) -> None:
    outcome, unchanged = target.run(case)
    assert not outcome.crashed, f"{case!r:.300}\n{outcome.detail}"
    assert unchanged, f"refused but the database changed: {case!r:.300}"


@settings(FUZZ, max_examples=60)
@given(case=RecordTarget.cases)
def test_record_json_never_crashes(record_target: RecordTarget, case: Any) -> None:
    judge(record_target, case)


@settings(FUZZ, max_examples=30)
@given(case=XlsxTarget.cases)
def test_archive_import_of_damaged_spreadsheets_never_crashes(
    xlsx_target: XlsxTarget, case: Any
) -> None:
    judge(xlsx_target, case)


@settings(FUZZ, max_examples=20)
@given(case=FormsTarget.cases)
def test_forms_check_of_damaged_yaml_never_crashes(forms_target: FormsTarget, case: Any) -> None:
    judge(forms_target, case)


def test_the_targets_accept_their_undamaged_input(
    record_target: RecordTarget, xlsx_target: XlsxTarget, forms_target: FormsTarget
) -> None:
    """The generators start from good input: unchanged, it is accepted (so refusals mean damage)."""
    from tests.core.fuzz_targets import GOOD_A

    outcome, _ = record_target.run((("A", GOOD_A), False))
    assert outcome.kind == "accepted", outcome.detail
    outcome, _ = xlsx_target.run(("part", []))
    assert outcome.kind == "accepted", outcome.detail
    outcome, _ = forms_target.run(("A.yaml", []))
    assert outcome.kind == "accepted", outcome.detail
