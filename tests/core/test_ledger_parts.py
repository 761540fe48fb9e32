"""A batch ledger rendered in parts by worker processes and joined: the same pages, the same
text and numbering as one process, byte for byte reproducible, signable, cancellable, and the
join refuses what it does not understand."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.ledger import batch_parts, render
from fieldapp.core.ledger.pdfjoin import PdfJoinError, join_pdfs
from fieldapp.core.ledger.render import (
    LedgerCancelled,
    household_ids_for,
    render_batch_ledger,
    verify_ledger,
)
from fieldapp.core.store.store import Store
from tests.core.pki import Pki, make_pki
from tests.core.test_ledger import pdf_pages
from tests.stores import TEST_PASSPHRASE

HOUSEHOLDS = 7


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of two households, and parts from three households on: a handful of households
    make several parts."""
    monkeypatch.setattr(batch_parts, "PART_HOUSEHOLDS", 2)
    monkeypatch.setattr(render, "PARALLEL_MIN", 3)


@pytest.fixture
def demo(store: Store) -> list[str]:
    generate_demo(store, HOUSEHOLDS, seed=5, author="测试")
    return household_ids_for(store)


def test_parts_print_what_one_process_prints(
    store: Store, demo: list[str], tmp_path: Path, small_parts: None
) -> None:
    one = render_batch_ledger(store, demo, tmp_path / "one.pdf", reproducible=True, workers=1)
    calls: list[tuple[int, int]] = []
    parts = render_batch_ledger(
        store,
        demo,
        tmp_path / "parts.pdf",
        reproducible=True,
        workers=2,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert list(tmp_path.glob(".ledger-parts-*")) == []
    assert parts.pages == one.pages and parts.households == one.households == HOUSEHOLDS
    assert pdf_pages(tmp_path / "parts.pdf") == pdf_pages(tmp_path / "one.pdf")
    strict = PdfReader(tmp_path / "parts.pdf", strict=True)  # a well-formed file, not only text
    assert len(strict.pages) == parts.pages and strict.metadata.title.endswith(
        f"（{HOUSEHOLDS} 户）"
    )
    assert parts.signature_box == one.signature_box and parts.signature_box is not None
    assert parts.unprintable == one.unprintable
    assert calls[0] == (0, HOUSEHOLDS) and calls[-1] == (HOUSEHOLDS, HOUSEHOLDS)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    again = render_batch_ledger(store, demo, tmp_path / "again.pdf", reproducible=True, workers=2)
    assert again.pages == parts.pages
    assert (tmp_path / "again.pdf").read_bytes() == (tmp_path / "parts.pdf").read_bytes()


def test_a_large_batchs_summary_drawn_by_a_worker_prints_the_same_bytes(
    store: Store,
    demo: list[str],
    tmp_path: Path,
    small_parts: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Up to CALLER_SUMMARY_MOST households the caller draws the summary; above, a worker."""
    caller = render_batch_ledger(store, demo, tmp_path / "caller.pdf", reproducible=True, workers=2)
    monkeypatch.setattr(batch_parts, "CALLER_SUMMARY_MOST", HOUSEHOLDS - 1)
    worker = render_batch_ledger(store, demo, tmp_path / "worker.pdf", reproducible=True, workers=2)
    assert worker.pages == caller.pages and worker.signature_box == caller.signature_box
    assert (tmp_path / "worker.pdf").read_bytes() == (tmp_path / "caller.pdf").read_bytes()


@pytest.mark.parametrize(
    ("total", "workers", "most"), [(160, 2, 40), (200, 2, 40), (81, 2, 40), (7, 2, 2), (3, 4, 40)]
)
def test_parts_give_every_worker_the_same_work(total: int, workers: int, most: int) -> None:
    sizes = batch_parts.part_sizes(total, workers, most)
    assert sum(sizes) == total and max(sizes) <= most and max(sizes) - min(sizes) <= 1
    assert len(sizes) % workers == 0 or len(sizes) == total < workers
    assert sizes == sorted(sizes, reverse=True)
    # 200 households: six parts of 33–34, not five of 40 (one worker a whole part behind)
    if (total, workers, most) == (200, 2, 40):
        assert sizes == [34, 34, 33, 33, 33, 33]


def test_a_batch_in_parts_is_signed_and_verifies(
    store: Store, demo: list[str], tmp_path: Path, small_parts: None
) -> None:
    pki: Pki = make_pki()
    info = render_batch_ledger(store, demo, tmp_path / "signed.pdf", signer=pki.cadre, workers=2)
    assert info.signed and info.signature_box is not None and info.signature_box.page == 0
    assert verify_ledger(info.path, [pki.ca]).ok


def test_cancelling_stops_the_workers_and_leaves_nothing(
    store: Store, demo: list[str], tmp_path: Path, small_parts: None
) -> None:
    out = tmp_path / "cancelled.pdf"
    seen: list[int] = []
    with pytest.raises(LedgerCancelled):
        render_batch_ledger(
            store,
            demo,
            out,
            workers=2,
            progress=lambda done, total: seen.append(done),
            cancelled=lambda: bool(seen),
        )
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in {".pdf", ".tmp", ""}) == []


def test_the_command_line_prints_a_large_batch_in_parts(tmp_path: Path) -> None:
    """Enough households for parts (the real thresholds), printed by ``fieldapp ledger --all``."""
    db = tmp_path / "batch.db"
    env = {"FIELDAPP_PASSPHRASE": TEST_PASSPHRASE, "PATH": "/usr/bin:/bin"}
    fieldapp = [sys.executable, "-m", "fieldapp", "--db", str(db)]
    count = render.PARALLEL_MIN
    subprocess.run([*fieldapp, "demo", "--households", str(count), "--quiet"], env=env, check=True)
    out = tmp_path / "全部.pdf"
    done = subprocess.run(
        [*fieldapp, "ledger", "--all", "--out", str(out), "--quiet"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert f"（{count} 户，" in done.stdout
    pages = pdf_pages(out)
    assert "户户清表册汇总表" in pages[0]
    assert sum("困难职工家庭“六清”档案" in page for page in pages) == count


def _plain_pdf(path: Path, *, outline: bool = False) -> Path:
    """A one-page reportlab document, with an outline (bookmarks) if asked."""
    canvas = Canvas(str(path))
    canvas.drawString(100, 700, "page")
    if outline:
        canvas.bookmarkPage("p1")
        canvas.addOutlineEntry("p1", "p1")
    canvas.showPage()
    canvas.save()
    return path


def test_the_join_refuses_a_part_it_would_change(tmp_path: Path) -> None:
    plain = _plain_pdf(tmp_path / "plain.pdf")
    joined = io.BytesIO()
    assert join_pdfs([plain, plain], joined) == 2
    with_outline = _plain_pdf(tmp_path / "outline.pdf", outline=True)
    with pytest.raises(PdfJoinError, match="Outlines"):
        join_pdfs([plain, with_outline], io.BytesIO())
