"""Ruled tables of the ledger, laid out from the form definitions.

- ``grid``: a section's single fields as label/value pairs, two pairs a row; long or multi-line
  values take a whole row.
- ``repeat_tables``: a repeat group as a ruled table, one column per sub-field, with a 序号
  column and the header repeated on every page. Column widths follow the field types and the
  actual contents; when the columns cannot fit the page width they are split into a table and
  a 续表 that repeats 序号 and the row-title column.
- ``checklist``: a select question with a companion explanation field (``x`` and ``x_note`` or
  ``x_evidence``) per row, with the system's own check beside the cadre's answer.

Cells that fit on one line are plain strings (cheap to draw); longer ones are wrapping
paragraphs. Tables are exactly the frame's width so consecutive tables join into one form.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from reportlab.platypus import Flowable, Table, TableStyle

from fieldapp.core.forms.model import Field
from fieldapp.core.ledger import style as st
from fieldapp.core.ledger.values import SignatureDrawing, format_value, has_signature
from fieldapp.core.values.regions import RegionTable

__all__ = [
    "Cell",
    "Column",
    "GridItem",
    "SignatureDrawing",
    "base_style",
    "cell",
    "checklist",
    "checklist_questions",
    "format_value",
    "grid",
    "grid_items",
    "has_signature",
    "repeat_tables",
    "section_bar",
]

PAD = 6.0  # left + right cell padding
LABEL_WIDTH = 78.0
ROW_MIN = 16.5
TALL_ROW_MIN = 30.0
TABLE_ROW_MIN = 15.0
SIGNATURE_COLUMN = 46.0
SIGNATURE_CELL_HEIGHT = 24.0
BLANK_ROWS = 4

Cell: TypeAlias = Any  # str | Flowable | list[Flowable]; reportlab is untyped


def cell(text: str, width: float, style: str = "cell") -> Cell:
    """A plain string when it fits on one line, else a wrapping paragraph.

    Headings and labels that must wrap break before a parenthesised unit, so "（元）" never
    splits as "（" / "元）" (reportlab has no rule against ending a line with an opening bracket).
    """
    size = st.STYLES[style].fontSize
    if "\n" not in text and st.text_width(text, size) <= width - PAD:
        return text
    if style in ("head", "label") and "（" in text and "\n" not in text:
        text = text.replace("（", "\n（", 1)
    elif "\n" in text:
        return [st.para(line, style) for line in text.splitlines()]
    return st.para(text, style)


_ALIGN_STYLE = {"LEFT": "cell", "CENTER": "cell_center", "RIGHT": "cell_right"}


def base_style(*, header_rows: int = 0, size: float = st.TABLE_SIZE) -> list[tuple[Any, ...]]:
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), st.FONT),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("LEADING", (0, 0), (-1, -1), size * 1.3),
        ("TEXTCOLOR", (0, 0), (-1, -1), st.INK),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD / 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD / 2),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("GRID", (0, 0), (-1, -1), 0.5, st.RULE),
        ("BOX", (0, 0), (-1, -1), 1.0, st.RULE),
    ]
    if header_rows:
        commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), st.LABEL_BG))
        commands.append(("ALIGN", (0, 0), (-1, header_rows - 1), "CENTER"))
    return commands


def section_bar(title: str) -> Table:
    """The shaded full-width bar that opens a section (一、职工本人)."""
    table = Table(
        [[st.para(title, "section")]],
        colWidths=[st.FRAME_WIDTH],
        style=TableStyle([*base_style(), ("BACKGROUND", (0, 0), (-1, -1), st.SECTION_BG)]),
    )
    table.keepWithNext = True
    return table


# -- single fields as a grid --------------------------------------------------------------------------


@dataclass(frozen=True)
class GridItem:
    label: str
    text: str
    wide: bool
    note: bool = False
    tall: bool = False  # an empty multi-line answer: room to write by hand


def grid_items(
    fields: Sequence[Field], values: Mapping[str, Any], regions: RegionTable
) -> list[GridItem]:
    half_width = (st.FRAME_WIDTH - 2 * LABEL_WIDTH) / 2
    items = []
    for f in fields:
        if f.type == "note":
            items.append(GridItem(f.label, f.hint, True, note=True))
            continue
        value = values.get(f.name)
        text = format_value(f, value, regions, unit=True)
        if not text and f.relevant is not None:
            continue  # hidden by its condition and empty: not part of this household's form
        wide = (
            f.multiline
            or f.type in ("attachment", "select_multiple")
            or (f.type == "text" and f.max_length >= 100)
            or st.text_width(text, st.GRID_SIZE) > half_width - PAD
        )
        items.append(GridItem(f.label, text, wide, tall=f.multiline and not text))
    return items


def grid(items: Sequence[GridItem]) -> Table | None:
    """Label/value pairs, two to a row; wide values span the row."""
    if not items:
        return None
    value_w = (st.FRAME_WIDTH - 2 * LABEL_WIDTH) / 2
    wide_w = st.FRAME_WIDTH - LABEL_WIDTH
    rows: list[list[Cell]] = []
    spans: list[int] = []
    heights: list[float] = []

    def label(item: GridItem) -> Cell:
        return cell(item.label, LABEL_WIDTH, "label")

    def value(item: GridItem, width: float) -> Cell:
        if item.note:
            return st.para(item.text, "note")
        return cell(item.text, width, "value")

    def alone(item: GridItem) -> None:
        rows.append([label(item), value(item, wide_w), "", ""])
        spans.append(len(rows) - 1)
        heights.append(TALL_ROW_MIN if item.tall else ROW_MIN)

    pending: GridItem | None = None
    for item in items:
        if item.wide:
            if pending is not None:
                alone(pending)
                pending = None
            alone(item)
        elif pending is None:
            pending = item
        else:
            rows.append(
                [label(pending), value(pending, value_w), label(item), value(item, value_w)]
            )
            heights.append(ROW_MIN)
            pending = None
    if pending is not None:
        alone(pending)
    commands = base_style(size=st.GRID_SIZE)
    commands += [("BACKGROUND", (0, 0), (0, -1), st.LABEL_BG), ("ALIGN", (0, 0), (0, -1), "CENTER")]
    spanned = set(spans)
    for row in range(len(rows)):
        if row in spanned:
            commands.append(("SPAN", (1, row), (3, row)))
        else:
            commands += [
                ("BACKGROUND", (2, row), (2, row), st.LABEL_BG),
                ("ALIGN", (2, row), (2, row), "CENTER"),
            ]
    return Table(
        rows,
        colWidths=[LABEL_WIDTH, value_w, LABEL_WIDTH, value_w],
        minRowHeights=heights,
        style=TableStyle(commands),
        splitInRow=1,
    )


# -- repeat groups as ruled tables ----------------------------------------------------------------------


@dataclass
class Column:
    key: str
    label: str
    field: Field | None
    min_w: float
    want_w: float
    align: str
    content_w: float = 0.0  # widest cell on one line, uncapped (how much text there is)


def _chars(n: int, size: float = st.TABLE_SIZE) -> float:
    return n * size + PAD


def column_label(f: Field) -> str:
    if f.type == "money" and "元" not in f.label:
        return f"{f.label}（元）"
    return f.label


def _column(f: Field, texts: Sequence[str]) -> Column:
    size = st.TABLE_SIZE
    label = column_label(f)
    widest = max((st.text_width(t, size) for t in texts if t), default=0.0) + PAD
    head_want = st.text_width(label, size) + PAD
    head_min = _chars(max(2, math.ceil(len(label) / 3)))
    kind = f.type
    align = "CENTER"
    if kind == "signature":
        return Column(f.name, label, f, SIGNATURE_COLUMN, SIGNATURE_COLUMN, "CENTER")
    if kind == "money":
        fixed = max(widest, st.text_width("00000.00", size) + PAD)
        min_w, want, align = fixed, fixed, "RIGHT"
    elif kind in ("integer", "id_number", "phone", "month"):
        sample = {"integer": "00", "id_number": "000000000000000000", "phone": "00000000000"}
        fixed = max(widest, st.text_width(sample.get(kind, "0000年00月"), size) + PAD)
        min_w, want = fixed, fixed
    elif kind == "date":
        want = max(widest, st.text_width("0000年00月00日", size) + PAD)
        min_w = st.text_width("0000年00月", size) + PAD
    elif kind in ("select_one", "region"):
        want = max(widest, _chars(2))
        min_w = min(want, _chars(4))
    else:
        align = "LEFT"
        cap = 240.0 if f.multiline else 160.0
        want = min(max(widest, _chars(4)), cap)
        min_w = min(want, _chars(5 if f.multiline else 4))
    min_w = max(min_w, head_min)
    want = max(want, min_w, min(head_want, _chars(6)))
    return Column(f.name, label, f, min_w, want, align, widest)


def _fit(columns: Sequence[Column], width: float) -> list[float]:
    """Widths summing to ``width``: at least each column's minimum, towards what it wants;
    room to spare goes mostly to the text columns."""
    mins = [c.min_w for c in columns]
    wants = [c.want_w for c in columns]
    spare = width - sum(mins)
    room = sum(wants) - sum(mins)
    if room >= spare:
        # Too little room: text columns share it by how much text they hold (so wrapped rows
        # come out about equally tall), the others towards their fixed needs.
        weights = [
            max(c.content_w, c.want_w) - c.min_w if c.align == "LEFT" else c.want_w - c.min_w
            for c in columns
        ]
        total = sum(weights)
        if not total:
            return [m + spare / len(mins) for m in mins]
        return [m + spare * g / total for m, g in zip(mins, weights, strict=True)]
    extra = width - sum(wants)
    weights = [w * (3.0 if c.align == "LEFT" else 1.0) for c, w in zip(columns, wants, strict=True)]
    return [w + extra * g / sum(weights) for w, g in zip(wants, weights, strict=True)]


def _partition(body: Sequence[Column], parts: int, room: float) -> list[list[Column]] | None:
    """Split ``body`` in order into ``parts`` groups, each within ``room`` (minimum widths),
    as evenly as possible by wanted width; None if impossible."""
    n = len(body)
    if parts > n:
        return None
    inf = float("inf")
    # best[k][i]: smallest largest-group want for the first i columns in k groups
    best = [[inf] * (n + 1) for _ in range(parts + 1)]
    cut = [[0] * (n + 1) for _ in range(parts + 1)]
    best[0][0] = 0.0
    for k in range(1, parts + 1):
        for i in range(1, n + 1):
            for j in range(k - 1, i):
                group = body[j:i]
                if sum(c.min_w for c in group) > room:
                    continue
                cost = max(best[k - 1][j], sum(c.want_w for c in group))
                if cost < best[k][i]:
                    best[k][i], cut[k][i] = cost, j
    if best[parts][n] == inf:
        return None
    groups: list[list[Column]] = []
    i = n
    for k in range(parts, 0, -1):
        j = cut[k][i]
        groups.insert(0, list(body[j:i]))
        i = j
    return groups


def _split_columns(columns: list[Column], keep: list[Column], width: float) -> list[list[Column]]:
    """Columns in balanced groups that each fit ``width``; every group repeats ``keep``
    (序号 and the row-title column) in its original place."""
    if sum(c.min_w for c in columns) <= width:
        return [columns]
    body = [c for c in columns if c not in keep]
    room = width - sum(c.min_w for c in keep)
    order = {id(c): i for i, c in enumerate(columns)}
    for parts in range(2, len(body) + 1):
        groups = _partition(body, parts, room)
        if groups is not None:
            return [sorted(keep + g, key=lambda c: order[id(c)]) for g in groups]
    return [columns]  # pragma: no cover - a single column wider than the page


def repeat_tables(
    f: Field,
    rows: Sequence[Mapping[str, Any]],
    regions: RegionTable,
    *,
    totals: Mapping[str, str] | None = None,
    empty_text: str = "（无记录）",
    caption: str | None = None,
) -> list[Flowable]:
    """The repeat ``f`` as one or more ruled tables (a 续表 when too wide for the page).

    No rows: one row saying ``empty_text``, or when that is empty (the form was never filled
    in) a few blank rows to write in by hand."""
    width = st.FRAME_WIDTH
    texts = [[format_value(c, row.get(c.name), regions) for c in f.fields] for row in rows]
    number = Column("#", "序号", None, _chars(2), _chars(2), "CENTER")
    columns = [
        _column(c, [t[i] for t in texts]) for i, c in enumerate(f.fields) if c.type != "note"
    ]
    index = {c.name: i for i, c in enumerate(f.fields)}
    title = next((c for c in columns if c.key == f.row_title), None)
    keep = [number] + ([title] if title is not None else [])
    groups = _split_columns([number, *columns], keep, width)
    flowables: list[Flowable] = []
    for part, group in enumerate(groups):
        widths = _fit(group, width)
        head = [cell(c.label, w, "head") for c, w in zip(group, widths, strict=True)]
        data: list[list[Cell]] = []
        caption_text = caption if part == 0 else f"{caption or f.label}（续表）"
        header_rows = 1
        if caption_text:
            data.append([st.para(caption_text, "cell")] + [""] * (len(group) - 1))
            header_rows = 2
        data.append(head)
        for n, (row, row_texts) in enumerate(zip(rows, texts, strict=True), 1):
            line: list[Cell] = []
            for column, w in zip(group, widths, strict=True):
                if column.field is None:
                    line.append(str(n))
                elif column.field.type == "signature":
                    value = row.get(column.key)
                    line.append(
                        SignatureDrawing(value, w - PAD, SIGNATURE_CELL_HEIGHT)
                        if has_signature(value)
                        else ""
                    )
                else:
                    text = row_texts[index[column.key]]
                    line.append(cell(text, w, _ALIGN_STYLE[column.align]))
            data.append(line)
        if not rows and empty_text:
            data.append([empty_text] + [""] * (len(group) - 1))
        elif not rows:  # a form not filled in yet: blank rows to write in by hand
            data += [[""] * len(group) for _ in range(BLANK_ROWS)]
        total_row = None
        if totals and rows and any(c.key in totals for c in group):
            first = next(i for i, c in enumerate(group) if c.key in totals)
            line = [""] * len(group)
            line[0] = "合计"
            for i, column in enumerate(group):
                if column.key in totals:
                    line[i] = totals[column.key]
            data.append(line)
            total_row = (first, len(data) - 1)
        commands = base_style(header_rows=header_rows)
        for i, column in enumerate(group):
            commands.append(("ALIGN", (i, header_rows), (i, -1), column.align))
        if caption_text:
            commands.append(("SPAN", (0, 0), (-1, 0)))
        if not rows and empty_text:
            commands += [("SPAN", (0, header_rows), (-1, header_rows))]
            commands.append(("ALIGN", (0, header_rows), (-1, header_rows), "CENTER"))
        if total_row is not None:
            first, at = total_row
            if first > 1:
                commands.append(("SPAN", (0, at), (first - 1, at)))
            commands.append(("ALIGN", (0, at), (0, at), "CENTER"))
        flowables.append(
            Table(
                data,
                colWidths=widths,
                repeatRows=header_rows,
                minRowHeights=[TABLE_ROW_MIN] * len(data),
                style=TableStyle(commands),
                splitInRow=1,
            )
        )
    return flowables


# -- checklists ----------------------------------------------------------------------------------------


def companion(f: Field, fields: Sequence[Field]) -> Field | None:
    """The explanation field of a checklist question: ``<name>_note`` or ``<name>_evidence``."""
    for suffix in ("_note", "_evidence"):
        other = next((c for c in fields if c.name == f.name + suffix), None)
        if other is not None:
            return other
    return None


def checklist_questions(fields: Sequence[Field]) -> list[tuple[Field, Field]]:
    return [
        (f, other)
        for f in fields
        if f.type == "select_one" and (other := companion(f, fields)) is not None
    ]


def checklist(
    pairs: Sequence[tuple[Field, Field]],
    values: Mapping[str, Any],
    regions: RegionTable,
    *,
    system: Callable[[Field], tuple[str, bool] | None],
    system_label: str,
) -> Table:
    """序号 | 项目 | 核查结果 | 说明/依据 | 系统核对 (marked ※ where it disagrees)."""
    checks = [system(f) for f, _ in pairs]
    with_system = any(c is not None for c in checks)
    evidence_label = "依据" if any(o.name.endswith("_evidence") for _, o in pairs) else "说明"
    widths = [_chars(2), 96.0, 54.0]
    rest = st.FRAME_WIDTH - sum(widths)
    widths += [rest * 0.5, rest * 0.5] if with_system else [rest]
    head = ["序号", "核查项目", "核查结果", evidence_label] + (
        [system_label] if with_system else []
    )
    data: list[list[Cell]] = [[cell(h, w, "head") for h, w in zip(head, widths, strict=False)]]
    for n, ((f, other), check) in enumerate(zip(pairs, checks, strict=True), 1):
        answer = format_value(f, values.get(f.name), regions)
        line: list[Cell] = [
            str(n),
            cell(f.label, widths[1], "cell"),
            cell(answer, widths[2], "cell_center"),
            cell(format_value(other, values.get(other.name), regions), widths[3], "cell"),
        ]
        if with_system:
            text, agrees = check if check is not None else ("—", True)
            if not agrees and answer:
                text = f"※ {text}"
            line.append(cell(text, widths[4], "cell"))
        data.append(line)
    commands = base_style(header_rows=1)
    commands += [("ALIGN", (0, 1), (0, -1), "CENTER"), ("ALIGN", (2, 1), (2, -1), "CENTER")]
    return Table(
        data,
        colWidths=widths,
        repeatRows=1,
        minRowHeights=[ROW_MIN] * len(data),
        style=TableStyle(commands),
        splitInRow=1,
    )
