"""Printed ledgers (户户清表册) as PDF: one household, or a batch with a summary table.

Public API (the CLI and the GUI call these; nothing here imports Qt):

- ``render_household_ledger(store, household, out_path, *, reproducible=False, signer=None)``
- ``render_batch_ledger(store, household_ids, out_path, *, progress, cancelled, ...)``
- ``countersign_ledger(source, out_path, identity)``: the reviewer's countersignature
- ``verify_ledger(path, trust, revocations=…)``: a report per signature (from ledger/verify)

Both renderers return a ``LedgerInfo`` (pages, where the signature boxes are). Output is written
to a temporary file beside ``out_path`` and moved into place only when complete, so a failed or
cancelled run never leaves a half-written ledger. ``reproducible=True`` fixes the print date
(``REPRODUCIBLE_DATE`` unless ``today`` is given) and makes reportlab's output byte-identical
between runs; a signature is never reproducible (it holds the signing time and a random nonce).

Layout: ledger_layout (one household), ledger_tables (tables from form definitions),
ledger_doc (page groups, numbering, markers), ledger_style (font and styles).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportlab.platypus import Flowable, PageBreak, Spacer, Table, TableStyle

from fieldapp.core.ledger import style as st
from fieldapp.core.ledger import tables as tb
from fieldapp.core.ledger.doc import (
    Feed,
    GroupEnd,
    GroupStart,
    PageGroup,
    RenderLog,
    SignatureBox,
    build,
)
from fieldapp.core.ledger.household import load_household
from fieldapp.core.ledger.layout import LedgerLayout
from fieldapp.core.ledger.pades import SignerIdentity, SigningError
from fieldapp.core.ledger.sign import countersign_pdf, sign_pdf
from fieldapp.core.ledger.verify import SignatureReport, VerifyReport, verify_ledger
from fieldapp.core.store.errors import Cancelled as StoreCancelled
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.store import Store
from fieldapp.core.values.glyphs import printable
from fieldapp.core.values.money import format_yuan

__all__ = [
    "REPRODUCIBLE_DATE",
    "LedgerCancelled",
    "LedgerError",
    "LedgerInfo",
    "SignatureBox",
    "SignatureReport",
    "SignerIdentity",
    "SigningError",
    "VerifyReport",
    "countersign_ledger",
    "household_ids_for",
    "render_batch_ledger",
    "render_household_ledger",
    "verify_ledger",
]

REPRODUCIBLE_DATE = date(2026, 11, 1)
SUMMARY_ROW_HEIGHT = 13.0
SUMMARY_SIZE = 7.0
# Key figures of the batch summary: (label, form, field); a column whose field a form no longer
# has is left out.
SUMMARY_FIGURES = (
    ("人口", "A", "family_size"),
    ("月人均收入", "B", "monthly_per_capita"),
    ("低保标准", "B", "dibao_standard"),
    ("六清已清", "LQ", "clear_count"),
    ("未达标项", "BZ", "unmet_count"),
    ("需求数", "E", "needs_found"),
    ("已解决", "E", "solved"),
)
SUMMARY_NOTE = (
    "说明：金额单位为元；“月人均收入”“低保标准”取自家庭收支调查表；“六清已清”为六清核查表中"
    "核查为“清”的项数；“未达标项”为两有五保障核查表中“未达标”的项数；需求数、已解决取自问题清单。"
)

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class LedgerError(StoreError):
    """A ledger could not be made; the message is Chinese and says what to do."""


class LedgerCancelled(LedgerError, StoreCancelled):
    """The caller's ``cancelled()`` returned True; nothing was written."""


@dataclass(frozen=True)
class LedgerInfo:
    """A finished ledger: where it is, how many pages, where the signature boxes landed."""

    path: Path
    pages: int
    households: int
    signature_box: SignatureBox | None
    countersignature_box: SignatureBox | None
    signed: bool = False
    unprintable: tuple[str, ...] = ()
    """Characters the font lacks, printed as '[U+1F600]', with where (see ledger.household)."""


def _check_output(out_path: Path | str) -> Path:
    path = Path(out_path)
    if path.is_dir():
        raise LedgerError(f"输出路径 {path} 是一个目录，请指定 PDF 文件名")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise LedgerError(f"无法写入 {path}：目录 {parent} 不存在")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise LedgerError(f"无法写入 {path}：没有写入权限")
    return path


@contextmanager
def _output(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path``, moved onto it only if the block completes."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise LedgerError(f"无法写入 {path}：{exc.strerror or exc}") from None
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()


def _signed(
    temp: Path, log: RenderLog, signer: SignerIdentity | None, tsa_url: str | None
) -> tuple[SignatureBox | None, SignatureBox | None, bool]:
    staff, reviewer = log.boxes.get("staff"), log.boxes.get("reviewer")
    if signer is None:
        return staff, reviewer, False
    if staff is None:
        raise LedgerError("台账中没有签章位置，无法签名")
    unsigned = temp.with_name(temp.name + ".unsigned")
    os.replace(temp, unsigned)
    try:
        sign_pdf(unsigned, temp, signer, staff_box=staff, reviewer_box=reviewer, tsa_url=tsa_url)
    finally:
        unsigned.unlink(missing_ok=True)
    return staff, reviewer, True


def _print_date(reproducible: bool, today: date | None) -> date:
    if today is not None:
        return today
    return REPRODUCIBLE_DATE if reproducible else date.today()


def render_household_ledger(
    store: Store,
    household_id: str,
    out_path: Path | str,
    *,
    reproducible: bool = False,
    signer: SignerIdentity | None = None,
    today: date | None = None,
    tsa_url: str | None = None,
) -> LedgerInfo:
    """Write one household's ledger (``household_id``: UUID, 档案编号 or 身份证号).

    With ``signer`` (a SigningIdentity) the ledger is signed by the 经办人 in the sign-off box
    and carries an empty field for the reviewer's countersignature; with ``tsa_url`` the
    signature carries a timestamp from that RFC 3161 timestamp authority (PAdES B-T).
    """
    path = _check_output(out_path)
    day = _print_date(reproducible, today)
    household = load_household(store, household_id, day)
    layout = LedgerLayout(store, day)
    log = RenderLog()
    title = f"{store.survey.title} {household.row.get('archive_no') or ''} {household.row.get('name') or ''}"
    with _output(path) as temp:
        build(
            str(temp),
            layout.story(household),
            reproducible=reproducible,
            title=title.strip(),
            log=log,
        )
        staff, reviewer, signed = _signed(temp, log, signer, tsa_url)
    return LedgerInfo(
        path, log.pages, 1, staff, reviewer, signed, unprintable=tuple(layout.unprintable)
    )


def countersign_ledger(
    source: Path | str,
    out_path: Path | str,
    identity: SignerIdentity,
    *,
    tsa_url: str | None = None,
) -> str:
    """The reviewer's countersignature in the ledger's empty signature field; the earlier
    signature stays valid. ``out_path`` may be ``source`` itself. Returns the field's name."""
    src = Path(source)
    if not src.is_file():
        raise LedgerError(f"文件不存在：{src}")
    path = _check_output(out_path)
    with _output(path) as temp:
        return countersign_pdf(src, temp, identity, tsa_url=tsa_url)


# -- batches ---------------------------------------------------------------------------------------


class _Summary:
    """The batch's summary table, produced in page-sized chunks as the build reaches them."""

    def __init__(self, store: Store, ids: list[str], day: date, scope: str) -> None:
        self.store, self.ids, self.day, self.scope = store, ids, day, scope
        self.figures = [
            (label, form_id, name, field)
            for label, form_id, name in SUMMARY_FIGURES
            if form_id in store.survey.forms
            and (field := store.survey.forms[form_id].field(name)) is not None
        ]
        archive = st.text_width("YN-530000-2000-000000", SUMMARY_SIZE) + 6
        base = [("序号", 22.0), ("档案编号", archive), ("姓名", 36.0), ("居住地", 52.0)]
        base += [("困难类别", 34.0), ("档案状态", 28.0)]
        widths = [w for _, w in base] + [
            42.0 if field.type == "money" else 24.0 for _l, _f, _n, field in self.figures
        ]
        scale = st.FRAME_WIDTH / sum(widths)
        self.widths = [w * scale for w in widths]
        self.head = [label for label, _ in base] + [label for label, *_ in self.figures]
        self.statuses: Counter[str] = Counter()
        self.households = 0

    def group(self) -> PageGroup:
        return PageGroup(
            header_left=f"{self.store.survey.title}汇总表",
            header_right=f"共 {len(self.ids)} 户",
            header_center=self.scope,
            footer_left=f"打印日期：{st.chinese_date(self.day)}",
        )

    def row(self, n: int, hid: str) -> list[str]:
        row = self.store.household(hid)
        data = self.store.current(str(row["id"]))
        region = ""
        if row.get("region_code"):
            found = self.store.regions.get(str(row["region_code"]))
            region = found.name if found is not None else str(row["region_code"])
        status = str(row.get("status") or "")
        self.statuses[status] += 1
        self.households += 1
        cells = [
            str(n),
            str(row.get("archive_no") or ""),
            str(row.get("name") or ""),
            region,
            str(row.get("category") or ""),
            status,
        ]
        for _label, form_id, name, field in self.figures:
            value = (data.get(form_id) or {}).get(name)
            if field.type == "money" and isinstance(value, int):
                cells.append(format_yuan(value))
            else:
                cells.append("" if value is None else str(value))
        return [
            st.fit_text(printable(text), width - 4, SUMMARY_SIZE)
            for text, width in zip(cells, self.widths, strict=True)
        ]

    def table(self, rows: list[list[str]]) -> Table:
        head = [tb.cell(h, w, "head") for h, w in zip(self.head, self.widths, strict=True)]
        commands = tb.base_style(header_rows=1, size=SUMMARY_SIZE)
        commands += [
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 1), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 1), (-1, -1), 2.5),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("ALIGN", (6, 1), (-1, -1), "RIGHT"),
        ]
        return Table(
            [head, *rows],
            colWidths=self.widths,
            rowHeights=[24.0] + [SUMMARY_ROW_HEIGHT] * len(rows),
            repeatRows=1,
            style=TableStyle(commands),
        )

    def chunks(
        self, layout: LedgerLayout, cancelled: Cancelled | None = None
    ) -> Iterator[list[Flowable]]:
        survey = self.store.survey
        intro: list[Flowable] = [
            GroupStart(self.group()),
            st.para(f"{survey.title}汇总表", "form_title"),
            st.para(
                f"范围：{self.scope}　共 {len(self.ids)} 户　打印日期：{st.chinese_date(self.day)}",
                "form_subtitle",
            ),
            Spacer(1, 8),
        ]
        used = sum(f.wrap(st.FRAME_WIDTH, st.FRAME_HEIGHT)[1] for f in intro[1:])
        capacity = int((st.FRAME_HEIGHT - 24 - 2 * SUMMARY_ROW_HEIGHT) // SUMMARY_ROW_HEIGHT)
        first = int((st.FRAME_HEIGHT - used - 24 - 2 * SUMMARY_ROW_HEIGHT) // SUMMARY_ROW_HEIGHT)
        rows: list[list[str]] = []
        limit = first
        pending: list[Flowable] = intro
        for n, hid in enumerate(self.ids, 1):
            if cancelled is not None and cancelled():
                raise LedgerCancelled("已取消，未生成台账")
            rows.append(self.row(n, hid))
            if len(rows) == limit:
                yield [*pending, self.table(rows), PageBreak()]
                pending, rows, limit = [], [], capacity
        if rows:
            pending.append(self.table(rows))
        counts = "、".join(
            f"{status} {count} 户" for status, count in sorted(self.statuses.items())
        )
        pending += [
            Spacer(1, 6),
            st.para(f"合计：{self.households} 户（{counts}）。各户表册按序号附后。", "note"),
            st.para(SUMMARY_NOTE, "note"),
            *layout.signoff(None, declaration="以上汇总与所附各户表册一致。"),
            GroupEnd(),
        ]
        yield pending


def render_batch_ledger(
    store: Store,
    household_ids: Iterable[str],
    out_path: Path | str,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    reproducible: bool = False,
    signer: SignerIdentity | None = None,
    today: date | None = None,
    scope: str = "所选各户",
    tsa_url: str | None = None,
) -> LedgerInfo:
    """A summary table (one line per household) followed by each household's ledger.

    Households are read and laid out one at a time as the document is built, so memory stays
    flat however many there are. ``progress(done, total)`` is called as each household is
    started and at the end; ``cancelled()`` is polled between households and stops the build
    (LedgerCancelled, nothing written). With ``signer`` the batch is signed in the summary's
    sign-off box.
    """
    path = _check_output(out_path)
    ids = list(dict.fromkeys(str(h) for h in household_ids))
    if not ids:
        raise LedgerError("没有符合条件的户，未生成台账")
    day = _print_date(reproducible, today)
    layout = LedgerLayout(store, day)
    summary = _Summary(store, ids, day, scope)
    total = len(ids)

    def households() -> Iterator[list[Flowable]]:
        for done, hid in enumerate(ids):
            if cancelled is not None and cancelled():
                raise LedgerCancelled("已取消，未生成台账")
            if progress is not None:
                progress(done, total)
            yield [PageBreak(), *layout.story(load_household(store, hid, day))]

    def story() -> Iterator[list[Flowable]]:
        yield from summary.chunks(layout, cancelled)
        yield from households()

    log = RenderLog()
    with _output(path) as temp:
        build(
            str(temp),
            [Feed(story())],
            reproducible=reproducible,
            title=f"{store.survey.title}（{total} 户）",
            log=log,
        )
        staff, reviewer, signed = _signed(temp, log, signer, tsa_url)
    if progress is not None:
        progress(total, total)
    return LedgerInfo(
        path, log.pages, total, staff, reviewer, signed, unprintable=tuple(layout.unprintable)
    )


def household_ids_for(
    store: Store, *, region: str | None = None, status: str | None = None
) -> list[str]:
    """Households of a batch, in 档案编号 order: all, or those of a region prefix / status."""
    rows = store.search("", status=status, region_prefix=region, limit=None)
    return [str(r["id"]) for r in rows]
