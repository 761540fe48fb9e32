"""Printed ledgers: the text of the PDF carries every filled field, money as 元 with two decimals,
right page numbers, only embedded fonts; batches, reproducibility and refusals."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from fieldapp.core.forms.loader import load_survey
from fieldapp.core.forms.model import Field
from fieldapp.core.ledger import style as st
from fieldapp.core.ledger.render import (
    LedgerCancelled,
    LedgerError,
    household_ids_for,
    render_batch_ledger,
    render_household_ledger,
)
from fieldapp.core.ledger.values import format_value
from fieldapp.core.paths import FORMS_DIR
from fieldapp.core.store.errors import NotFound
from fieldapp.core.store.store import Store
from tests.conftest import TODAY
from tests.core.households import complete_household
from tests.stores import open_test_store

STROKES = [[[40.0, 150.0], [120.0, 40.0], [200.0, 160.0]], [[260.0, 60.0], [420.0, 60.0]]]


def pdf_pages(path: Path) -> list[str]:
    """Each page's text with all whitespace removed (wrapped cells join up again)."""
    if shutil.which("pdftotext"):
        done = subprocess.run(
            ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        )
        pages = done.stdout.split("\f")
        if pages and not pages[-1].strip():
            pages = pages[:-1]
    else:  # pragma: no cover - poppler-utils is a test dependency
        pages = [page.extract_text() or "" for page in PdfReader(str(path)).pages]
    return [re.sub(r"\s+", "", page) for page in pages]


def save_household(store: Store, data: dict[str, dict[str, Any]], author: str = "李干事") -> str:
    hid = store.create_household(author)
    for form_id, values in data.items():
        store.save_form(hid, form_id, values, author=author, final=True, today=TODAY)
    return hid


def rich_household() -> dict[str, dict[str, Any]]:
    """The complete household plus checklists, a signature and text that must wrap."""
    data = complete_household()
    data["A"]["worker_signature"] = {"strokes": STROKES}
    data["A"]["basic_union_opinion"] = "经入户核查，该户家庭情况属实，致困原因清楚，同意建档。" * 3
    data["D"]["visits"][0]["helper_signature"] = {"strokes": STROKES}
    data["LQ"] = {
        "basics_clear": "清",
        "policies_clear": "清",
        "difficulties_clear": "清",
        "measures_clear": "清",
        "effects_clear": "清",
        "visits_clear": "不清",
        "visits_clear_note": "部分走访记录缺少职工签字。",
        "checked_by": "王科长",
        "checked_date": "2026-10-30",
    }
    data["BZ"] = {
        "has_food": "未达标",
        "has_food_evidence": "月人均收入500元，低于低保标准590元。",
        "has_clothing": "未达标",
        "employment": "达标",
        "medical": "达标",
        "education": "达标",
        "social_security": "未达标",
        "housing": "达标",
        "checked_by": "王科长",
        "checked_date": "2026-10-30",
    }
    return data


def expected_texts(store: Store, hid: str, day: date) -> Iterator[tuple[str, str]]:
    """(label, printed text) for every filled field of every form, repeat cells included."""
    values = store.engine(day).compute(store.current(hid))

    def texts(f: Field, value: Any) -> Iterator[tuple[str, str]]:
        if f.type in ("signature", "note", "attachment"):
            return
        if f.type == "repeat":
            for row in value or []:
                for child in f.fields:
                    yield from texts(child, row.get(child.name))
            return
        text = format_value(f, value, store.regions)
        if text:
            yield f.label, text

    for form_id, form in store.survey.forms.items():
        for f in form.fields:
            yield from texts(f, values[form_id].get(f.name))


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, str, Path, Any]:
    """One rendered ledger shared by the read-only tests below (rendering is the slow part)."""
    folder = tmp_path_factory.mktemp("ledger")
    store = open_test_store(folder / "test.db")
    hid = save_household(store, rich_household())
    info = render_household_ledger(store, hid, folder / "ledger.pdf", reproducible=True)
    return store, hid, folder / "ledger.pdf", info


def test_every_filled_field_of_the_complete_household_is_printed(rich: Any) -> None:
    store, hid, path, info = rich
    text = "".join(pdf_pages(path))
    missing = [
        (label, printed)
        for label, printed in expected_texts(store, hid, date(2026, 11, 1))
        if re.sub(r"\s+", "", printed) not in text
    ]
    assert missing == []
    for label in ("档案编号", "困难职工档案表", "家庭收支调查表", "结对帮扶记录表", "签字确认"):
        assert label in text
    # spot checks written out by hand: option labels, region names, Chinese dates, money
    for printed in (
        "张建国",
        "云南省昆明市五华区",
        "尿毒症/终末期肾病",
        "2026年10月15日",
        "1975年12月31日",
        "昆明市五华区红云街道某社区3栋2单元401室",
        "部分走访记录缺少职工签字。",
    ):
        assert printed in text


def test_money_is_printed_in_yuan_with_two_decimals(rich: Any) -> None:
    _store, _hid, path, _info = rich
    text = "".join(pdf_pages(path))
    # incomes 24000 + 3000, rigid expense 9000, (27000 − 9000) / 3 / 12 = 500, 低保 590, C 1250
    for amount in ("24000.00", "3000.00", "27000.00", "9000.00", "500.00", "590.00", "1250.00"):
        assert amount in text
    assert "合计" in text
    assert not re.search(r"(?<![\d.])(24000|27000|1250)(?![\d.])", text)


def test_pages_are_numbered_x_of_y_and_carry_the_header(rich: Any) -> None:
    _store, _hid, path, info = rich
    pages = pdf_pages(path)
    assert len(pages) == info.pages == len(PdfReader(str(path)).pages)
    for number, page in enumerate(pages, 1):
        assert f"第{number}页共{info.pages}页" in page
        assert "档案编号：YN-530102-2020-000001" in page
        assert "职工姓名：张建国" in page
    # the cover's table of contents names the page where each form starts
    cover = pages[0]
    assert "表A困难职工档案表家庭基本情况清已定稿2" in cover


def test_checklists_show_the_answers_beside_the_system_check(rich: Any) -> None:
    _store, _hid, path, _info = rich
    text = "".join(pdf_pages(path))
    assert "结对帮扶记录清不清部分走访记录缺少职工签字。" in text
    # 两有五保障: the cadre's answer, then rules.guarantee_checks
    assert (
        "有吃未达标月人均收入500元，低于低保标准590元。未达标：月人均收入500.00元未超过低保标准590.00元"
        in text
    )
    # 社保: the cadre says 未达标 and so does the system (未参保)
    assert "社保有保障未达标未达标：职工未参加养老保险" in text
    assert "脱困收入条件" in text


def test_only_embedded_fonts_and_signature_boxes_recorded(rich: Any) -> None:
    _store, _hid, path, info = rich
    reader = PdfReader(str(path))
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]))
            descendants = font.get("/DescendantFonts") or [font]
            for item in descendants:
                descriptor = item.get_object().get("/FontDescriptor")
                assert descriptor is not None, font
                assert any(k in descriptor.get_object() for k in ("/FontFile2", "/FontFile3"))
    assert fonts and all("WenQuanYiMicroHei" in f for f in fonts)
    if shutil.which("pdffonts"):
        listing = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True
        ).stdout
        rows = listing.splitlines()[2:]
        assert rows and all(" yes yes yes " in row for row in rows), listing
    staff, reviewer = info.signature_box, info.countersignature_box
    assert staff is not None and reviewer is not None
    assert staff.page == reviewer.page == info.pages - 1
    assert 0 < staff.x < reviewer.x and staff.y > 0 and staff.width > 100


def test_reproducible_output_is_byte_identical(rich: Any, tmp_path: Path) -> None:
    store, hid, path, _info = rich
    again = render_household_ledger(store, hid, tmp_path / "again.pdf", reproducible=True)
    assert again.path.read_bytes() == path.read_bytes()


def test_demo_households_print_every_filled_field(store: Store, tmp_path: Path) -> None:
    demo = pytest.importorskip("fieldapp.core.demo.generate")
    demo.generate_demo(store, 3, seed=7, author="测试")
    day = date(2026, 11, 1)
    for hid in household_ids_for(store)[:2]:
        out = tmp_path / f"{hid}.pdf"
        info = render_household_ledger(store, hid, out, reproducible=True, today=day)
        pages = pdf_pages(out)
        assert len(pages) == info.pages
        text = "".join(pages)
        missing = [
            (label, printed)
            for label, printed in expected_texts(store, hid, day)
            if re.sub(r"\s+", "", printed) not in text
        ]
        assert missing == []


def test_a_form_edited_in_yaml_still_prints(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    shutil.copytree(FORMS_DIR, forms)
    a_yaml = forms / "A.yaml"
    text = a_yaml.read_text(encoding="utf-8")
    text = text.replace("label: 劳模类型", "label: 劳动模范类型")
    text = text.replace(
        "      - name: single_parent\n",
        "      - name: veteran\n        label: 是否退役军人\n        type: select_one\n"
        "        options: yes_no\n      - name: single_parent\n",
    )
    a_yaml.write_text(text, encoding="utf-8")
    store = open_test_store(tmp_path / "edited.db", survey=load_survey(forms))
    data = complete_household()
    data["A"]["veteran"] = "是"
    hid = save_household(store, data)
    render_household_ledger(store, hid, tmp_path / "edited.pdf", reproducible=True)
    printed = "".join(pdf_pages(tmp_path / "edited.pdf"))
    assert "是否退役军人是" in printed
    assert "劳动模范类型非劳模" in printed


def test_a_household_with_nothing_filled_prints_a_blank_form(store: Store, tmp_path: Path) -> None:
    hid = store.create_household("测试")
    info = render_household_ledger(store, hid, tmp_path / "blank.pdf", reproducible=True)
    text = "".join(pdf_pages(tmp_path / "blank.pdf"))
    assert "档案编号：（未编号）" in text and "未填写" in text
    assert info.pages >= 7


def test_batch_ledger_has_a_summary_then_each_household(store: Store, tmp_path: Path) -> None:
    first = save_household(store, complete_household())
    other = complete_household()
    other["A"].update(archive_no="YN-530102-2020-000002", name="李秀兰", gender="女")
    other["A"].update(id_number="53040219751231002X", birth_date="1975-12-31")
    other["A"]["members"] = []
    second = save_household(store, other)
    calls: list[tuple[int, int]] = []
    out = tmp_path / "batch.pdf"
    info = render_batch_ledger(
        store,
        [first, second],
        out,
        progress=lambda done, total: calls.append((done, total)),
        reproducible=True,
        scope="测试范围",
    )
    assert calls == [(0, 2), (1, 2), (2, 2)]
    assert info.households == 2
    pages = pdf_pages(out)
    assert len(pages) == info.pages
    summary = pages[0]
    assert "户户清表册汇总表" in summary and "范围：测试范围" in summary
    assert "1YN-530102-2020-000001张建国五华区深度困难在档3500.00590.00" in summary
    assert "YN-530102-2020-000002李秀兰" in summary
    assert "第1页共1页" in summary
    # each household's ledger is numbered on its own, with its own header
    starts = [i for i, page in enumerate(pages) if "困难职工家庭“六清”档案" in page]
    assert len(starts) == 2
    second_pages = pages[starts[1] :]
    assert all("职工姓名：李秀兰" in page for page in second_pages)
    assert f"第1页共{len(second_pages)}页" in second_pages[0]
    assert info.signature_box is not None and info.signature_box.page == 0


def test_batch_can_be_cancelled_and_leaves_nothing(store: Store, tmp_path: Path) -> None:
    ids = [save_household(store, complete_household()) for _ in range(3)]
    seen: list[int] = []
    out = tmp_path / "cancelled.pdf"
    with pytest.raises(LedgerCancelled):
        render_batch_ledger(
            store,
            ids,
            out,
            progress=lambda done, total: seen.append(done),
            cancelled=lambda: len(seen) >= 2,
        )
    assert not out.exists()
    assert list(tmp_path.glob("*.tmp")) == []


def test_refusals_are_clear_and_write_nothing(store: Store, tmp_path: Path) -> None:
    hid = save_household(store, complete_household())
    with pytest.raises(NotFound, match="找不到户"):
        render_household_ledger(store, "no-such-household", tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
    with pytest.raises(LedgerError, match="不存在"):
        render_household_ledger(store, hid, tmp_path / "missing" / "x.pdf")
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a directory")
    with pytest.raises(LedgerError, match="无法写入"):
        render_household_ledger(store, hid, blocker / "x.pdf")
    with pytest.raises(LedgerError, match="目录"):
        render_household_ledger(store, hid, tmp_path)
    with pytest.raises(LedgerError, match="没有符合条件的户"):
        render_batch_ledger(store, [], tmp_path / "empty.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "file.txt",
        "test.db",
        "test.db-shm",
        "test.db-wal",
        "test.db.keys",
    ]


def test_chinese_punctuation_never_starts_a_line() -> None:
    st.ensure_fonts()
    text = (
        "配偶透析费用负担重，每月自付约 800 元；孩子上初中需要生活补助。讲解了“医疗救助”、"
        "临时救助和《金秋助学》政策！所需材料？街道（社区）协助。身份证号530102198001010015。"
    )
    for width in range(40, 260, 3):
        paragraph = st.para(text, "cell")
        paragraph.wrap(width, 10_000)
        lines = ["".join(words) for _extra, words in paragraph.blPara.lines]
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        for before, after in zip(lines, lines[1:], strict=False):
            assert after[:1] not in st.CJK_CANNOT_START, (width, before, after)
            assert before[-1:] not in st.CJK_CANNOT_END, (width, before, after)


def test_dates_are_written_the_chinese_way() -> None:
    assert st.chinese_date("2026-03-05") == "2026年3月5日"
    assert st.chinese_date(date(2026, 11, 23)) == "2026年11月23日"
    assert st.chinese_month("2026-03") == "2026年3月"
    assert st.chinese_date(None) == ""
