"""Ledger rendering speed and memory: seconds per household ledger, pages per second for a batch of
demo households, peak memory, against plain reportlab rendering of the same pages.

    python benchmarks/bench_ledger.py [--households 1000] [--singles 20] [--skip-plain]

"Plain reportlab" builds the very same flowables (fieldapp's layout) with SimpleDocTemplate and
the stock canvas, the whole story in memory first, no page groups ("第 X 页 共 Y 页" omitted),
no lazy feeding: the difference is the cost of fieldapp's page machinery, and the memory that
lazy feeding saves. Each measurement runs in a fresh process, so its peak resident memory
(ru_maxrss) is its own; the demo database is generated once into a temporary directory.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _singles(db: str, out: str, count: int, queue: Any) -> None:
    from fieldapp.core.ledger.render import household_ids_for, render_household_ledger
    from fieldapp.core.store.unlock import open_with_passphrase

    store = open_with_passphrase(db, b"benchmark passphrase")
    ids = household_ids_for(store)[:count]
    render_household_ledger(store, ids[0], Path(out) / "warm.pdf")  # font loading, imports
    pages = 0
    start = time.perf_counter()
    for hid in ids:
        pages += render_household_ledger(store, hid, Path(out) / "single.pdf").pages
    elapsed = time.perf_counter() - start
    queue.put({"seconds": elapsed / len(ids), "pages": pages / len(ids), "peak_mb": _peak_mb()})


def _batch(db: str, out: str, queue: Any) -> None:
    from fieldapp.core.ledger.render import household_ids_for, render_batch_ledger
    from fieldapp.core.store.unlock import open_with_passphrase

    store = open_with_passphrase(db, b"benchmark passphrase")
    ids = household_ids_for(store)
    start = time.perf_counter()
    info = render_batch_ledger(store, ids, Path(out) / "batch.pdf", scope="基准测试")
    elapsed = time.perf_counter() - start
    size = (Path(out) / "batch.pdf").stat().st_size
    queue.put({"seconds": elapsed, "pages": info.pages, "peak_mb": _peak_mb(), "bytes": size})


def _plain(db: str, out: str, queue: Any) -> None:
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    from fieldapp.core.ledger import style as st
    from fieldapp.core.ledger.household import load_household
    from fieldapp.core.ledger.layout import LedgerLayout
    from fieldapp.core.ledger.render import household_ids_for
    from fieldapp.core.store.unlock import open_with_passphrase

    store = open_with_passphrase(db, b"benchmark passphrase")
    ids = household_ids_for(store)
    start = time.perf_counter()
    layout = LedgerLayout(store, date.today())
    story: list[Any] = []
    for hid in ids:
        if story:
            story.append(PageBreak())
        story += layout.story(load_household(store, hid, layout.today))
    built = time.perf_counter()
    doc = SimpleDocTemplate(
        str(Path(out) / "plain.pdf"),
        pagesize=(st.PAGE_WIDTH, st.PAGE_HEIGHT),
        leftMargin=st.LEFT_MARGIN,
        rightMargin=st.RIGHT_MARGIN,
        topMargin=st.TOP_MARGIN,
        bottomMargin=st.BOTTOM_MARGIN,
        initialFontName=st.FONT,
    )
    doc.build(story)
    elapsed = time.perf_counter() - start
    queue.put(
        {
            "seconds": elapsed,
            "story_seconds": built - start,
            "pages": doc.page,
            "peak_mb": _peak_mb(),
        }
    )


def _run(target: Any, *args: Any) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result: dict[str, Any] = queue.get()
    process.join()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1000, help="households in the batch")
    parser.add_argument("--singles", type=int, default=20, help="single ledgers to time")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-plain", action="store_true", help="no plain-reportlab baseline")
    args = parser.parse_args()

    from fieldapp.core.demo.generate import generate_demo
    from fieldapp.core.store.unlock import open_with_passphrase

    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as folder:
        db = str(Path(folder) / "demo.db")
        store = open_with_passphrase(db, b"benchmark passphrase")
        start = time.perf_counter()
        generate_demo(store, args.households, seed=args.seed, author="benchmark")
        store.close()
        print(f"demo data: {args.households} households in {time.perf_counter() - start:.1f} s")

        single = _run(_singles, db, folder, min(args.singles, args.households))
        print(
            f"household ledger: {single['seconds']:.3f} s each "
            f"({single['pages']:.1f} pages on average; {args.singles} households, "
            f"peak {single['peak_mb']:.0f} MB)"
        )
        batch = _run(_batch, db, folder)
        print(
            f"batch ledger, fieldapp: {args.households} households, {batch['pages']} pages "
            f"in {batch['seconds']:.1f} s = {batch['pages'] / batch['seconds']:.1f} pages/s, "
            f"{batch['seconds'] / args.households:.3f} s per household; "
            f"peak memory {batch['peak_mb']:.0f} MB; file {batch['bytes'] / 1e6:.1f} MB"
        )
        if not args.skip_plain:
            plain = _run(_plain, db, folder)
            print(
                f"batch, plain reportlab (whole story first, no summary, no page groups): "
                f"{plain['pages']} pages in {plain['seconds']:.1f} s "
                f"(story {plain['story_seconds']:.1f} s) = "
                f"{plain['pages'] / plain['seconds']:.1f} pages/s; "
                f"peak memory {plain['peak_mb']:.0f} MB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
