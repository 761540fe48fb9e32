"""Field types and the form engine: every type's accepted inputs, normalised values and refusals.

Fields are built directly as ``Field`` dataclasses so each rule is tested on its own; the second
half validates households through ``FormEngine`` with the shipped forms.
"""

from __future__ import annotations

import base64
import struct
import uuid
import zlib
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.core.forms.engine import FormEngine, Problem
from fieldapp.core.forms.fieldtypes import Coerced, Context, coerce, is_empty
from fieldapp.core.forms.loader import default_survey
from fieldapp.core.forms.model import FIELD_TYPES, Field, Option
from fieldapp.core.values.idcard import make_id_number
from fieldapp.core.values.regions import load_regions
from tests.conftest import TODAY

CTX = Context(today=TODAY, regions=load_regions())
VALID_ID = "530102198001010015"  # 云南省昆明市五华区, 1980-01-01, 男


def ok(f: Field, value: Any) -> Any:
    """Coerce a value that must be accepted without any issue; return the normalised value."""
    result = coerce(f, value, CTX)
    assert result.valid, result.issues
    assert result.issues == []
    return result.value


def refused(f: Field, value: Any, code: str) -> Coerced:
    """Coerce a value that must be refused with exactly the blocking issue ``code``."""
    result = coerce(f, value, CTX)
    assert not result.valid
    assert [i.code for i in result.issues] == [code]
    assert result.issues[0].blocking
    return result


def message(result: Coerced) -> str:
    return " ".join(i.message for i in result.issues)


# -- text ----------------------------------------------------------------------------------------

TEXT = Field("t", "文字", "text")
SHORT = Field("t", "文字", "text", max_length=5)
MULTI = Field("t", "文字", "text", multiline=True, max_length=20)


def test_text_is_stripped_and_kept() -> None:
    assert ok(TEXT, "  张三  ") == "张三"
    assert ok(TEXT, "\u3000张三\u3000") == "张三"  # ideographic spaces
    assert ok(TEXT, 12) == "12"  # a number in a JSON file is read as text
    assert ok(TEXT, "a" * 200) == "a" * 200  # the default max_length is 200


def test_text_too_long() -> None:
    result = refused(TEXT, "a" * 201, "too_long")
    assert message(result) == "内容过长：已输入 201 字，超过上限 200 字，请删减"
    result = refused(SHORT, "中华人民共和", "too_long")
    assert message(result) == "内容过长：已输入 6 字，超过上限 5 字，请删减"
    assert ok(SHORT, "中华人民共") == "中华人民共"
    assert ok(SHORT, "  中华人民共  ") == "中华人民共"  # counted after stripping


@pytest.mark.parametrize(
    "value", ["a\x00b", "a\x1bb", "a\u200bb", "a\u200fb", "a\ufeffb", "a\x7fb", "a\u2028b"]
)
def test_text_refuses_control_characters(value: str) -> None:
    result = refused(TEXT, value, "control_chars")
    assert "控制字符" in message(result)
    assert result.value == value  # kept as typed, so a draft never loses input
    refused(MULTI, value, "control_chars")  # not allowed in multi-line text either


def test_single_line_text_refuses_newlines_multiline_allows_them() -> None:
    result = refused(TEXT, "昆明市\n五华区", "control_chars")
    assert "换行" in message(result)
    assert ok(MULTI, "昆明市\n五华区") == "昆明市\n五华区"
    assert ok(MULTI, "第一行\r\n第二行") == "第一行\r\n第二行"
    assert ok(MULTI, "a\tb") == "a\tb"


@pytest.mark.parametrize("value", ["昆明市\r五华区", "a\x85b", "a\x9bb"])
def test_single_line_text_refuses_carriage_return_and_c1_controls(value: str) -> None:
    refused(TEXT, value, "control_chars")


@pytest.mark.parametrize("value", [True, 1.5, None, ["a"], {"a": 1}])
def test_text_refuses_non_text(value: Any) -> None:
    assert message(refused(TEXT, value, "type")) == "应为文字"


# -- integer -------------------------------------------------------------------------------------

INT = Field("n", "人数", "integer", min=0, max=10)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 0), (10, 10), ("7", 7), (" 7 ", 7), ("５", 5), ("+3", 3), ("１０", 10)],
)
def test_integer_accepts(value: Any, expected: int) -> None:
    result = ok(INT, value)
    assert result == expected
    assert type(result) is int


def test_integer_bounds() -> None:
    assert message(refused(INT, 11, "too_large")) == "不能大于 10"
    assert message(refused(INT, -1, "too_small")) == "不能小于 0"
    assert message(refused(INT, "-1", "too_small")) == "不能小于 0"
    assert ok(Field("n", "n", "integer"), -5) == -5  # no bounds unless the form sets them


@pytest.mark.parametrize("value", ["1.5", 1.5, "1e3", "abc", "十", "1,000", "1234567890123456"])
def test_integer_refuses_non_integers(value: Any) -> None:
    result = refused(INT, value, "type")
    assert message(result) == f"“{value}”不是整数"
    assert result.value == value


def test_integer_refuses_booleans() -> None:
    assert message(refused(INT, True, "type")) == "应为整数"


# -- money ---------------------------------------------------------------------------------------

MONEY = Field("m", "金额", "money")


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        ("1234.5", 123450),
        ("1,234.50 元", 123450),
        ("１２３４.５", 123450),
        ("¥0.1", 10),
        (123450, 123450),  # stored form: an int of fen
        (0, 0),
        ("10000000", 1_000_000_000),  # the default maximum, 10,000,000 元, is allowed
    ],
)
def test_money_accepts(value: Any, fen: int) -> None:
    result = ok(MONEY, value)
    assert result == fen
    assert type(result) is int


def test_money_refuses_negative() -> None:
    assert message(refused(MONEY, "-1", "too_small")) == "金额不能为负数"
    assert message(refused(MONEY, -1, "too_small")) == "金额不能为负数"


def test_money_refuses_absurd_amounts() -> None:
    result = refused(MONEY, "10000000.01", "too_large")
    assert message(result) == "金额 10000000.01 元超出合理范围（最多 10000000.00 元），请核对"
    refused(MONEY, 1_000_000_001, "too_large")


def test_money_bounds_in_yuan() -> None:
    f = Field("m", "金额", "money", min=100, max="200.5")
    assert message(refused(f, "99.99", "too_small")) == "金额不能小于 100.00 元"
    assert ok(f, "100") == 10000
    assert ok(f, "200.50") == 20050
    assert "最多 200.50 元" in message(refused(f, "200.51", "too_large"))


@pytest.mark.parametrize("value", [1.5, 100.0, True])
def test_money_refuses_floats(value: Any) -> None:
    result = refused(MONEY, value, "type")
    assert "金额请以“元”填写" in message(result)
    assert result.value == value


@pytest.mark.parametrize(("value", "text"), [("abc", "不是有效金额"), ("1.234", "小数超过两位")])
def test_money_refuses_bad_text(value: str, text: str) -> None:
    result = refused(MONEY, value, "type")
    assert text in message(result)
    assert result.value == value


def test_money_refuses_other_types() -> None:
    assert message(refused(MONEY, [1], "type")) == "应为金额"


# -- date ----------------------------------------------------------------------------------------

DATE = Field("d", "日期", "date")


@pytest.mark.parametrize(
    "value",
    [
        "2024-03-05",
        "2024年3月5日",
        "2024年03月05日",
        "2024/3/5",
        "2024.3.5",
        "2024-3-5",
        "２０２４-０３-０５",
        " 2024-03-05 ",
        "20240305",
        date(2024, 3, 5),
    ],
)
def test_date_formats(value: Any) -> None:
    assert ok(DATE, value) == "2024-03-05"


@pytest.mark.parametrize("value", ["3-5", "03-05", "3/5", "3.5", "3月5日", "３-５"])
def test_a_day_without_a_year_is_this_year(value: str) -> None:
    assert ok(DATE, value) == f"{TODAY.year}-03-05"


def test_date_today_and_leap_day_are_fine() -> None:
    assert ok(DATE, "2026-11-01") == "2026-11-01"
    assert ok(DATE, "2024-02-29") == "2024-02-29"
    assert ok(DATE, "1900-01-01") == "1900-01-01"


@pytest.mark.parametrize(
    "value",
    ["2023-02-29", "2024-13-01", "2024-04-31", "abc", "20240231", 20240305, "2024年3月", "13-01"],
)
def test_date_refuses_nonexistent_or_garbled(value: Any) -> None:
    result = refused(DATE, value, "type")
    assert message(result) == f"“{value}”不是有效日期，请按 2024-03-05 格式填写"
    assert result.value == value


def test_date_refuses_future_unless_allowed() -> None:
    result = refused(DATE, "2026-11-02", "future")
    assert message(result) == "日期 2026-11-02 晚于今天，请核对"
    future_ok = Field("d", "截止日期", "date", allow_future=True)
    assert ok(future_ok, "2030-01-01") == "2030-01-01"


def test_date_refuses_before_1900() -> None:
    assert message(refused(DATE, "1899-12-31", "too_old")) == "日期早于 1900 年，请核对"


def test_date_min_and_max() -> None:
    f = Field("d", "日期", "date", allow_future=True, min="2000-01-01", max="2030-12-31")
    assert message(refused(f, "1999-12-31", "too_small")) == "日期不能早于 2000-01-01"
    assert message(refused(f, "2031-01-01", "too_large")) == "日期不能晚于 2030-12-31"
    assert ok(f, "2000-01-01") == "2000-01-01"
    assert ok(f, "2030-12-31") == "2030-12-31"


def test_date_accepts_a_datetime_without_raising() -> None:
    result = coerce(DATE, datetime(2024, 3, 5, 10, 30), CTX)
    assert result.value == "2024-03-05"


# -- month ---------------------------------------------------------------------------------------

MONTH = Field("mo", "月份", "month")


@pytest.mark.parametrize(
    "value",
    [
        "2024-03",
        "2024-3",
        "2024年3月",
        "2024年03月",
        "2024/03",
        "2024.3",
        "202403",
        "２０２４-０３",
    ],
)
def test_month_formats(value: str) -> None:
    assert ok(MONTH, value) == "2024-03"


def test_month_current_is_fine_next_is_future() -> None:
    assert ok(MONTH, "2026-11") == "2026-11"
    assert message(refused(MONTH, "2026-12", "future")) == "月份 2026-12 晚于本月，请核对"
    assert ok(Field("mo", "月份", "month", allow_future=True), "2027-01") == "2027-01"


@pytest.mark.parametrize("value", ["2024-13", "2024-00", "2024-03-05", "abc", 202403, "202413"])
def test_month_refuses_invalid(value: Any) -> None:
    result = refused(MONTH, value, "type")
    assert message(result) == f"“{value}”不是有效月份，请按 2024-03 格式填写"


def test_month_before_1900() -> None:
    assert message(refused(MONTH, "1899-12", "too_old")) == "月份早于 1900 年，请核对"


# -- select_one / select_multiple ----------------------------------------------------------------

OPTIONS = (
    Option("national", "全国劳动模范"),
    Option("provincial", "省部级劳动模范"),
    Option("none", "非劳模"),
)
ONE = Field("s", "劳模类型", "select_one", options=OPTIONS)
MANY = Field("s", "致困原因", "select_multiple", options=OPTIONS, max_selected=2)


def test_select_one_by_value_or_label() -> None:
    assert ok(ONE, "national") == "national"
    assert ok(ONE, " national ") == "national"
    assert ok(ONE, "全国劳动模范") == "national"  # label typed -> stored value
    assert ok(Field("s", "s", "select_one", options=(Option("1", "一"),)), 1) == "1"


def test_select_one_refuses_unknown_option() -> None:
    result = refused(ONE, "市级劳模", "unknown_option")
    assert message(result) == "“市级劳模”不是可选项"
    assert result.value == "市级劳模"


@pytest.mark.parametrize("value", [True, ["national"], {"v": 1}])
def test_select_one_refuses_non_scalars(value: Any) -> None:
    assert message(refused(ONE, value, "type")) == "应为一个选项"


def test_select_multiple_accepts_lists_labels_and_separated_text() -> None:
    assert ok(MANY, ["national", "none"]) == ["national", "none"]
    assert ok(MANY, ["national", "非劳模"]) == ["national", "none"]
    assert ok(MANY, "national，none") == ["national", "none"]
    assert ok(MANY, "national、none") == ["national", "none"]
    assert ok(MANY, "national") == ["national"]


def test_select_multiple_removes_duplicates() -> None:
    assert ok(MANY, ["national", "national", "全国劳动模范"]) == ["national"]


def test_select_multiple_max_selected() -> None:
    result = refused(MANY, ["national", "provincial", "none"], "too_many")
    assert message(result) == "最多选择 2 项，已选 3 项"
    # duplicates do not count towards the limit
    assert ok(MANY, ["national", "national", "provincial"]) == ["national", "provincial"]


def test_select_multiple_unknown_option_keeps_input() -> None:
    result = refused(MANY, ["national", "x"], "unknown_option")
    assert message(result) == "“x”不是可选项"
    assert result.value == ["national", "x"]


def test_select_multiple_refuses_non_lists() -> None:
    assert message(refused(MANY, 5, "type")) == "应为选项列表"


# -- id_number -----------------------------------------------------------------------------------

IDF = Field("id_number", "身份证号", "id_number")


def test_id_number_valid_is_decoded() -> None:
    result = coerce(IDF, VALID_ID, CTX)
    assert result.valid and result.issues == []
    assert result.value == VALID_ID
    assert result.id_info is not None
    assert result.id_info.birth_date == date(1980, 1, 1)
    assert result.id_info.gender == "男"
    assert result.id_info.region_code == "530102"


def test_id_number_is_normalised() -> None:
    assert ok(IDF, f" {VALID_ID} ") == VALID_ID
    assert ok(IDF, "５３０１０２１９８００１０１００１５") == VALID_ID
    with_x = make_id_number("530102", date(1980, 1, 1), 4)
    assert with_x.endswith("X")  # 530102 19800101 004 has check character X
    assert ok(IDF, with_x.lower()) == with_x


def test_id_number_bad_checksum() -> None:
    result = refused(IDF, "530102198001010016", "id_checksum")
    assert message(result) == "身份证号校验位错误，应为 5"
    assert result.value == "530102198001010016"


def test_id_number_nonexistent_birth_date() -> None:
    result = refused(IDF, "532301199002290072", "id_birth_date")
    assert message(result) == "身份证号中的出生日期 1990-02-29 不存在"
    assert result.id_info is None


def test_id_number_unknown_region_only_warns() -> None:
    number = make_id_number("999999", date(1980, 1, 1), 1)
    result = coerce(IDF, number, CTX)
    assert result.valid
    assert result.value == number
    assert [(i.code, i.blocking) for i in result.issues] == [("id_unknown_region", False)]
    assert "999999 不在行政区划代码表中" in message(result)


def test_id_number_other_refusals() -> None:
    assert "应为 18 位，现为 17 位" in message(refused(IDF, VALID_ID[:17], "id_length"))
    refused(IDF, "530102800101001", "id_old_15_digit")
    assert message(refused(IDF, 530102198001010015, "type")) == "身份证号应为文字"
    future = make_id_number("530102", date(2027, 1, 1), 1)
    refused(IDF, future, "id_future_birth")


# -- phone ---------------------------------------------------------------------------------------

PHONE = Field("phone", "手机号码", "phone")


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        (13812345678, "13812345678"),
        ("0871-65123456", "0871-65123456"),
        ("010-12345678", "010-12345678"),
        ("087165123456", "087165123456"),
        ("(0871)65123456", "087165123456"),
        ("（0871）65123456", "087165123456"),
        ("0871-6512345-123", "0871-6512345-123"),  # extension
    ],
)
def test_phone_accepts(value: Any, stored: str) -> None:
    assert ok(PHONE, value) == stored


@pytest.mark.parametrize(
    "value",
    ["12812345678", "1381234567", "138123456789", "65123456", "abc", "0086 13812345678", "110"],
)
def test_phone_refuses_garbage(value: str) -> None:
    result = refused(PHONE, value, "phone")
    assert message(result) == f"“{value}”不是有效电话号码（手机 11 位，座机带区号）"
    assert result.value == value


def test_phone_refuses_non_text() -> None:
    assert message(refused(PHONE, True, "type")) == "电话号码应为文字"


# -- region --------------------------------------------------------------------------------------

COUNTY = Field("r", "居住地", "region")  # level defaults to county


def test_region_current_county() -> None:
    assert ok(COUNTY, "530102") == "530102"
    assert ok(COUNTY, 530102) == "530102"
    assert ok(COUNTY, "５３０１０２") == "530102"


def test_region_abolished_code_refused() -> None:
    result = refused(COUNTY, "530321", "region_abolished")
    assert message(result) == "行政区划代码 530321 已撤销，请选择现行区划"


def test_region_unknown_code_refused() -> None:
    assert message(refused(COUNTY, "999999", "region_unknown")) == "行政区划代码 999999 不存在"


@pytest.mark.parametrize("value", ["53010", "5301021", "abc", True])
def test_region_refuses_non_codes(value: Any) -> None:
    assert message(refused(COUNTY, value, "type")) == f"“{value}”不是 6 位行政区划代码"


def test_region_level_too_coarse() -> None:
    result = refused(COUNTY, "530100", "region_level")  # 昆明市 for a county field
    assert message(result) == "请选择到县（区）一级（云南省 昆明市）"
    assert message(refused(COUNTY, "530000", "region_level")) == "请选择到县（区）一级（云南省）"
    city = Field("r", "市州", "region", level="city")
    assert ok(city, "530100") == "530100"
    assert ok(city, "530102") == "530102"  # finer than asked is fine
    assert message(refused(city, "530000", "region_level")) == "请选择到市（州）一级（云南省）"
    assert ok(Field("r", "省", "region", level="province"), "530000") == "530000"


def test_region_within() -> None:
    yunnan = Field("r", "居住地", "region", within="53")
    assert ok(yunnan, "530102") == "530102"
    result = refused(yunnan, "110101", "region_outside")
    assert message(result) == "北京市 东城区 不在本表适用范围内"
    kunming = Field("r", "居住地", "region", within="5301")
    assert "曲靖市 麒麟区 不在本表适用范围内" in message(
        refused(kunming, "530302", "region_outside")
    )


# -- signature -----------------------------------------------------------------------------------


def tiny_png() -> bytes:
    """A real 1×1 grey PNG, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


SIGN = Field("sig", "职工签字", "signature")
PNG_B64 = base64.b64encode(tiny_png()).decode("ascii")


def test_signature_png() -> None:
    assert ok(SIGN, {"png": PNG_B64}) == {"png": PNG_B64}
    assert ok(SIGN, {"png": PNG_B64, "junk": 1}) == {"png": PNG_B64}  # extra keys dropped


def test_signature_strokes() -> None:
    strokes = [[[0, 0], [10, 12.5]], [[3, 4]]]
    assert ok(SIGN, {"strokes": strokes}) == {"strokes": strokes}


def test_signature_garbage() -> None:
    assert message(refused(SIGN, {"png": "not base64!!"}, "signature")) == "签名图片无法读取"
    gif = base64.b64encode(b"GIF89a\x01\x00\x01\x00").decode()
    assert message(refused(SIGN, {"png": gif}, "signature")) == "签名图片不是 PNG 格式"
    bad_values: list[dict[str, Any]] = [
        {"strokes": []},
        {"strokes": [[[0]]]},
        {"strokes": [[[True, 1]]]},
        {"strokes": [[["1", "2"]]]},
        {"strokes": "x"},
        {},
    ]
    for bad in bad_values:
        assert message(refused(SIGN, bad, "signature")) == "签名数据无效"
    assert message(refused(SIGN, "我签了", "type")) == "签名数据无效"


def test_signature_without_any_point_is_refused() -> None:
    refused(SIGN, {"strokes": [[]]}, "signature")


# -- attachment ----------------------------------------------------------------------------------

KINDS = (Option("身份证", "身份证"), Option("户口本", "户口本"))
ATTACH = Field("att", "证明材料", "attachment", kinds=KINDS, max_files=2)
SHA = "0123456789abcdef" * 4


def test_attachment_valid() -> None:
    item = {"sha256": SHA, "name": "身份证.jpg", "kind": "身份证", "mime": "image/jpeg"}
    assert ok(ATTACH, [item]) == [item]
    assert ok(ATTACH, {"sha256": SHA}) == [{"sha256": SHA}]  # one record on its own


@pytest.mark.parametrize(
    "bad",
    [
        [{"sha256": SHA.upper()}],
        [{"sha256": "abc"}],
        [{"name": "x"}],
        ["x"],
        [{"sha256": SHA + "0"}],
    ],
)
def test_attachment_bad_reference(bad: Any) -> None:
    result = refused(ATTACH, bad, "attachment")
    assert message(result) == "附件记录无效（缺少文件摘要）"


def test_attachment_unknown_kind() -> None:
    result = refused(ATTACH, [{"sha256": SHA, "kind": "结婚证"}], "attachment_kind")
    assert message(result) == "附件类型“结婚证”不是可选项"


def test_attachment_max_files() -> None:
    result = refused(ATTACH, [{"sha256": SHA}] * 3, "too_many")
    assert message(result) == "最多 2 个附件"


def test_attachment_not_a_list() -> None:
    assert message(refused(ATTACH, "x.jpg", "type")) == "附件数据无效"


# -- repeat and note -----------------------------------------------------------------------------

ROWS = Field("members", "家庭成员", "repeat", fields=(Field("name", "姓名", "text"),))


def test_repeat_rows_get_an_id() -> None:
    value = ok(ROWS, [{"name": "甲"}, {"name": "乙", "_id": "keep-me"}])
    assert value[0]["name"] == "甲"
    assert uuid.UUID(value[0]["_id"]).version == 4
    assert value[1] == {"name": "乙", "_id": "keep-me"}


def test_repeat_does_not_change_the_input() -> None:
    rows = [{"name": "甲"}]
    ok(ROWS, rows)
    assert rows == [{"name": "甲"}]


@pytest.mark.parametrize("value", [[1], {"name": "甲"}, "甲", [{"name": "甲"}, "乙"]])
def test_repeat_refuses_non_rows(value: Any) -> None:
    assert message(refused(ROWS, value, "type")) == "应为表格行列表"


def test_note_stores_nothing() -> None:
    note = Field("n", "说明", "note")
    assert ok(note, "任何内容") is None
    assert not note.has_value


def test_is_empty() -> None:
    empty: list[Any] = [None, "", "  ", [], {}]
    filled: list[Any] = [0, "0", [None], False]
    assert all(is_empty(v) for v in empty)
    assert not any(is_empty(v) for v in filled)


# -- never raises --------------------------------------------------------------------------------

ALL_FIELDS = [
    Field(
        "x",
        "X",
        t,
        options=OPTIONS if t.startswith("select") else (),
        kinds=KINDS,
        fields=ROWS.fields if t == "repeat" else (),
        max_selected=1,
        max_files=1,
        within="53",
        min=1,
        max=100,
    )
    for t in sorted(FIELD_TYPES)
]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.dates(),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["png", "strokes", "sha256", "kind", "_id"]) | st.text(),
            inner,
            max_size=3,
        )
    ),
    max_leaves=6,
)


def test_every_type_has_a_coercer() -> None:
    assert {f.type for f in ALL_FIELDS} == FIELD_TYPES


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL_FIELDS), st.text())
def test_random_text_never_raises(f: Field, text: str) -> None:
    result = coerce(f, text, CTX)
    assert isinstance(result, Coerced)
    assert result.valid == (not any(i.blocking for i in result.issues))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL_FIELDS), JSON_VALUES)
def test_random_values_never_raise(f: Field, value: Any) -> None:
    result = coerce(f, value, CTX)
    assert isinstance(result, Coerced)
    assert result.valid == (not any(i.blocking for i in result.issues))


# -- through the engine --------------------------------------------------------------------------

DIBAO_CALLS: list[tuple[str, date]] = []


def dibao_lookup(county: str, day: date) -> int | None:
    DIBAO_CALLS.append((county, day))
    return 62000 if county == "530102" else None  # 620 元/人·月 in 五华区


@pytest.fixture(scope="module")
def engine() -> FormEngine:
    return FormEngine(default_survey(), today=TODAY, dibao=dibao_lookup)


def complete_a(**changes: Any) -> dict[str, Any]:
    """Form A with every required field filled in correctly."""
    data: dict[str, Any] = {
        "category": "深度困难",
        "name": "张三",
        "gender": "男",
        "ethnicity": "汉族",
        "political": "群众",
        "id_number": VALID_ID,
        "birth_date": "1980-01-01",
        "health": "良好",
        "work_status": "下(待)岗",
        "marital_status": "已婚",
        "phone": "13812345678",
        "housing_type": "租房",
        "address": "昆明市五华区华山南路1号",
        "residence_region": "530102",
        "main_cause": "下岗失业",
        "created_by": "李四",
    }
    data.update(changes)
    return data


def codes(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in problems]


A_REQUIRED = [
    "category",
    "name",
    "gender",
    "ethnicity",
    "political",
    "id_number",
    "birth_date",
    "health",
    "work_status",
    "marital_status",
    "phone",
    "housing_type",
    "address",
    "residence_region",
    "main_cause",
    "created_by",
]


def test_empty_form_a_lists_every_required_field(engine: FormEngine) -> None:
    result = engine.validate({}, "A")
    assert sorted(codes(result.problems)) == sorted((n, "required") for n in A_REQUIRED)
    for p in result.problems:
        assert p.form == "A"
        assert p.message == "必填项未填写"
        assert p.blocking
        assert p.label == default_survey().form("A").field(p.path).label  # type: ignore[union-attr]
    name = next(p for p in result.problems if p.path == "name")
    assert name.label == "姓名"
    assert name.to_dict()["severity"] == "error"
    assert not result.can_finalise


def test_complete_form_a_is_clean(engine: FormEngine) -> None:
    result = engine.validate({"A": complete_a()}, "A")
    assert result.problems == []
    assert result.can_finalise
    assert result.values["family_size"] == 1


def test_blank_strings_count_as_missing(engine: FormEngine) -> None:
    result = engine.validate({"A": complete_a(name="   ", phone="")}, "A")
    assert codes(result.problems) == [("name", "required"), ("phone", "required")]


def test_id_number_disagreeing_with_birth_date_and_gender(engine: FormEngine) -> None:
    result = engine.validate({"A": complete_a(birth_date="1980-01-02", gender="女")}, "A")
    assert sorted(codes(result.problems)) == [
        ("birth_date", "id_birth_mismatch"),
        ("gender", "id_gender_mismatch"),
    ]
    by_path = {p.path: p for p in result.problems}
    assert by_path["birth_date"].message == "出生日期与身份证号不一致（身份证号为 1980-01-01）"
    assert by_path["birth_date"].label == "出生日期"
    assert by_path["gender"].message == "性别与身份证号不一致（身份证号为男性）"
    assert all(p.blocking for p in result.problems)


def test_member_rows_are_addressed_by_index(engine: FormEngine) -> None:
    wife = make_id_number("530102", date(1982, 5, 6), 2)
    members = [
        {
            "name": "王芳",
            "relation": "配偶",
            "id_number": wife,
            "gender": "男",
            "birth_date": "1982-05-07",
            "cohabiting": "是",
        },
        {"name": "张小明", "relation": "子女", "id_number": "530102201001010016"},
    ]
    result = engine.validate({"A": complete_a(members=members)}, "A")
    assert sorted(codes(result.problems)) == [
        ("members[1].birth_date", "id_birth_mismatch"),
        ("members[1].gender", "id_gender_mismatch"),
        ("members[2].id_number", "id_checksum"),
    ]
    by_path = {p.path: p for p in result.problems}
    bad_id = by_path["members[2].id_number"]
    assert (bad_id.form, bad_id.label, bad_id.blocking) == ("A", "身份证号", True)
    assert bad_id.message.startswith("身份证号校验位错误，应为")
    assert by_path["members[1].gender"].message == "性别与身份证号不一致（身份证号为女性）"
    assert by_path["members[1].gender"].label == "性别"


def test_member_required_fields(engine: FormEngine) -> None:
    result = engine.validate({"A": complete_a(members=[{"name": "王芳"}])}, "A")
    assert codes(result.problems) == [("members[1].relation", "required")]
    assert result.problems[0].label == "与户主关系"


def test_type_errors_are_reported_with_path(engine: FormEngine) -> None:
    result = engine.validate({"A": complete_a(phone="12345", residence_region="530321")}, "A")
    assert codes(result.problems) == [("phone", "phone"), ("residence_region", "region_abolished")]


def test_disability_fields_hidden_unless_disabled(engine: FormEngine) -> None:
    hidden = engine.validate({"A": complete_a(disability_type="不是选项")}, "A")
    assert hidden.problems == []  # hidden fields are not checked at all
    assert {"disability_type", "disability_grade"} <= hidden.hidden

    shown = engine.validate({"A": complete_a(health="残疾")}, "A")
    assert codes(shown.problems) == [
        ("disability_type", "required"),
        ("disability_grade", "required"),
    ]
    assert "disability_type" not in shown.hidden
    assert shown.problems[0].message == "必填项未填写"
    assert shown.problems[0].label == "残疾类别"

    filled = engine.validate(
        {"A": complete_a(health="残疾", disability_type="肢体残疾", disability_grade="二级")}, "A"
    )
    assert filled.problems == []


def test_constraint_warning_does_not_block(engine: FormEngine) -> None:
    # 职工年龄不足16周岁 is a warning on birth_date; the ID number must agree with it.
    young = make_id_number("530102", date(2015, 1, 1), 1)
    result = engine.validate({"A": complete_a(id_number=young, birth_date="2015-01-01")}, "A")
    assert codes(result.problems) == [("birth_date", "constraint")]
    assert result.problems[0].message == "职工年龄不足16周岁，请核对出生日期。"
    assert not result.problems[0].blocking
    assert result.can_finalise


def test_family_size_counts_cohabiting_members(engine: FormEngine) -> None:
    members = [
        {"name": "王芳", "relation": "配偶", "cohabiting": "是"},
        {"name": "张小明", "relation": "子女", "cohabiting": "否"},
        {"name": "张大爷", "relation": "父母"},  # not stated: counted as living together
        {"name": "张二爷", "relation": "父母", "cohabiting": "是"},
    ]
    result = engine.validate({"A": complete_a(members=members)}, "A")
    assert result.problems == []
    assert [row["lives_together"] for row in result.values["members"]] == [1, 0, 1, 1]
    assert result.values["family_size"] == 4  # 本人 + 3 cohabiting
    assert all(row["_id"] for row in result.values["members"])


def household_b(
    annual_incomes: list[str], annual_expenses: list[str], cohabiting: int, **changes: Any
) -> dict[str, Any]:
    members = [
        {"name": f"成员{i}", "relation": "子女", "cohabiting": "是"} for i in range(cohabiting)
    ]
    b: dict[str, Any] = {
        "survey_date": "2026-10-15",
        "surveyor": "李四",
        "incomes": [{"kind": "工资性收入", "annual_amount": a} for a in annual_incomes],
        "expenses": [{"kind": "自付医疗费", "annual_amount": a} for a in annual_expenses],
    }
    b.update(changes)
    # the worker earns (本人月收入), so nobody is counted at the minimum wage here
    return {"A": complete_a(members=members, monthly_income="2000"), "B": b}


def test_monthly_per_capita_exact_to_the_fen(engine: FormEngine) -> None:
    # By hand: income 30000.00 + 5000.50 = 35000.50 元; expense 1234.56 元;
    # (35000.50 − 1234.56) = 33765.94 元 ÷ 3 people ÷ 12 months = 937.94277… → 937.94 元.
    result = engine.validate(household_b(["30000", "5000.50"], ["1234.56"], 2), "B")
    assert result.problems == []
    values = result.values
    assert values["population"] == 3
    assert values["annual_income"] == 3500050
    assert values["rigid_expense"] == 123456
    assert values["monthly_per_capita"] == 93794


def test_monthly_per_capita_rounds_half_up(engine: FormEngine) -> None:
    # (2000.00 + 600.12 − 200.00) = 2400.12 元 ÷ 2 ÷ 12 = 100.005 元 exactly → 100.01 元
    # (a float or banker's rounding would give 100.00).
    result = engine.validate(household_b(["2000", "600.12"], ["200"], 1), "B")
    assert result.values["population"] == 2
    assert result.values["monthly_per_capita"] == 10001


def test_monthly_per_capita_may_be_negative(engine: FormEngine) -> None:
    # (1200 − 2400) ÷ 1 ÷ 12 = −100.00 元: expenses exceed income; computed fields are not refused.
    result = engine.validate(household_b(["1200"], ["2400"], 0), "B")
    assert result.values["monthly_per_capita"] == -10000
    assert result.problems == []


def test_dibao_standard_from_lookup(engine: FormEngine) -> None:
    DIBAO_CALLS.clear()
    result = engine.validate(household_b(["30000"], [], 1), "B")
    assert ("530102", date(2026, 10, 15)) in DIBAO_CALLS
    assert result.values["dibao_standard"] == 62000
    # 30000 ÷ 2 ÷ 12 = 1250.00 元 ≥ 2 × 620 → 高于低保2倍
    assert result.values["monthly_per_capita"] == 125000
    assert result.values["hardship_band"] == "高于低保2倍"

    low = engine.validate(household_b(["12000"], [], 1), "B")  # 500 元 < 620 元
    assert low.values["hardship_band"] == "低于低保标准"


def test_dibao_unknown_county_leaves_band_empty(engine: FormEngine) -> None:
    data = household_b(["30000"], [], 1)
    data["A"]["residence_region"] = "530111"  # 官渡区: no standard in the lookup
    result = engine.validate(data, "B")
    assert result.values["dibao_standard"] is None
    assert result.values["hardship_band"] is None


def test_engine_without_dibao_lookup(engine: FormEngine) -> None:
    plain = FormEngine(default_survey(), today=TODAY)
    result = plain.validate(household_b(["30000"], [], 1), "B")
    assert result.values["dibao_standard"] is None
    assert result.values["monthly_per_capita"] == 125000


def test_form_b_money_rows_are_checked(engine: FormEngine) -> None:
    result = engine.validate(household_b(["-5", "1.234", "10"], [], 0), "B")
    assert codes(result.problems) == [
        ("incomes[1].annual_amount", "too_small"),
        ("incomes[2].annual_amount", "type"),
    ]
    assert result.problems[0].message == "金额不能为负数"
    assert result.problems[0].label == "年收入（元）"
    # invalid amounts do not take part in the sum; what was typed is kept for the draft
    assert result.values["annual_income"] == 1000
    assert [r["annual_amount"] for r in result.values["incomes"]] == [-500, "1.234", 1000]


def test_unknown_form_is_refused(engine: FormEngine) -> None:
    with pytest.raises(KeyError, match="没有表单"):
        engine.validate({}, "Z")
