"""Benchmark: what encryption at rest costs — search, open household, autosave, on the encrypted
store (SQLCipher) against the same data in plaintext SQLite, and the unlock time.

    python benchmarks/bench_encryption.py [--households 100000] [--dir DIR] [--seed 1]

The demo households are generated once into a plaintext database (the floor: what the store did
before encryption); its encrypted twin is made from it by the conversion every old database goes
through (``sqlcipher_export``), which is timed too. Then, on each of the two, in this process:
20 typical searches (those of bench_demo_search.py), opening 30 households (current forms and
history), and 30 autosaves (a draft save of form A, as the editor makes) — in 7 rounds that
alternate between the two databases (a shared, busy machine slows both alike), medians shown. Unlock is the Argon2id
derivation with the cost calibrated on this machine (goal ~0.5 s) plus opening the store. Prints
floor (plaintext), project (encrypted) and their ratio; the goal is ≤ 1.2×. With ``--dir`` the
databases are kept there and reused next time (generating 100,000 households takes minutes).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_demo_search import pick_queries  # noqa: E402

from fieldapp.core.crypto.passphrase_seal import sealed_params  # noqa: E402
from fieldapp.core.demo.generate import generate_demo  # noqa: E402
from fieldapp.core.store import encryption  # noqa: E402
from fieldapp.core.store.conversion import convert_to_encrypted  # noqa: E402
from fieldapp.core.store.database import open_store  # noqa: E402
from fieldapp.core.store.encryption import DatabaseKey, unlock  # noqa: E402
from fieldapp.core.store.keyfile import read_key_file  # noqa: E402
from fieldapp.core.store.store import Store  # noqa: E402

PASSPHRASE = b"benchmark passphrase"
SAMPLE = 30
ROUNDS = 7


def median_ms(action: Callable[[], object], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def prepare(folder: Path, households: int, seed: int) -> tuple[Path, Path, DatabaseKey]:
    plain, encrypted = folder / "plain.db", folder / "encrypted.db"
    if not plain.exists():
        store = open_store(plain, key=None)
        start = time.perf_counter()
        generate_demo(store, households, seed=seed, author="benchmark")
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        print(f"演示数据（明文库）：{households} 户 {time.perf_counter() - start:.0f} s")
    if not encrypted.exists():
        shutil.copy(plain, encrypted)
        start = time.perf_counter()
        convert_to_encrypted(encrypted, PASSPHRASE)
        print(f"转换为加密库（含校验、口令密钥）：{time.perf_counter() - start:.1f} s")
    size = sum(p.stat().st_size for p in folder.glob("plain.db*"))
    print(f"数据库大小：明文 {size / 2**20:.0f} MB，加密 {encrypted.stat().st_size / 2**20:.0f} MB")
    return plain, encrypted, unlock(encrypted, PASSPHRASE)


def measure(store: Store, households: list[str], queries: list[str], n: int) -> dict[str, float]:
    """Milliseconds: median search, median opening of a household, median autosave."""
    search = statistics.median(median_ms(lambda q=q: store.search(q), 1) for q in queries)
    opened = []
    for hid in households:
        start = time.perf_counter()
        store.current(hid)
        store.history(hid)
        opened.append((time.perf_counter() - start) * 1000)
    saves = []
    for hid in households:
        data = dict(store.current(hid).get("A") or {})
        data["address"] = f"{data.get('address') or ''}（{n}）"
        start = time.perf_counter()
        store.save_form(hid, "A", data, author="benchmark", final=False)
        saves.append((time.perf_counter() - start) * 1000)
    return {
        "搜索（20 个查询的中位数）": search,
        "打开一户（当前表单 + 历史）": statistics.median(opened),
        "自动保存（草稿保存 A 表）": statistics.median(saves),
    }


def interleaved(
    stores: dict[str, Store], households: list[str], queries: list[str]
) -> dict[str, dict[str, float]]:
    """Both stores measured in alternating rounds (a busy machine slows both alike); the median
    of the rounds. Each round opens other households than the last, as a cadre would."""
    for store in stores.values():
        store.search("预热")
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in stores}
    for n in range(ROUNDS):
        chosen = households[n * SAMPLE : (n + 1) * SAMPLE] or households[:SAMPLE]
        for name, store in stores.items():
            rounds[name].append(measure(store, chosen, queries, n))
    return {
        name: {what: statistics.median(r[what] for r in results) for what in results[0]}
        for name, results in rounds.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", help="keep the two databases here and reuse them")
    args = parser.parse_args()
    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="fieldapp-enc-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        plain, encrypted, key = prepare(folder, args.households, args.seed)
        cost = sealed_params(read_key_file(encrypted)["passphrase"]).cost
        print(
            f"Argon2id 参数（密钥文件中，建库时在本机校准）：{cost.memory_kib // 1024} MiB × "
            f"{cost.time_cost} 次；CPU {os.cpu_count()} 核，负载 {os.getloadavg()[0]:.1f}\n"
        )
        probe = open_store(plain, key=None)
        queries = [q for _, q in pick_queries(probe)]
        ids = list(probe.iter_household_ids())
        probe.close()
        sample = random.Random(args.seed).sample(ids, min(SAMPLE * ROUNDS, len(ids)))
        opens = {"floor": [], "project": []}
        for _ in range(ROUNDS):
            opens["floor"].append(median_ms(lambda: open_store(plain, key=None).close(), 1))
            opens["project"].append(median_ms(lambda: open_store(encrypted, key=key).close(), 1))
        stores = {"floor": open_store(plain, key=None), "project": open_store(encrypted, key=key)}
        figures = interleaved(stores, sample, queries)
        floor, project = figures["floor"], figures["project"]
        unlock_times = []
        for _ in range(3):
            encryption._UNSEALED.clear()  # the passphrase derivation itself, not its memory
            unlock_times.append(median_ms(lambda: unlock(encrypted, PASSPHRASE), 1))
        unlock_ms = statistics.median(unlock_times)
        floor_open, project_open = (statistics.median(opens[k]) for k in ("floor", "project"))
        print(f"{'':<28}{'明文(floor)':>12}{'加密(project)':>14}{'倍数':>8}")
        rows = [
            ("打开数据库（不含解锁）", floor_open, project_open),
            *((what, floor[what], project[what]) for what in floor),
        ]
        for what, low, high in rows:
            print(f"{what:<28}{low:>10.2f} ms{high:>12.2f} ms{high / low:>8.2f}×")
        print(f"\n解锁（Argon2id 口令密钥，目标约 500 ms）：{unlock_ms:.0f} ms")
        worst = max(high / low for what, low, high in rows[1:])
        print(f"最大倍数（搜索、打开一户、自动保存）：{worst:.2f}×（目标 ≤ 1.2×）")
    finally:
        if not args.dir:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
