"""Signed ledgers: PAdES signatures verify, a one-byte change is detected, a countersignature
keeps the first one valid, an independent validator (poppler's pdfsig, openssl) agrees, and the
CLI signs with the identity enrolled from headquarters."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from fieldapp.cli.main import main
from fieldapp.core.ledger.render import (
    LedgerError,
    countersign_ledger,
    render_batch_ledger,
    render_household_ledger,
    verify_ledger,
)
from fieldapp.core.ledger.sign import SigningError
from fieldapp.core.store.store import Store
from tests.conftest import TODAY
from tests.core.households import complete_household
from tests.core.pki import Pki, make_pki, signed_ledgers
from tests.stores import open_test_store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> tuple[Path, Path, Any]:
    """A ledger signed by the cadre, and a copy countersigned by the reviewer."""
    return signed_ledgers(tmp_path_factory.mktemp("signed"), pki)


def test_signed_ledger_verifies(signed: Any, pki: Pki) -> None:
    one, _both, info = signed
    assert info.signed and info.signature_box is not None
    report = verify_ledger(one, [pki.ca])
    assert report.ok, report.to_dict()
    (sig,) = report.signatures
    assert (sig.field, sig.signer, sig.unit, sig.role) == (
        "staff_signature",
        "李干事",
        "五华区总工会",
        "cadre",
    )
    assert sig.intact and sig.valid and sig.trusted and sig.modification == "NONE"
    assert sig.signed_at is not None
    assert abs(sig.signed_at - datetime.now(UTC)) < timedelta(minutes=10)


def test_countersigned_ledger_verifies_with_both(signed: Any, pki: Pki) -> None:
    _one, both, _info = signed
    report = verify_ledger(both, [pki.ca])
    assert report.ok, report.to_dict()
    first, second = report.signatures
    assert (first.signer, second.signer) == ("李干事", "王科长")
    assert first.intact and first.valid and first.modification == "FORM_FILLING"
    assert second.intact and second.modification == "NONE"


def test_the_stamp_is_drawn_in_the_sign_off_box(signed: Any) -> None:
    _one, both, info = signed
    from pypdf import PdfReader

    reader = PdfReader(str(both))
    page = reader.pages[info.signature_box.page]
    rects = {
        str(a.get_object()["/T"]): [float(v) for v in a.get_object()["/Rect"]]
        for a in page["/Annots"]
        if a.get_object().get("/FT") == "/Sig"
    }
    assert rects["staff_signature"] == pytest.approx(list(info.signature_box.rect), abs=0.01)
    assert rects["reviewer_signature"] == pytest.approx(
        list(info.countersignature_box.rect), abs=0.01
    )
    if shutil.which("pdftotext"):
        last = subprocess.run(
            ["pdftotext", "-f", str(len(reader.pages)), str(both), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "经办人电子签章" in last and "审核人电子签章" in last
        assert "李干事" in last and "王科长" in last


def test_a_one_byte_change_is_detected(signed: Any, pki: Pki, tmp_path: Path) -> None:
    _one, both, _info = signed
    data = bytearray(both.read_bytes())
    data[len(data) // 4] ^= 0x01  # inside the page content, covered by both signatures
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    report = verify_ledger(tampered, [pki.ca])
    assert not report.ok
    assert report.problems or any(not s.intact for s in report.signatures)
    messages = " ".join(report.problems + [p for s in report.signatures for p in s.problems])
    assert "改动" in messages


def test_appended_changes_after_signing_fail(signed: Any, pki: Pki, tmp_path: Path) -> None:
    """An incremental update that draws on a page is not an allowed modification."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    one, _both, _info = signed
    changed = tmp_path / "changed.pdf"
    with one.open("rb") as inf:
        writer = IncrementalPdfFileWriter(inf)
        page = writer.root["/Pages"]["/Kids"][0].get_object()
        stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (forged) Tj ET")
        page["/Contents"] = generic.ArrayObject(
            [
                *(
                    page["/Contents"]
                    if isinstance(page["/Contents"], list)
                    else [page.raw_get("/Contents")]
                ),
                writer.add_object(stream),
            ]
        )
        writer.update_container(page)
        with changed.open("wb") as out:
            writer.write(out)
    report = verify_ledger(changed, [pki.ca])
    assert not report.ok
    assert any("签名后" in p for s in report.signatures for p in s.problems)


def test_an_unknown_ca_is_not_trusted(signed: Any, pki: Pki) -> None:
    _one, both, _info = signed
    report = verify_ledger(both, [pki.stranger_ca])
    assert not report.ok
    assert all(s.intact and s.valid and not s.trusted for s in report.signatures)
    assert "总部根证书" in report.signatures[0].problems[0]


def test_countersigning_is_refused_when_it_would_not_help(
    signed: Any, pki: Pki, tmp_path: Path
) -> None:
    one, both, _info = signed
    with pytest.raises(SigningError, match="没有空的签章位置"):
        countersign_ledger(both, tmp_path / "again.pdf", pki.reviewer)
    data = bytearray(one.read_bytes())
    data[len(data) // 4] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    with pytest.raises(SigningError, match="已失效"):
        countersign_ledger(tampered, tmp_path / "cs.pdf", pki.reviewer)
    with pytest.raises(LedgerError, match="文件不存在"):
        countersign_ledger(tmp_path / "nothing.pdf", tmp_path / "cs.pdf", pki.reviewer)
    assert not (tmp_path / "cs.pdf").exists() and not (tmp_path / "again.pdf").exists()


def test_verify_reports_unsigned_and_broken_files(store: Store, tmp_path: Path, pki: Pki) -> None:
    hid = store.create_household("测试")
    plain = render_household_ledger(store, hid, tmp_path / "plain.pdf", reproducible=True).path
    assert verify_ledger(plain, [pki.ca]).problems == ["文件中没有电子签名"]
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"this is not a pdf at all")
    report = verify_ledger(junk, [pki.ca])
    assert not report.ok and "无法解析" in report.problems[0]


def test_batch_ledger_can_be_signed(store: Store, tmp_path: Path, pki: Pki) -> None:
    hid = store.create_household("测试")
    store.save_form(hid, "A", complete_household()["A"], author="测试", final=True, today=TODAY)
    info = render_batch_ledger(store, [hid], tmp_path / "batch.pdf", signer=pki.cadre)
    assert info.signed and info.signature_box is not None and info.signature_box.page == 0
    assert verify_ledger(info.path, [pki.ca]).ok


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils not installed")
def test_poppler_pdfsig_agrees(signed: Any, tmp_path: Path) -> None:
    _one, both, _info = signed
    done = subprocess.run(["pdfsig", "-nocert", str(both)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Signature Validation: Signature is Valid.") == 2
    assert "staff_signature" in done.stdout and "reviewer_signature" in done.stdout
    assert "ETSI.CAdES.detached" in done.stdout
    data = bytearray(both.read_bytes())
    data[len(data) // 4] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    bad = subprocess.run(["pdfsig", "-nocert", str(tampered)], capture_output=True, text=True)
    assert "Signature is Valid." not in bad.stdout


@pytest.mark.skipif(
    shutil.which("pdfsig") is None or shutil.which("openssl") is None,
    reason="pdfsig or openssl not installed",
)
def test_independent_script_checks_single_and_double_signed_ledgers(
    signed: Any, pki: Pki, tmp_path: Path
) -> None:
    """The script used to exit 3 with no message on every singly-signed ledger: ``pdfsig -dump``
    fails on the empty countersignature field, under ``set -e``."""
    one, both, _info = signed
    ca_pem = tmp_path / "ca.pem"
    ca_pem.write_bytes(pki.ca.public_bytes(serialization.Encoding.PEM))
    script = REPO / "tools" / "verify_ledger_independently.sh"

    def run(pdf: Path, ca: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["sh", str(script), str(pdf), str(ca)], capture_output=True, text=True
        )

    done = run(one, ca_pem)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: 1 signature(s)" in done.stdout and "1 empty signature field" in done.stdout
    done = run(both, ca_pem)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: 2 signature(s)" in done.stdout and "empty signature field" not in done.stdout
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(pki.stranger_ca.public_bytes(serialization.Encoding.PEM))
    for pdf in (one, both):
        done = run(pdf, stranger)
        assert done.returncode == 1 and "openssl FAILED" in done.stdout
    for pdf in (one, both):
        appended = tmp_path / f"appended-{pdf.name}"
        appended.write_bytes(pdf.read_bytes() + b"\n% appended\n")
        done = run(appended, ca_pem)
        assert done.returncode == 1 and "does not cover the whole file" in done.stdout
    flipped = bytearray(one.read_bytes())
    flipped[len(flipped) // 4] ^= 0x01
    (tmp_path / "flipped.pdf").write_bytes(bytes(flipped))
    done = run(tmp_path / "flipped.pdf", ca_pem)
    assert done.returncode == 1 and "NOT valid" in done.stdout


# -- the command line, with identities from headquarters ------------------------------------------


def _has_identity_commands() -> bool:
    try:
        from fieldapp.core.trust import identity  # noqa: F401
    except ImportError:
        return False
    from fieldapp.cli.main import build_parser

    help_text = build_parser().format_help()
    return "hq" in help_text and "enroll" in help_text


@pytest.mark.skipif(not _has_identity_commands(), reason="identity commands not available")
def test_cli_signs_countersigns_and_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hq_db, laptop_db = str(tmp_path / "hq.db"), str(tmp_path / "laptop.db")
    hq_pass, staff_pass = tmp_path / "hq.pass", tmp_path / "staff.pass"
    hq_pass.write_text("headquarters-passphrase\n")
    staff_pass.write_text("cadre-passphrase\n")
    enrollment = str(tmp_path / "li.hhqe")
    assert (
        main(
            [
                "--db",
                hq_db,
                "hq",
                "init",
                "--unit",
                "昆明市总工会",
                "--passphrase-file",
                str(hq_pass),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "--db",
                hq_db,
                "hq",
                "enroll",
                "--name",
                "李干事",
                "--unit",
                "五华区总工会",
                "--out",
                enrollment,
                "--staff-passphrase-file",
                str(staff_pass),
                "--passphrase-file",
                str(hq_pass),
            ]
        )
        == 0
    )
    assert (
        main(["--db", laptop_db, "enroll", enrollment, "--passphrase-file", str(staff_pass)]) == 0
    )
    store = open_test_store(laptop_db, passphrase=staff_pass.read_bytes().strip())
    hid = store.create_household("李干事")
    for form_id, values in complete_household().items():
        store.save_form(hid, form_id, values, author="李干事", final=True, today=TODAY)
    store.close()
    capsys.readouterr()

    one, both = str(tmp_path / "one.pdf"), str(tmp_path / "both.pdf")
    archive = "YN-530102-2020-000001"
    # a wrong passphrase is refused before anything is written
    code = main(
        [
            "--db",
            laptop_db,
            "ledger",
            archive,
            "--out",
            one,
            "--sign",
            "--passphrase-file",
            str(hq_pass),
        ]
    )
    assert code == 1 and not Path(one).exists()
    assert "口令" in capsys.readouterr().err
    code = main(
        [
            "--db",
            laptop_db,
            "ledger",
            archive,
            "--out",
            one,
            "--sign",
            "--passphrase-file",
            str(staff_pass),
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert "已由 李干事 签章" in capsys.readouterr().out
    assert main(["--db", laptop_db, "--passphrase-file", str(staff_pass), "verify", one]) == 0
    assert "结论：全部 1 个签名" in capsys.readouterr().out

    code = main(
        [
            "--db",
            hq_db,
            "ledger",
            "countersign",
            one,
            "--out",
            both,
            "--passphrase-file",
            str(hq_pass),
        ]
    )
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["--db", hq_db, "--passphrase-file", str(hq_pass), "verify", both]) == 0
    out = capsys.readouterr().out
    assert out.count("：通过") == 2 and "签名人：李干事（五华区总工会，入户干部）" in out

    ca_pem = tmp_path / "ca.pem"
    assert main(["--db", hq_db, "--passphrase-file", str(hq_pass), "hq", "ca-cert"]) == 0
    ca_pem.write_text(capsys.readouterr().out)
    assert main(["verify", both, "--trust", str(ca_pem), "--json"]) == 0
    capsys.readouterr()

    data = bytearray(Path(both).read_bytes())
    data[len(data) // 4] ^= 0x01
    Path(one).write_bytes(bytes(data))
    assert main(["verify", one, "--trust", str(ca_pem)]) == 1
    err = capsys.readouterr().err
    assert "验证未通过" in err and "改动" in err


def test_cli_refusals(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(store.path)
    store.close()
    assert main(["--db", db, "ledger", "nobody", "--out", str(tmp_path / "x.pdf")]) == 1
    assert "找不到户" in capsys.readouterr().err
    assert main(["--db", db, "ledger", "--all", "--out", str(tmp_path / "x.pdf")]) == 1
    assert "没有符合条件的户" in capsys.readouterr().err
    assert main(["--db", db, "ledger", "a", "--all", "--out", str(tmp_path / "x.pdf")]) == 1
    assert main(["verify", str(tmp_path / "missing.pdf"), "--trust", str(tmp_path / "ca.pem")]) == 1
    assert "文件不存在" in capsys.readouterr().err
    not_cert = tmp_path / "ca.pem"
    not_cert.write_text("hello")
    pdf = tmp_path / "some.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    assert main(["verify", str(pdf), "--trust", str(not_cert)]) == 1
    assert "不是证书文件" in capsys.readouterr().err
