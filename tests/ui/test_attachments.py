"""Attachment fields: adding files (injected chooser), kinds, preview, removal, refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from fieldapp.core.forms.fieldtypes import Context, coerce
from fieldapp.core.forms.model import Field
from fieldapp.core.store.store import Store
from fieldapp.ui import attachments
from fieldapp.ui.attachments import AttachmentWidget, KindDialog, format_size
from tests.conftest import TODAY

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def attachment_rows(store: Store) -> int:
    return int(store.db.execute("select count(*) from attachments").fetchone()[0])


@pytest.fixture
def field(store: Store) -> Field:
    found = store.survey.form("A").field("attachments")
    assert found is not None and found.type == "attachment" and len(found.kinds) > 1
    return found


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    image = QImage(400, 300, QImage.Format.Format_RGB32)
    image.fill(QColor("#3a7bd5"))
    photo = tmp_path / "户口本首页.png"
    assert image.save(str(photo))
    big = QImage(3000, 2000, QImage.Format.Format_RGB32)
    big.fill(QColor("#aa3333"))
    scan = tmp_path / "收入证明.jpg"
    assert big.save(str(scan), "JPG")
    pdf = tmp_path / "诊断证明.pdf"
    pdf.write_bytes(PDF_BYTES)
    return {"photo": photo, "scan": scan, "pdf": pdf}


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(attachments, "show_error", lambda parent, title, text: shown.append(text))
    return shown


@pytest.fixture
def widget(qtbot: QtBot, store: Store, field: Field) -> AttachmentWidget:
    w = AttachmentWidget(field, store, "李干事")
    qtbot.addWidget(w)
    w.resize(700, 260)
    w.show()
    return w


def test_add_two_files_with_a_kind(
    qtbot: QtBot, widget: AttachmentWidget, store: Store, files: dict[str, Path], errors: list[str]
) -> None:
    assert widget.value() is None
    assert [b.text() for b in (widget.add_button, widget.preview_button, widget.delete_button)] == [
        "添加文件…",
        "预览",
        "删除",
    ]
    asked: list[Any] = []
    widget.choose_files = lambda parent: [str(files["photo"]), str(files["pdf"])]

    def choose_kind(parent: object, field: Field, names: list[str]) -> str:
        asked.append(list(names))
        return "户口本"

    widget.choose_kind = choose_kind
    with qtbot.waitSignal(widget.changed):
        widget.add_button.click()
    assert asked == [["户口本首页.png", "诊断证明.pdf"]]
    value = widget.value()
    assert [(r["name"], r["kind"], r["mime"]) for r in value] == [
        ("户口本首页.png", "户口本", "image/png"),
        ("诊断证明.pdf", "户口本", "application/pdf"),
    ]
    assert all(set(r) == {"sha256", "name", "kind", "mime"} for r in value)
    assert store.attachment_bytes(value[1]["sha256"]) == PDF_BYTES
    assert widget.table.rowCount() == 2
    assert widget.table.item(0, 1).text() == "户口本"
    assert widget.table.item(1, 2).text() == format_size(len(PDF_BYTES))
    assert errors == []
    audit = [e for e in store.audit_log() if e["action"] == "add_attachment"]
    assert {e["actor"] for e in audit} == {"李干事"}

    # the value is the stored shape: the core accepts it and the store keeps it
    assert coerce(widget.field, value, Context(TODAY, store.regions)).valid
    hid = store.create_household("李干事")
    store.save_form(hid, "A", {"name": "张三", "attachments": value}, author="李干事", today=TODAY)
    assert store.current(hid)["A"]["attachments"] == value


def test_kind_dialog_defaults_to_the_first_kind(qtbot: QtBot, field: Field) -> None:
    dialog = KindDialog(field, ["a.png", "b.png", "c.png", "d.pdf"])
    qtbot.addWidget(dialog)
    assert dialog.kind() == field.kinds[0].value
    assert dialog.combo.count() == len(field.kinds)
    dialog.combo.setCurrentIndex(2)
    assert dialog.kind() == field.kinds[2].value


def test_cancelling_the_kind_adds_nothing(
    widget: AttachmentWidget, store: Store, files: dict[str, Path], errors: list[str]
) -> None:
    widget.choose_kind = lambda parent, field, names: None
    assert widget.add_files([files["photo"]]) == []
    assert widget.value() is None and attachment_rows(store) == 0 and errors == []
    widget.choose_files = lambda parent: []  # file dialog cancelled
    assert widget.add_files() == []


def test_preview_of_an_image_is_scaled_to_fit(
    widget: AttachmentWidget, files: dict[str, Path], errors: list[str]
) -> None:
    widget.choose_kind = lambda parent, field, names: "收入证明"
    widget.add_files([files["photo"], files["scan"]])
    small = widget.preview_dialog(0)
    assert small is not None and small.pixmap is not None
    assert (small.pixmap.width(), small.pixmap.height()) == (400, 300)
    assert "户口本首页.png" in small.windowTitle()
    assert "400 × 300 像素" in small.info.text()
    large = widget.preview_dialog(1)
    assert large is not None and large.pixmap is not None
    assert large.pixmap.width() <= 960 and large.pixmap.height() <= 620
    assert abs(large.pixmap.width() / large.pixmap.height() - 1.5) < 0.02
    assert "3000 × 2000 像素" in large.info.text() and "收入证明" in large.info.text()


def test_pdf_preview_opens_a_temporary_copy(
    widget: AttachmentWidget, files: dict[str, Path], errors: list[str]
) -> None:
    opened: list[Path] = []
    widget.open_external = lambda path: opened.append(path) or True
    widget.choose_kind = lambda parent, field, names: "诊断和医药费票据"
    widget.add_files([files["pdf"]])
    dialog = widget.preview_dialog(0)
    assert dialog is not None and dialog.pixmap is None
    assert "诊断证明.pdf" in dialog.info.text()
    assert format_size(len(PDF_BYTES)) in dialog.info.text()
    assert dialog.open_button.text() == "打开"
    dialog.open_button.click()
    assert len(opened) == 1
    assert opened[0].name == "诊断证明.pdf" and opened[0].read_bytes() == PDF_BYTES
    assert errors == []
    widget.open_external = lambda path: False  # no PDF reader on this laptop
    widget.preview_dialog(0).open_copy()  # type: ignore[union-attr]
    assert len(errors) == 1 and "没有可以打开" in errors[0]


def test_delete_removes_from_the_field_only(
    qtbot: QtBot,
    widget: AttachmentWidget,
    store: Store,
    files: dict[str, Path],
    errors: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widget.choose_kind = lambda parent, field, names: "户口本"
    widget.add_files([files["photo"], files["pdf"]])
    first = widget.value()[0]
    answers = iter([False, True])
    questions: list[str] = []

    def fake_ask(parent: object, title: str, text: str, yes: str, no: str) -> bool:
        questions.append(text)
        return next(answers)

    monkeypatch.setattr(attachments, "ask", fake_ask)
    widget.select_row(0)
    widget.delete_button.click()  # answered 取消
    assert len(widget.value()) == 2
    assert "不会丢失" in questions[0] and "户口本首页.png" in questions[0]
    with qtbot.waitSignal(widget.changed):
        widget.delete_button.click()
    assert [r["name"] for r in widget.value()] == ["诊断证明.pdf"]
    assert attachment_rows(store) == 2  # the stored file stays
    assert store.attachment_bytes(first["sha256"]) == files["photo"].read_bytes()


def test_oversized_or_missing_file_changes_nothing(
    qtbot: QtBot, widget: AttachmentWidget, store: Store, tmp_path: Path, errors: list[str]
) -> None:
    huge = tmp_path / "全家福.jpg"
    with huge.open("wb") as handle:  # sparse: 51 MB on paper, nothing on disk
        handle.truncate(51 * 1024 * 1024)
    changes: list[None] = []
    widget.changed.connect(lambda: changes.append(None))
    widget.choose_kind = lambda parent, field, names: pytest.fail("no question for bad files")
    widget.choose_files = lambda parent: [str(huge)]
    widget.add_button.click()
    assert len(errors) == 1 and "全家福.jpg" in errors[0] and "50 MB" in errors[0]
    widget.add_files([tmp_path / "不存在.png"])
    assert "不存在.png：文件不存在" in errors[1]
    notes = tmp_path / "说明.docx"
    notes.write_bytes(b"PK")
    widget.add_files([notes])
    assert "只能添加图片" in errors[2]
    assert widget.value() is None and changes == [] and attachment_rows(store) == 0


def test_good_files_are_added_and_bad_ones_reported(
    widget: AttachmentWidget,
    store: Store,
    files: dict[str, Path],
    tmp_path: Path,
    errors: list[str],
) -> None:
    widget.choose_kind = lambda parent, field, names: "身份证"
    added = widget.add_files([files["photo"], tmp_path / "丢失.jpg"])
    assert [r["name"] for r in added] == ["户口本首页.png"]
    assert len(widget.value()) == 1
    assert errors and errors[0].startswith("已添加 1 个文件") and "丢失.jpg" in errors[0]
    widget.add_files([files["photo"]])  # the same file again
    assert len(widget.value()) == 1 and "本栏已有相同的文件" in errors[1]


def test_max_files_is_respected(
    qtbot: QtBot, store: Store, field: Field, files: dict[str, Path], errors: list[str]
) -> None:
    from dataclasses import replace

    two = AttachmentWidget(replace(field, max_files=2), store, "甲")
    qtbot.addWidget(two)
    two.choose_kind = lambda parent, f, names: "户口本"
    two.add_files([files["photo"], files["scan"], files["pdf"]])
    assert len(two.value()) == 2
    assert "诊断证明.pdf：本栏最多 2 个附件" in errors[0]


def test_set_value_shapes_and_read_only(
    qtbot: QtBot, widget: AttachmentWidget, store: Store, files: dict[str, Path]
) -> None:
    ref = store.add_attachment(files["photo"], author="甲", kind="学籍证明")
    changes: list[None] = []
    widget.changed.connect(lambda: changes.append(None))
    widget.set_value(ref)  # a single reference (older drafts) becomes a list
    assert widget.value() == [ref] and changes == []
    widget.set_value([ref, {"sha256": "0" * 64, "name": "别处的文件.png", "kind": None}])
    assert widget.table.item(1, 2).text() == "文件缺失"
    assert widget.table.item(1, 1).text() == "未分类"
    missing = widget.preview_dialog(1)
    assert missing is not None and "找不到" in missing.image.text()
    widget.set_value(None)
    assert widget.value() is None and widget.table.rowCount() == 0
    widget.set_value([ref])
    widget.set_read_only(True)
    widget.select_row(0)
    assert not widget.add_button.isEnabled() and not widget.delete_button.isEnabled()
    assert widget.preview_button.isEnabled()
    assert widget.remove(0) is False and widget.value() == [ref]
