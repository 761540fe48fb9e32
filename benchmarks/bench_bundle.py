"""Benchmark: export and import sync bundles, with time, bundle size and peak memory.

    python benchmarks/bench_bundle.py [--archive 100000] [--laptop 200] [--seed 1] [--keep DIR]

Sets up a headquarters and two enrolled laptops in a temporary directory, then:

1. the "archive" laptop gets ``--archive`` demo households (Yunnan's whole archive was 71,000 in
   2017) and exports them all; headquarters imports that bundle, then imports it again (no-op);
2. the "laptop" laptop gets ``--laptop`` demo households (a typical cadre's load) and exports;
   headquarters, already holding the archive, imports it; then one form of every household is
   edited on the laptop and the incremental bundle is exported and imported.

Each export and import runs in its own child process (``fieldapp`` on the command line), so the
peak memory printed (ru_maxrss) is that operation's alone. Demo generation is not timed here
(see bench_demo_search.py).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fieldapp.core.store.unlock import open_with_passphrase  # noqa: E402
from fieldapp.core.trust import identity  # noqa: E402

HQ_PASS = "bench-hq-passphrase"
STAFF_PASS = "bench-staff-passphrase"

CHILD = """
import json, resource, sys, time
from fieldapp.cli.main import main
start, cpu = time.perf_counter(), time.process_time()
code = main(sys.argv[1:])
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"code": code, "seconds": seconds, "cpu": cpu, "peak_mb": peak}), file=sys.stderr)
"""


def fieldapp(passphrase: str, *args: str) -> dict[str, Any]:
    """Run one fieldapp command in a child process; its time and peak memory."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "FIELDAPP_USER": "bench",
        "FIELDAPP_PASSPHRASE": passphrase,
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    lines = done.stderr.strip().splitlines()
    try:
        figures: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        raise SystemExit(f"fieldapp {' '.join(args)} failed:\n{done.stderr}") from None
    if figures["code"] != 0:
        raise SystemExit(f"fieldapp {' '.join(args)} exited {figures['code']}:\n{done.stderr}")
    figures["stdout"] = done.stdout
    return figures


def setup(root: Path) -> dict[str, Path]:
    paths = {"hq": root / "hq.db", "archive": root / "archive.db", "laptop": root / "laptop.db"}
    hq = open_with_passphrase(paths["hq"], HQ_PASS.encode())
    identity.hq_init(hq, HQ_PASS.encode(), unit="云南省总工会", author="bench")
    for name in ("archive", "laptop"):
        data, _ = identity.enroll_staff(
            hq, HQ_PASS.encode(), STAFF_PASS.encode(), name=name, unit="某区总工会", author="bench"
        )
        laptop = open_with_passphrase(paths[name], STAFF_PASS.encode())
        identity.take_enrollment(laptop, data, STAFF_PASS.encode(), author=name)
        laptop.close()
    hq.close()
    return paths


def demo(db: Path, households: int, seed: int) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "FIELDAPP_USER": "bench",
        "FIELDAPP_PASSPHRASE": STAFF_PASS,  # laptops only
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "fieldapp",
            "--db",
            str(db),
            "demo",
            "--households",
            str(households),
            "--seed",
            str(seed),
            "--quiet",
        ],
        env=env,
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )


def checkpoint(db: Path) -> None:
    store = open_with_passphrase(db, (HQ_PASS if db.name == "hq.db" else STAFF_PASS).encode())
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()


def line(what: str, households: int, f: dict[str, Any], extra: str = "") -> None:
    per = f["seconds"] / households * 1000 if households else 0.0
    print(
        f"{what}: {households} 户 {f['seconds']:.2f} s（CPU {f['cpu']:.2f} s），{per:.2f} ms/户，"
        f"峰值内存 {f['peak_mb']:.0f} MB  {extra}"
    )


def size(path: Path) -> str:
    return f"{path.stat().st_size / 1024 / 1024:.1f} MB（{path.stat().st_size // 1024:,} KB）"


def import_figures(f: dict[str, Any]) -> str:
    out = f["stdout"]
    return out.strip().splitlines()[-1] if out.strip() else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=int, default=100_000, help="户数（整个档案）")
    parser.add_argument("--laptop", type=int, default=200, help="户数（一台笔记本）")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", help="keep the databases and bundles in this directory")
    args = parser.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="fieldapp-bundle-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        pristine = root / f"pristine-{args.archive}-{args.laptop}-{args.seed}"
        names = ("hq.db", "archive.db", "laptop.db")
        for leftover in [*root.glob("*.db*"), *root.glob("*.hhq*")]:
            leftover.unlink()
        if pristine.is_dir():  # --keep: reuse the databases made last time (demo data is slow)
            for name in names:
                for part in (name, name + ".keys"):  # a database and its key file
                    shutil.copy(pristine / part, root / part)
            paths = {
                "hq": root / "hq.db",
                "archive": root / "archive.db",
                "laptop": root / "laptop.db",
            }
            print(f"沿用 {pristine} 中的演示数据")
        else:
            paths = setup(root)
            print(f"生成演示数据：{args.archive} 户 + {args.laptop} 户 …", flush=True)
            start = time.perf_counter()
            demo(paths["archive"], args.archive, args.seed)
            demo(paths["laptop"], args.laptop, args.seed + 1)
            print(f"（生成用时 {time.perf_counter() - start:.0f} s，不计入下面的数字）")
            if args.keep:
                pristine.mkdir()
                for name in names:
                    checkpoint(root / name)
                    for part in (name, name + ".keys"):
                        shutil.copy(root / part, pristine / part)
        print(
            f"CPU 核数 {os.cpu_count()}，负载 {os.getloadavg()[0]:.1f}（其他进程会拉长墙钟时间）\n"
        )

        big = root / "archive.hhq"
        f = fieldapp(
            STAFF_PASS,
            "--db",
            str(paths["archive"]),
            "bundle",
            "export",
            "--out",
            str(big),
            "--json",
        )
        counts = json.loads(f["stdout"])["counts"]
        line("导出（整个档案）", args.archive, f, f"数据包 {size(big)}")
        print(
            f"  （{counts['revisions']:,} 个表单版本，{counts['audit']:,} 条审计，"
            f"{counts['status_changes']:,} 次状态变更）"
        )
        f = fieldapp(HQ_PASS, "--db", str(paths["hq"]), "bundle", "import", str(big))
        line("导入总部（空库）", args.archive, f, import_figures(f))
        f = fieldapp(HQ_PASS, "--db", str(paths["hq"]), "bundle", "import", str(big))
        line("再次导入同一数据包（无变化）", args.archive, f, import_figures(f))

        small = root / "laptop.hhq"
        f = fieldapp(
            STAFF_PASS, "--db", str(paths["laptop"]), "bundle", "export", "--out", str(small)
        )
        line("导出（一台笔记本）", args.laptop, f, f"数据包 {size(small)}")
        f = fieldapp(HQ_PASS, "--db", str(paths["hq"]), "bundle", "import", str(small))
        line(f"导入总部（已有 {args.archive} 户）", args.laptop, f, import_figures(f))

        laptop = open_with_passphrase(paths["laptop"], STAFF_PASS.encode())
        for hid in list(laptop.iter_household_ids()):
            data = laptop.current(hid).get("D") or {}
            laptop.save_form(hid, "D", {**data, "helper_phone": "13900000000"}, author="bench")
        laptop.close()
        step = root / "laptop-2.hhq"
        f = fieldapp(
            STAFF_PASS, "--db", str(paths["laptop"]), "bundle", "export", "--out", str(step)
        )
        line("增量导出（每户改一张表）", args.laptop, f, f"数据包 {size(step)}")
        f = fieldapp(HQ_PASS, "--db", str(paths["hq"]), "bundle", "import", str(step))
        line("增量导入总部", args.laptop, f, import_figures(f))
        total = sum(p.stat().st_size for p in root.glob("hq.db*"))
        print(f"\n总部数据库：{total / 1024 / 1024:.0f} MB（{paths['hq']}）")
        print(f"本进程峰值内存 {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
