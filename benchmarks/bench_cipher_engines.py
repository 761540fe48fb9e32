"""Micro benchmark of the two encrypted SQLite engines the issue names, against plain SQLite.

    python benchmarks/bench_cipher_engines.py [--rows 50000]

sqlcipher3 (SQLCipher 4: AES-256-CBC + HMAC-SHA512 per page) and apsw-sqlite3mc (SQLite3
Multiple Ciphers, default ChaCha20-Poly1305) each write the same rows (household-like JSON with
Chinese text) in one transaction, then answer 2,000 point lookups and 20 LIKE scans with a small
(2 MiB) and a large (32 MiB) page cache. Engines that are not installed are skipped (apsw is
not a dependency of the application: it is measured here only to choose; see docs/security.md).
Prints floor (plain sqlite3), each engine, and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

KEY = os.urandom(32).hex()
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def rows(count: int) -> list[tuple[int, str, str]]:
    rng = random.Random(1)
    out = []
    for n in range(count):
        name = rng.choice(SURNAMES) + "".join(rng.choice("建国秀英明华丽军平红") for _ in range(2))
        data = {
            "name": name,
            "id": f"5301{rng.randrange(10**13):013d}",
            "address": "昆明市五华区某街道" * 3,
        }
        out.append((n, name, json.dumps(data, ensure_ascii=False)))
    return out


def sqlite_like(module: Any, path: Path, key: bool) -> Any:
    conn = module.connect(str(path), isolation_level=None)
    if key:
        conn.execute(f"PRAGMA key = \"x'{KEY}'\"")
    return conn


def apsw_open(path: Path) -> Any:
    import apsw

    conn = apsw.Connection(str(path))
    conn.execute(f"PRAGMA hexkey = '{KEY}'")
    return conn


def workload(conn: Any, data: list[tuple[int, str, str]], cache_kib: int) -> dict[str, float]:
    conn.execute("create table h (id integer primary key, name text, data text)")
    conn.execute("create index h_name on h(name)")
    start = time.perf_counter()
    conn.execute("begin")
    for row in data:
        conn.execute("insert into h values (?, ?, ?)", row)
    conn.execute("commit")
    write = time.perf_counter() - start
    conn.execute(f"PRAGMA cache_size = {-cache_kib}")
    rng = random.Random(2)
    start = time.perf_counter()
    for _ in range(2000):
        list(conn.execute("select data from h where id = ?", (rng.randrange(len(data)),)))
    point = time.perf_counter() - start
    scans = []
    for surname in SURNAMES[:20]:
        t = time.perf_counter()
        list(conn.execute("select id from h where data like ?", (f"%{surname}建%",)))
        scans.append(time.perf_counter() - t)
    return {"write": write, "point": point, "scan": statistics.median(scans)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    data = rows(args.rows)
    engines: dict[str, Callable[[Path], Any]] = {
        "sqlite3 (floor)": lambda p: sqlite_like(sqlite3, p, False)
    }
    try:
        from sqlcipher3 import dbapi2

        engines["sqlcipher3"] = lambda p: sqlite_like(dbapi2, p, True)
    except ImportError:
        print("sqlcipher3 not installed: skipped")
    try:
        import apsw  # noqa: F401

        engines["apsw-sqlite3mc"] = apsw_open
    except ImportError:
        print("apsw-sqlite3mc not installed: skipped")
    for cache in (2048, 32768):
        print(f"\npage cache {cache // 1024} MiB, {args.rows} rows")
        results = {}
        with tempfile.TemporaryDirectory() as folder:
            for name, opener in engines.items():
                results[name] = workload(opener(Path(folder) / f"{len(results)}.db"), data, cache)
        floor = results["sqlite3 (floor)"]
        print(f"{'engine':<18}{'write s':>10}{'2000 lookups s':>16}{'LIKE scan ms':>14}   ratios")
        for name, r in results.items():
            ratios = "/".join(f"{r[k] / floor[k]:.2f}" for k in ("write", "point", "scan"))
            print(
                f"{name:<18}{r['write']:>10.3f}{r['point']:>16.3f}{r['scan'] * 1000:>14.1f}   {ratios}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
