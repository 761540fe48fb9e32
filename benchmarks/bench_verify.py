"""Ledger verification speed: fieldapp's ``verify_ledger`` (strict policy, every change named,
bytes after %%EOF, revocations) against the floor, pyHanko's plain validation with its default
difference policy, on a signed and countersigned batch ledger of demo households.

    python benchmarks/bench_verify.py [--households 300] [--repeat 3]

Both validate the same two signatures with the same trusted root and no network; the difference
is the cost of the stricter policy and of comparing the revisions to name what changed.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _floor(path: Path, ca: Any) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from fieldapp.core.ledger.pades import asn1_certificates, quiet

    reader = PdfFileReader(io.BytesIO(path.read_bytes()), strict=False)
    context = ValidationContext(
        trust_roots=asn1_certificates([ca]), allow_fetching=False, revocation_mode="soft-fail"
    )
    with quiet():
        for sig in reader.embedded_signatures:
            validate_pdf_signature(sig, signer_validation_context=context)


def _best(repeat: int, run: Any) -> float:
    """Best CPU time of ``repeat`` runs (CPU, not wall clock: the machine may be shared)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=300, help="households in the batch")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from fieldapp.core.demo.generate import generate_demo
    from fieldapp.core.ledger.render import (
        countersign_ledger,
        household_ids_for,
        render_batch_ledger,
        verify_ledger,
    )
    from fieldapp.core.store.unlock import open_with_passphrase
    from fieldapp.core.trust.revocation import RevocationList
    from tests.core.pki import make_pki

    pki = make_pki()
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as folder:
        store = open_with_passphrase(Path(folder) / "demo.db", b"benchmark passphrase")
        generate_demo(store, args.households, seed=args.seed, author="benchmark")
        one, both = Path(folder) / "one.pdf", Path(folder) / "both.pdf"
        start = time.perf_counter()
        info = render_batch_ledger(store, household_ids_for(store), one, signer=pki.cadre)
        countersign_ledger(one, both, pki.reviewer)
        size = both.stat().st_size / 1e6
        print(
            f"batch ledger: {args.households} households, {info.pages} pages, {size:.1f} MB, "
            f"signed and countersigned in {time.perf_counter() - start:.1f} s"
        )
        report = verify_ledger(both, [pki.ca], revocations=RevocationList())
        assert report.ok, report.to_dict()
        floor = _best(args.repeat, lambda: _floor(both, pki.ca))
        project = _best(
            args.repeat, lambda: verify_ledger(both, [pki.ca], revocations=RevocationList())
        )
        print(
            f"verify 2 signatures (CPU seconds, best of {args.repeat}): "
            f"floor (pyHanko default policy) {floor:.2f} s, "
            f"fieldapp verify_ledger {project:.2f} s, ratio {project / floor:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
