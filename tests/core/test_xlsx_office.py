"""Excel as offices use it: printable sheets, frozen names, local times, plain words, and an
export that can be edited and imported back (households and members), checked in LibreOffice."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.reports.xlsx_export import export_xlsx
from fieldapp.core.reports.xlsx_import import import_archive
from fieldapp.core.reports.xlsx_template import write_template
from fieldapp.core.store.store import Store
from tests.stores import open_test_store

DAY = date(2026, 11, 1)
FONTS = Path(__file__).resolve().parents[2] / "resources" / "fonts"


@pytest.fixture
def demo(store: Store) -> Store:
    # Seed 5: no member has a birthday between the demo's survey days and DAY, so re-importing
    # on DAY recomputes the same ages (an import recomputes calculated fields as of its day).
    generate_demo(store, 12, seed=5, author="甲")
    return store


def test_every_sheet_prints_on_a4_landscape_with_frozen_names(demo: Store, tmp_path: Path) -> None:
    out = tmp_path / "导出.xlsx"
    export_xlsx(demo, out)
    wb = load_workbook(out)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize == 9, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    households = wb["户信息"]
    assert [c.value for c in households[1]][:2] == ["档案编号", "姓名"]
    assert households.freeze_panes == "C2" and households.print_title_rows == "$1:$1"
    assert households.print_title_cols == "$A:$B"  # wide: 档案编号 and 姓名 on every page across
    assert wb["家庭成员"].freeze_panes == "C2"
    assert wb["统计表"].page_setup.fitToWidth == 1
    texts = [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert not any("docs/" in t or "fieldapp " in t for t in texts)
    generated = next(
        row[1] for row in wb["说明"].iter_rows(values_only=True) if row[0] == "生成时间"
    )
    assert "T" not in generated and "+00:00" not in generated  # local time, as people read it


def _form_a(store: Store, hid: str) -> dict[str, Any]:
    data = dict(store.current(hid).get("A") or {})
    data.pop("worker_signature", None)
    data.pop("attachments", None)
    data["members"] = [
        {k: v for k, v in m.items() if k != "_id"} for m in data.get("members") or []
    ]
    return data


def test_export_imports_back_household_and_member_sheets(demo: Store, tmp_path: Path) -> None:
    out = tmp_path / "导出.xlsx"
    export_xlsx(demo, out)
    # the same database: a dry run and the real run both say every row is unchanged
    dry = import_archive(demo, out, author="乙", today=DAY, dry_run=True)
    real = import_archive(demo, out, author="乙", today=DAY)
    counts = [(r.created, r.updated, r.unchanged, r.rejected) for r in (dry, real)]
    assert counts[0] == counts[1]
    assert real.created == 0 and real.updated == 0 and real.unchanged + real.rejected == 12
    # another database: the households arrive with the same ids, Form A and members as exported
    other = open_test_store(tmp_path / "other.db")
    try:
        result = import_archive(other, out, author="乙", today=DAY)
        assert result.created == real.unchanged
        for hid in result.household_ids:
            assert _form_a(other, hid) == _form_a(demo, hid)
    finally:
        other.close()


def _to_pdf(xlsx: Path, folder: Path) -> PdfReader:
    """LibreOffice's headless conversion, with the application's own CJK font."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (tools/setup.sh installs libreoffice-calc-nogui)")
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf'
        f"</include><dir>{FONTS}</dir><cachedir>{folder}/fc</cachedir></fontconfig>",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(config), "HOME": str(folder)}
    subprocess.run(
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(xlsx)],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return PdfReader(folder / f"{xlsx.stem}.pdf")


@pytest.mark.slow
def test_libreoffice_prints_export_and_template_on_sane_pages(demo: Store, tmp_path: Path) -> None:
    out, template = tmp_path / "export.xlsx", tmp_path / "template.xlsx"
    export_xlsx(demo, out)
    write_template(template, demo.survey.form("A"))
    pdf = _to_pdf(out, tmp_path)
    first = pdf.pages[0].extract_text()
    assert "困难职工解困脱困“户户清”专项行动统计表" in first  # the title opens page 1
    assert "第 1 页" in first
    # 12 households: a handful of readable pages per sheet, not hundreds
    assert 10 <= len(pdf.pages) <= 60
    sheet_pages = _to_pdf(template, tmp_path).pages
    assert 3 <= len(sheet_pages) <= 10
    assert "填表说明" in "".join(p.extract_text() for p in sheet_pages)
