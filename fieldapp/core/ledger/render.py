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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportlab.platypus import Flowable, PageBreak

from fieldapp.core.ledger.batch_parts import PARALLEL_MIN, default_workers, render_in_parts
from fieldapp.core.ledger.doc import Feed, RenderLog, SignatureBox, build
from fieldapp.core.ledger.errors import LedgerCancelled, LedgerError
from fieldapp.core.ledger.household import load_household
from fieldapp.core.ledger.layout import LedgerLayout
from fieldapp.core.ledger.pades import SignerIdentity, SigningError
from fieldapp.core.ledger.sign import countersign_pdf, sign_pdf
from fieldapp.core.ledger.summary import BatchSummary
from fieldapp.core.ledger.verify import SignatureReport, VerifyReport, verify_ledger
from fieldapp.core.store.store import Store

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

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


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
    workers: int | None = None,
) -> LedgerInfo:
    """A summary table (one line per household) followed by each household's ledger.

    Households are read and laid out one at a time as the document is built, so memory stays
    flat however many there are. ``progress(done, total)`` is called as each household is
    started and at the end; ``cancelled()`` is polled between households and stops the build
    (LedgerCancelled, nothing written). With ``signer`` the batch is signed in the summary's
    sign-off box. A batch of ``PARALLEL_MIN`` households or more is rendered by ``workers``
    processes (default: one per core) in parts, then joined (``ledger.batch_parts``).
    """
    path = _check_output(out_path)
    ids = list(dict.fromkeys(str(h) for h in household_ids))
    if not ids:
        raise LedgerError("没有符合条件的户，未生成台账")
    day = _print_date(reproducible, today)
    total = len(ids)
    title = f"{store.survey.title}（{total} 户）"
    workers = default_workers() if workers is None else workers
    with _output(path) as temp:
        if workers > 1 and total >= PARALLEL_MIN and store.path is not None:
            joined = render_in_parts(
                store,
                ids,
                temp,
                day=day,
                scope=scope,
                title=title,
                reproducible=reproducible,
                workers=workers,
                progress=progress,
                cancelled=cancelled,
            )
            log = RenderLog(joined.pages, joined.boxes, unprintable=joined.unprintable)
        else:
            log = _in_process(
                store, ids, temp, day, scope, title, reproducible, progress, cancelled
            )
        staff, reviewer, signed = _signed(temp, log, signer, tsa_url)
    if progress is not None:
        progress(total, total)
    return LedgerInfo(path, log.pages, total, staff, reviewer, signed, unprintable=log.unprintable)


def _in_process(
    store: Store,
    ids: list[str],
    temp: Path,
    day: date,
    scope: str,
    title: str,
    reproducible: bool,
    progress: Progress | None,
    cancelled: Cancelled | None,
) -> RenderLog:
    """The batch laid out in this process, households read one at a time as the build goes."""
    layout = LedgerLayout(store, day)
    summary = BatchSummary(store, ids, day, scope)

    def households() -> Iterator[list[Flowable]]:
        for done, hid in enumerate(ids):
            if cancelled is not None and cancelled():
                raise LedgerCancelled("已取消，未生成台账")
            if progress is not None:
                progress(done, len(ids))
            yield [PageBreak(), *layout.story(load_household(store, hid, day))]

    def story() -> Iterator[list[Flowable]]:
        yield from summary.chunks(layout, cancelled)
        yield from households()

    log = RenderLog()
    build(str(temp), [Feed(story())], reproducible=reproducible, title=title, log=log)
    log.unprintable = tuple(layout.unprintable)
    return log


def household_ids_for(
    store: Store, *, region: str | None = None, status: str | None = None
) -> list[str]:
    """Households of a batch, in 档案编号 order: all, or those of a region prefix / status."""
    rows = store.search("", status=status, region_prefix=region, limit=None, columns=("id",))
    return [str(r["id"]) for r in rows]
