"""Forms that passed the schema are not checked again at the next start (the check is a third
of the start-up), but a changed form or schema is, and a failure is never remembered."""

from __future__ import annotations

import shutil
from pathlib import Path

import jsonschema
import pytest

from fieldapp.core.forms import loader
from fieldapp.core.paths import FORMS_DIR


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[int]:
    """Counts schema validations; the cache in a folder of this test."""
    monkeypatch.setenv("FIELDAPP_CACHE_DIR", str(tmp_path / "cache"))
    counted: list[int] = []
    real = jsonschema.Draft202012Validator

    def counting(schema: object) -> object:  # one validator a document checked
        counted.append(1)
        return real(schema)

    monkeypatch.setattr(jsonschema, "Draft202012Validator", counting)
    return counted


def test_a_second_load_skips_the_schema_but_a_changed_form_is_checked(
    checks: list[int], tmp_path: Path
) -> None:
    forms = tmp_path / "forms"
    shutil.copytree(FORMS_DIR, forms)
    assert loader.check_survey(forms) == []
    first = len(checks)
    assert first >= 3  # survey, options and every form
    assert loader.check_survey(forms) == []
    assert len(checks) == first  # nothing checked again

    a = forms / "A.yaml"
    a.write_text(a.read_text("utf-8").replace("sections:", "sectionz:", 1), "utf-8")
    problems = loader.check_survey(forms)
    assert any("schema" in p.message for p in problems)
    assert len(checks) == first + 1  # only the changed form
    assert any("schema" in p.message for p in loader.check_survey(forms))  # still refused


def test_without_a_writable_cache_every_load_checks(
    checks: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("FIELDAPP_CACHE_DIR", str(blocker / "cache"))
    assert loader.check_survey(FORMS_DIR) == []
    first = len(checks)
    assert loader.check_survey(FORMS_DIR) == []
    assert len(checks) == 2 * first
