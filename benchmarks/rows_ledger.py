"""run_all row: a batch ledger on both cores against plain reportlab in one process.

Each sample renders the first ``BATCH`` households of the demo database (in 档案编号 order) in
a child process of its own, alternating which runs first:

- floor: plain reportlab, one process: the very same flowables (fieldapp's layout of each
  household) built with ``SimpleDocTemplate`` and the stock canvas, no summary, no page groups;
- project: ``render_batch_ledger`` as the CLI and the GUI call it (summary, 第 X 页 共 Y 页, parts
  rendered by one worker process per core, then joined).

Goal (issue 17): ≥ 1.6× the floor's pages per second with both cores, i.e. the project's time at
most 1/1.6 of the floor's; memory flat: the peak of the batch's processes is printed below the
table at this size (``bench_ledger.py --households N`` shows it at others).
"""

from __future__ import annotations

from child import run_child
from harness import Bench, Pairs, bench_row

BATCH = 160
GOAL_SPEEDUP = 1.6

COMMON = """
import json, resource, sys, time
from pathlib import Path
from fieldapp.core.crypto.kdf import KdfCost
from fieldapp.core.ledger.render import household_ids_for
from fieldapp.core.store.unlock import open_with_passphrase
def setup():  # in a function: spawned workers import this script and must not run it
    cheap = KdfCost(time_cost=1, memory_kib=8)
    store = open_with_passphrase(sys.argv[1], b"benchmark passphrase", cost=cheap)
    return store, household_ids_for(store)[: int(sys.argv[3])], Path(sys.argv[2])
def peak_mb():
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, workers) / 1024
"""

FLOOR = (
    COMMON
    + """
from datetime import date
from reportlab.platypus import PageBreak, SimpleDocTemplate
from fieldapp.core.ledger import style as st
from fieldapp.core.ledger.household import load_household
from fieldapp.core.ledger.layout import LedgerLayout
store, ids, out = setup()
st.ensure_fonts()
start = time.perf_counter()
layout = LedgerLayout(store, date.today())
def story():
    for n, hid in enumerate(ids):
        if n:
            yield PageBreak()
        yield from layout.story(load_household(store, hid, layout.today))
doc = SimpleDocTemplate(str(out), pagesize=(st.PAGE_WIDTH, st.PAGE_HEIGHT),
    leftMargin=st.LEFT_MARGIN, rightMargin=st.RIGHT_MARGIN, topMargin=st.TOP_MARGIN,
    bottomMargin=st.BOTTOM_MARGIN, initialFontName=st.FONT)
doc.build(list(story()))
print(json.dumps({"seconds": time.perf_counter() - start, "pages": doc.page, "peak_mb": peak_mb()}))
"""
)

PROJECT = (
    COMMON
    + """
from fieldapp.core.ledger.render import render_batch_ledger
def main():
    store, ids, out = setup()
    start = time.perf_counter()
    info = render_batch_ledger(store, ids, out, scope="基准测试")
    print(json.dumps({"seconds": time.perf_counter() - start, "pages": info.pages, "peak_mb": peak_mb()}))
if __name__ == "__main__":
    main()
"""
)


@bench_row("batch ledger (time for the same pages)", goal_ratio=round(1 / GOAL_SPEEDUP, 3))
def batch_ledger(bench: Bench) -> Pairs:
    households = min(BATCH, bench.store.count_households())
    folder = bench.path.with_name(f"{bench.path.name}.ledger")
    folder.mkdir(exist_ok=True)
    figures: dict[str, list[dict[str, float]]] = {"floor": [], "project": []}

    def run(kind: str, code: str) -> float:
        script = folder / f"{kind}.py"
        script.write_text(code, encoding="utf-8")
        result = run_child(
            [str(script), str(bench.path), str(folder / f"{kind}.pdf"), str(households)], kind
        )
        figures[kind].append(result)
        return float(result["seconds"]) * 1000

    for _ in range(2 if bench.samples <= 30 else 3):
        yield (lambda: run("floor", FLOOR)), (lambda: run("project", PROJECT))
    floor, project = figures["floor"], figures["project"]
    rate = [max(f["pages"] / f["seconds"] for f in runs) for runs in (floor, project)]
    bench.notes.append(
        f"batch ledger: {households} households, {int(project[0]['pages'])} pages; best "
        f"{rate[0]:.0f} pages/s plain reportlab in one process, {rate[1]:.0f} pages/s fieldapp "
        f"= {rate[1] / rate[0]:.2f}× (goal ≥ {GOAL_SPEEDUP}×); peak memory of one process "
        f"{max(p['peak_mb'] for p in project):.0f} MB (floor {max(f['peak_mb'] for f in floor):.0f} MB)"
    )
