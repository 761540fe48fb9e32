"""The revision history dialog: every save and status change, read-only content, and the diff."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from pytestqt.qtbot import QtBot

from fieldapp.core.forms.model import Field, Option
from fieldapp.core.store.history import STATUS_FORM, Change, diff_data, format_value, local_time
from fieldapp.core.store.store import Store
from fieldapp.ui.history_dialog import HistoryDialog
from tests.conftest import TODAY
from tests.core.households import complete_household

TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")


@pytest.fixture
def china_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "CST-8")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def texts(model: QStandardItemModel) -> list[list[str]]:
    """Every row of a tree model, depth first, as lists of cell texts."""
    out: list[list[str]] = []

    def walk(parent: QStandardItem) -> None:
        for row in range(parent.rowCount()):
            out.append(
                [parent.child(row, c).text() if parent.child(row, c) else "" for c in range(2)]
            )
            walk(parent.child(row, 0))

    walk(model.invisibleRootItem())
    return out


def diff_rows(dialog: HistoryDialog) -> list[tuple[str, str, str]]:
    m = dialog.diff_model
    return [tuple(m.item(r, c).text() for c in range(3)) for r in range(m.rowCount())]  # type: ignore[misc]


@pytest.fixture
def household(store: Store) -> str:
    hid = store.create_household("李干事")
    data = complete_household()
    first = dict(data["A"], name="张建", members=data["A"]["members"][:1])
    store.save_form(hid, "A", first, author="李干事", today=TODAY)
    store.save_form(hid, "A", data["A"], author="李干事", final=True, today=TODAY)
    store.save_form(hid, "B", data["B"], author="王干事", today=TODAY)
    store.set_status(hid, "已脱困", reason="月人均收入连续6个月高于低保", author="王干事")
    return hid


def test_lists_revisions_and_status_changes(
    qtbot: QtBot, store: Store, household: str, china_time: None
) -> None:
    dialog = HistoryDialog(store, household)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "修订历史 — 张建国"
    model = dialog.model
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == [
        "时间",
        "表单 / 事项",
        "状态",
        "操作人",
    ]
    rows = [[model.index(r, c).data() for c in range(4)] for r in range(model.rowCount())]
    assert [r[1:] for r in rows] == [  # newest first
        ["档案状态：在档 → 已脱困", "状态变更", "王干事"],
        ["B 家庭收支调查表", "草稿", "王干事"],
        ["A 困难职工档案表", "定稿", "李干事"],
        ["A 困难职工档案表", "草稿", "李干事"],
    ]
    assert all(TIME.match(r[0]) for r in rows)
    newest = store.history(household)[-1]
    assert rows[1][0] == local_time(newest.created_at)
    assert "月人均收入连续6个月高于低保" in model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole)
    assert dialog.count_label.text() == "3 次保存，1 次档案状态变更"

    dialog.filter.setCurrentIndex(dialog.filter.findData("A"))
    assert model.rowCount() == 2
    dialog.filter.setCurrentIndex(dialog.filter.findData(STATUS_FORM))
    assert model.rowCount() == 1
    assert ["原因", "月人均收入连续6个月高于低保"] in texts(dialog.content_model)


def test_local_time_is_the_laptops_time(china_time: None) -> None:
    assert local_time("2026-11-23T01:15:00.000+00:00") == "2026-11-23 09:15"
    assert local_time("garbage") == "garbage"


def test_selected_revision_shows_its_data_read_only(
    qtbot: QtBot, store: Store, household: str
) -> None:
    dialog = HistoryDialog(store, household)
    qtbot.addWidget(dialog)
    dialog.select_row(2)  # A, 定稿
    assert dialog.heading.text().startswith("A 困难职工档案表 · 定稿 · 李干事")
    content = texts(dialog.content_model)
    assert ["姓名", "张建国"] in content
    assert ["居住地（区县）", "云南省 昆明市 五华区"] in content
    assert ["家庭成员", "2 行"] in content
    assert ["第 1 行（王秀英）", ""] in content and ["第 2 行（张小明）", ""] in content
    assert ["与户主关系", "配偶"] in content
    assert not any(label == "工号" for label, _ in content)  # empty fields are left out
    assert dialog.content.editTriggers() == dialog.content.EditTrigger.NoEditTriggers

    dialog.select_row(1)  # B: money in 元 with two decimals, repeat rows
    content = texts(dialog.content_model)
    assert ["年收入（元）", "24,000.00 元"] in content
    assert ["家庭年收入（元）", "27,000.00 元"] in content
    assert ["收入明细", "2 行"] in content and ["第 2 行（工会救助金）", ""] in content


def test_compare_with_the_previous_save(qtbot: QtBot, store: Store, household: str) -> None:
    dialog = HistoryDialog(store, household)
    qtbot.addWidget(dialog)
    dialog.select_row(2)  # the final A, saved after the draft
    assert "共 4 处变化" in dialog.diff_summary.text()
    changes = diff_rows(dialog)
    assert changes[0] == ("状态", "草稿", "定稿")
    assert ("姓名", "张建", "张建国") in changes
    assert ("家庭人口", "2", "3") in changes
    added = [c for c in changes if c[0] == "家庭成员 第 2 行（张小明）"]
    assert added and added[0][1] == "—" and added[0][2].startswith("新增：姓名 张小明")

    dialog.select_row(3)  # the first save of A: everything is new
    assert "第一次保存" in dialog.diff_summary.text()
    assert ("姓名", "—", "张建") in diff_rows(dialog)

    dialog.select_row(0)  # the status change
    assert diff_rows(dialog) == [("档案状态", "在档", "已脱困")]


def test_saving_again_without_changes_says_so(qtbot: QtBot, store: Store) -> None:
    hid = store.create_household("甲")
    store.save_form(hid, "D", {"helper_name": "李干事"}, author="甲", today=TODAY)
    store.save_form(hid, "D", {"helper_name": "李干事"}, author="甲", final=True, today=TODAY)
    dialog = HistoryDialog(store, hid)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "修订历史 — （未填姓名）"
    assert diff_rows(dialog) == [("状态", "草稿", "定稿")]
    empty = HistoryDialog(store, store.create_household("甲"))
    qtbot.addWidget(empty)
    assert empty.model.rowCount() == 0 and empty.heading.text() == "没有修订记录"


def test_format_value_speaks_the_forms_language(store: Store) -> None:
    money = Field(name="m", label="金额", type="money")
    assert format_value(money, 123450) == "1,234.50 元"
    assert format_value(money, "12.3.4") == "12.3.4"  # an invalid draft value is shown as typed
    assert format_value(money, None) == ""
    yes_no = (Option("1", "是"), Option("0", "否"))
    assert format_value(Field(name="s", label="s", type="select_one", options=yes_no), "1") == "是"
    multi = Field(name="s", label="s", type="select_multiple", options=yes_no)
    assert format_value(multi, ["1", "0"]) == "是、否"
    region = Field(name="r", label="r", type="region")
    assert format_value(region, "530102", store.regions) == "云南省 昆明市 五华区"
    assert format_value(region, "999999", store.regions) == "999999（代码不存在）"
    signature = Field(name="g", label="g", type="signature")
    assert format_value(signature, {"strokes": [[[1, 2]], [[3, 4]]]}) == "已签名（2 笔）"
    files = Field(name="f", label="f", type="attachment")
    ref = {"sha256": "a" * 64, "name": "户口本.jpg", "kind": "户口本", "mime": "image/jpeg"}
    assert format_value(files, [ref]) == "1 个：户口本.jpg（户口本）"


def test_diff_matches_repeat_rows_by_id(store: Store) -> None:
    form = store.survey.form("B")
    old = {
        "incomes": [
            {"_id": "r1", "item": "临时工", "annual_amount": 2400000},
            {"_id": "r2", "item": "救助金", "annual_amount": 300000},
        ]
    }
    new = {
        "incomes": [
            {"_id": "r2", "item": "救助金", "annual_amount": 350000},
            {"_id": "r3", "item": "低保金", "annual_amount": 100000},
        ]
    }
    changes = diff_data(form, old, new)
    assert (
        Change("收入明细 第 1 行（救助金） · 年收入（元）", "3,000.00 元", "3,500.00 元") in changes
    )
    assert any(
        c.where == "收入明细 第 2 行（低保金）" and c.new.startswith("新增") for c in changes
    )
    removed = Change(
        "收入明细 第 1 行（临时工）", "项目 临时工，年收入（元） 24,000.00 元", "已删除"
    )
    assert removed in changes
    assert Change("收入明细", "原顺序", "行顺序已调整") not in changes  # r2 stays before r3


def test_a_save_kept_as_a_conflict_is_listed_and_marked(qtbot: QtBot, store: Store) -> None:
    """History lists every revision on file: a save made from stale data (kept beside the
    current line as a conflict) is there too, marked, and compared with what it was based on."""
    hid = store.create_household("李干事")
    data = complete_household()["A"]
    first = store.save_form(hid, "A", data, author="李干事", final=True, today=TODAY).revision
    store.save_form(hid, "A", {**data, "phone": "13911111111"}, author="李干事", today=TODAY)
    stale = {**data, "address": "另一窗口的地址"}
    store.save_form(hid, "A", stale, author="王干事", today=TODAY, base_revision_id=first.id)
    dialog = HistoryDialog(store, hid)
    qtbot.addWidget(dialog)
    rows = [[dialog.model.index(r, c).data() for c in range(4)] for r in range(3)]
    assert rows[0][2:] == ["草稿（未采用：冲突版本）", "王干事"]
    dialog.select_row(0)
    assert ("家庭住址", data["address"], "另一窗口的地址") in diff_rows(dialog)


def test_a_sitting_of_autosaves_is_one_entry_naming_its_fields(qtbot: QtBot, store: Store) -> None:
    hid = store.create_household("李干事")
    data = complete_household()["A"]
    store.save_form(hid, "A", data, author="李干事", final=True, today=TODAY)
    for phone, housing in (("13912345678", "租房"), ("13912345678", "自建房"), ("139", "自建房")):
        store.save_form(
            hid, "A", dict(data, phone=phone, housing_type=housing), author="李干事", today=TODAY
        )
    store.save_form(hid, "B", complete_household()["B"], author="李干事", today=TODAY)
    assert len(store.history(hid, "A")) == 4  # every autosave stays in the store
    dialog = HistoryDialog(store, hid)
    qtbot.addWidget(dialog)
    model = dialog.model
    rows = [[model.index(r, c).data() for c in range(1, 5)] for r in range(model.rowCount())]
    assert rows[1] == ["A 困难职工档案表", "草稿 ×3", "李干事", "手机号码、住房类型"]
    assert rows[2][:2] == ["A 困难职工档案表", "定稿"]
    assert dialog.count_label.text() == "5 次保存（合并为 3 次录入），0 次档案状态变更"
    dialog.select_row(1)
    assert "3 次自动保存" in dialog.diff_summary.text()
    assert ("住房类型", "租房", "自建房") in diff_rows(dialog)  # over the whole sitting
    assert ("手机号码", "13800138000", "139") in diff_rows(dialog)

    dialog.field_filter.setCurrentIndex(dialog.field_filter.findText("A 住房类型"))
    assert [model.index(r, 2).data() for r in range(model.rowCount())] == ["草稿 ×3", "定稿"]
    dialog.grouped.setChecked(False)  # every save, one by one
    states = [model.index(r, 2).data() for r in range(model.rowCount())]
    assert states == ["草稿", "定稿"]  # only the save that changed 住房类型, and the first
    dialog.field_filter.setCurrentIndex(0)
    assert model.rowCount() == 5

    since = texts(dialog.since_model)
    heading = next(row[0] for row in since if row[0].startswith("A 困难职工档案表"))
    assert "之后 2 处变化" in heading
    assert ["住房类型", "租房"] in since  # the value when it was finalised
    assert any(row[0].startswith("B 家庭收支调查表 — 尚未定稿") for row in since)
