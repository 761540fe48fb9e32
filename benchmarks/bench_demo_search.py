"""Benchmark: generate N demo households, then time household search over them.

    python benchmarks/bench_demo_search.py [--households 100000] [--db PATH] [--seed 1]

Prints the seconds the ``fieldapp demo`` command takes on a fresh database (run as a child
process, whose peak memory is shown too), the database size, then the time of ``Store.search``
for 20 typical queries (names, a surname, ID number prefix, 档案编号, county, phone, no match)
and of ``fieldapp list --query`` end to end. With ``--db`` pointing at an existing database that
already holds households, generation is skipped and only the searches are timed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("FIELDAPP_PASSPHRASE", "benchmark passphrase")  # every database here
sys.path.insert(0, str(REPO))

from fieldapp.core.store.store import Store  # noqa: E402
from fieldapp.core.store.unlock import open_with_passphrase  # noqa: E402

REPEATS = 3


def fieldapp(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "FIELDAPP_USER": "bench"}
    return subprocess.run(
        [sys.executable, "-m", "fieldapp", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )


def db_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


def pick_queries(store: Store) -> list[tuple[str, str]]:
    """20 queries drawn from the data: (what, query)."""
    total = store.count_households()
    rows = [
        dict(r)
        for r in store.db.query(
            "select name, id_number, archive_no, phone, region_code from households "
            "where rowid in (?, ?, ?, ?, ?, ?, ?)",
            [1, total // 7, 2 * total // 7, 3 * total // 7, 4 * total // 7, 5 * total // 7, total],
        )
    ]
    names = [r["name"] for r in rows]
    region = store.regions.get(rows[1]["region_code"])
    queries = [("姓名", n) for n in names[:6]]
    queries += [("姓", "王"), ("姓", "杨")]
    queries += [("姓名（2字）", names[0][:2])]
    queries += [
        ("身份证号前10位", rows[2]["id_number"][:10]),
        ("身份证号全号", rows[3]["id_number"]),
        ("身份证号后6位", rows[4]["id_number"][-6:]),
    ]
    queries += [("档案编号", rows[5]["archive_no"]), ("档案编号前缀", rows[6]["archive_no"][:14])]
    county = region.name if region else "五华区"
    queries += [
        ("区县名", county),
        ("州市名", "大理"),
        ("手机号", rows[0]["phone"]),
        ("姓名 + 区县", f"{names[1]} {county}"),
    ]
    queries += [("无结果（中文）", "不存在的人"), ("无结果（编号）", "ZZ-999999")]
    return queries[:20]


def time_search(store: Store, query: str) -> tuple[float, int]:
    times, hits = [], 0
    for _ in range(REPEATS):
        start = time.perf_counter()
        hits = len(store.search(query))
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), hits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", help="database file (default: a temporary file, deleted after)")
    args = parser.parse_args()

    tmp = None
    if args.db:
        path = Path(args.db)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="fieldapp-bench-"))
        path = tmp / "bench.db"
    try:
        existing = (
            open_with_passphrase(path, b"benchmark passphrase").count_households()
            if path.exists()
            else 0
        )
        if existing:
            print(f"数据库已有 {existing} 户，跳过生成：{path}")
        else:
            start = time.perf_counter()
            fieldapp(
                "--db",
                str(path),
                "demo",
                "--households",
                str(args.households),
                "--seed",
                str(args.seed),
                "--quiet",
            )
            seconds = time.perf_counter() - start
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            print(
                f"demo: {args.households} 户 {seconds:.1f} s "
                f"({seconds / args.households * 1e6:.0f} µs/户; 子进程 CPU "
                f"{usage.ru_utime + usage.ru_stime:.1f} s, "
                f"峰值内存 {usage.ru_maxrss / 1024:.0f} MB; "
                f"系统负载 {os.getloadavg()[0]:.1f}, {os.cpu_count()} 核)"
            )
        print(f"数据库大小: {db_size(path) / 1024 / 1024:.0f} MB ({path})")

        store = open_with_passphrase(path, b"benchmark passphrase")
        print(f"户数: {store.count_households()}")
        store.search("预热")
        results = []
        print(f"\n{'查询':<14} {'ms':>8} {'结果':>6}  内容")
        for what, query in pick_queries(store):
            ms, hits = time_search(store, query)
            results.append(ms)
            print(f"{what:<14} {ms:8.1f} {hits:6d}  {query}")
        print(
            f"\nStore.search（{len(results)} 个查询，各取 {REPEATS} 次中位数）: "
            f"中位数 {statistics.median(results):.1f} ms, 最大 {max(results):.1f} ms"
        )

        query = store.search("", limit=1)[0]["name"]
        store.close()
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            out = fieldapp("--db", str(path), "list", "--query", query, "--json")
            times.append((time.perf_counter() - start) * 1000)
        hits = out.stdout.count('"id":')
        print(
            f"fieldapp list --query {query} --json（子进程，含启动）: "
            f"中位数 {statistics.median(times):.0f} ms, 最大 {max(times):.0f} ms, {hits} 户"
        )
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
