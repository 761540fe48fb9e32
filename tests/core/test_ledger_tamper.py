"""Adversarial ledgers: every change after a signature is caught, named, and fails ``verify``.

Each modified ledger is built the way an attacker with pyHanko would (an incremental update
that leaves the signed bytes intact, or bytes appended after ``%%EOF``); the report must name the
kind of change and ``fieldapp verify`` must exit 1 saying what changed. Before issue 11 a
retitled ledger passed as "签名后仅追加了验证信息" and appended bytes as "签名后未作任何修改".
The two updates a ledger may receive — validation information (DSS) and the countersignature —
still pass.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from fieldapp.cli.main import main
from fieldapp.core.ledger.render import SigningError, countersign_ledger, verify_ledger
from tests.core.pki import Pki, make_pki, signed_ledgers

Writer = IncrementalPdfFileWriter


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> tuple[Path, Path]:
    one, both, _info = signed_ledgers(tmp_path_factory.mktemp("tamper"), pki)
    return one, both


@pytest.fixture(scope="module")
def ca_pem(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Path:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    path.write_bytes(pki.ca.public_bytes(serialization.Encoding.PEM))
    return path


def updated(source: Path, target: Path, change: Callable[[Writer], None]) -> Path:
    """``source`` plus one incremental update made by ``change``."""
    with source.open("rb") as inf:
        writer = IncrementalPdfFileWriter(inf, strict=False)
        change(writer)
        with target.open("wb") as out:
            writer.write(out)
    return target


def first_page(writer: Writer) -> Any:
    return writer.root["/Pages"]["/Kids"][0].get_object()


# -- the attacks ----------------------------------------------------------------------------------


def retitle(writer: Writer) -> None:
    info = writer.trailer.raw_get("/Info").get_object()
    info[generic.NameObject("/Title")] = generic.TextStringObject("户户清表册 伪造的标题")
    writer.update_container(info)


def rewrite_xmp(writer: Writer) -> None:
    xml = (
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>forged</dc:title>'
        b'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="r"?>'
    )
    ref = writer.root.raw_get("/Metadata")
    stream = generic.StreamObject(
        {generic.NameObject("/Type"): generic.NameObject("/Metadata")}, stream_data=xml
    )
    writer.mark_update(ref)
    writer.objects[(ref.generation, ref.idnum)] = stream
    writer._update_meta = lambda: None  # type: ignore[method-assign]  # keep pyHanko's hands off


def annotate(writer: Writer) -> None:
    page = first_page(writer)
    note = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
            generic.NameObject("/Rect"): generic.ArrayObject(
                [generic.FloatObject(v) for v in (100, 100, 300, 140)]
            ),
            generic.NameObject("/Contents"): generic.TextStringObject("已脱困"),
            generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
        }
    )
    annots = list(page.get("/Annots", generic.ArrayObject()))
    page[generic.NameObject("/Annots")] = generic.ArrayObject([*annots, writer.add_object(note)])
    writer.update_container(page)


def draw_on_page(writer: Writer) -> None:
    page = first_page(writer)
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (forged) Tj ET")
    contents = page.raw_get("/Contents")
    old = list(contents.get_object()) if isinstance(contents.get_object(), list) else [contents]
    page[generic.NameObject("/Contents")] = generic.ArrayObject([*old, writer.add_object(stream)])
    writer.update_container(page)


def overwrite_content_stream(writer: Writer) -> None:
    """The page dictionary stays as it was; its content stream object is replaced in place."""
    contents = first_page(writer).raw_get("/Contents")
    if isinstance(contents.get_object(), list):
        contents = contents.get_object()[0]
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (forged) Tj ET")
    writer.mark_update(contents)
    writer.objects[(contents.generation, contents.idnum)] = stream


def drop_last_page(writer: Writer) -> None:
    pages = writer.root["/Pages"]
    kids = pages["/Kids"]
    pages[generic.NameObject("/Kids")] = generic.ArrayObject(list(kids)[:-1])
    pages[generic.NameObject("/Count")] = generic.NumberObject(len(kids) - 1)
    writer.update_container(pages)


def open_action(writer: Writer) -> None:
    action = generic.DictionaryObject(
        {
            generic.NameObject("/S"): generic.NameObject("/JavaScript"),
            generic.NameObject("/JS"): generic.TextStringObject("app.alert('hi')"),
        }
    )
    writer.root[generic.NameObject("/OpenAction")] = writer.add_object(action)
    writer.update_root()


def move_stamp(writer: Writer) -> None:
    """The signed stamp's widget (its own annotation) is moved; the page is not rewritten."""
    widget = writer.root["/AcroForm"]["/Fields"][0].get_object()
    widget[generic.NameObject("/Rect")] = generic.ArrayObject(
        [generic.FloatObject(v) for v in (0, 0, 1, 1)]
    )
    writer.update_container(widget)


def new_signature_field(writer: Writer) -> None:
    from pyhanko.sign import fields

    fields.append_signature_field(
        writer, fields.SigFieldSpec("forged_signature", on_page=0, box=(100, 100, 260, 160))
    )


ATTACKS = [
    pytest.param(retitle, "metadata", "/Title", id="title"),
    pytest.param(rewrite_xmp, "metadata", "XMP", id="xmp"),
    pytest.param(annotate, "annotations", "第 1 页添加了批注（FreeText）", id="annotation"),
    pytest.param(draw_on_page, "pages", "第 1 页的页面内容被修改（/Contents）", id="content"),
    pytest.param(
        overwrite_content_stream, "pages", "第 1 页的页面内容被修改", id="content-in-place"
    ),
    pytest.param(drop_last_page, "pages", "页数由", id="page-count"),
    pytest.param(open_action, "catalog", "/OpenAction", id="open-action"),
    pytest.param(new_signature_field, "annotations", "签名域“forged_signature”", id="sig-field"),
    pytest.param(move_stamp, "annotations", "签名域“staff_signature”被修改", id="move-stamp"),
]


def assert_caught(path: Path, pki: Pki, kind: str, words: str, signatures: int) -> None:
    report = verify_ledger(path, [pki.ca])
    assert not report.ok
    assert len(report.signatures) == signatures
    for sig in report.signatures:  # every signature made before the change reports it
        assert sig.intact and sig.valid and sig.trusted and not sig.ok
        named = [c for c in sig.changes if c.kind == kind and not c.allowed]
        assert named and words in named[0].detail, [c.to_dict() for c in sig.changes]
        assert any(words in p for p in sig.problems)
        if kind != "appended":  # pyHanko's strict verdict agrees (it does not see appended bytes)
            assert sig.modification not in ("NONE", "LTA_UPDATES")


@pytest.mark.parametrize(("attack", "kind", "words"), ATTACKS)
def test_a_change_after_signing_is_named_and_fails(
    ledgers: tuple[Path, Path],
    pki: Pki,
    ca_pem: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    attack: Callable[[Writer], None],
    kind: str,
    words: str,
) -> None:
    one, _both = ledgers
    changed = updated(one, tmp_path / "changed.pdf", attack)
    assert_caught(changed, pki, kind, words, 1)
    assert main(["verify", str(changed), "--trust", str(ca_pem)]) == 1
    captured = capsys.readouterr()
    assert "未通过" in captured.out and words in captured.out and "（不允许）" in captured.out
    assert "验证未通过" in captured.err and words in captured.err


@pytest.mark.parametrize(("attack", "kind", "words"), ATTACKS[:4])
def test_a_change_after_the_countersignature_fails_both(
    ledgers: tuple[Path, Path],
    pki: Pki,
    tmp_path: Path,
    attack: Callable[[Writer], None],
    kind: str,
    words: str,
) -> None:
    _one, both = ledgers
    assert_caught(updated(both, tmp_path / "changed.pdf", attack), pki, kind, words, 2)


@pytest.mark.parametrize("attack", [retitle, annotate])
def test_a_changed_ledger_is_not_countersigned(
    ledgers: tuple[Path, Path], pki: Pki, tmp_path: Path, attack: Callable[[Writer], None]
) -> None:
    """Countersigning must not lend credibility to a ledger changed after its first signature
    (before issue 11 a retitled one was countersigned: its change counted as validation info)."""
    one, _both = ledgers
    changed = updated(one, tmp_path / "changed.pdf", attack)
    with pytest.raises(SigningError, match="已失效"):
        countersign_ledger(changed, tmp_path / "countersigned.pdf", pki.reviewer)
    assert not (tmp_path / "countersigned.pdf").exists()


def test_bytes_appended_after_eof_are_counted(
    ledgers: tuple[Path, Path],
    pki: Pki,
    ca_pem: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for source, signatures in zip(ledgers, (1, 2), strict=True):
        appended = tmp_path / f"appended-{source.name}"
        appended.write_bytes(source.read_bytes() + b"x" * 120)
        assert_caught(appended, pki, "appended", "追加了 120 字节", signatures)
        assert main(["verify", str(appended), "--trust", str(ca_pem)]) == 1
        assert "文件末尾被追加了 120 字节" in capsys.readouterr().err


def test_a_fake_final_revision_marker_does_not_hide_appended_bytes(
    ledgers: tuple[Path, Path], pki: Pki, tmp_path: Path
) -> None:
    one, _both = ledgers
    disguised = tmp_path / "disguised.pdf"
    data = one.read_bytes()
    genuine = data[data.rindex(b"startxref") :]  # "startxref N %%EOF": N the real last xref
    disguised.write_bytes(data + b"% hidden text\n" + genuine)
    assert_caught(disguised, pki, "appended", "字节", 1)


def test_validation_information_and_the_countersignature_are_allowed(
    ledgers: tuple[Path, Path], pki: Pki, ca_pem: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    _one, both = ledgers
    buffer = io.BytesIO(both.read_bytes())
    certs = [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
        for c in (pki.ca, pki.cadre.certificate, pki.reviewer.certificate)
    ]
    DocumentSecurityStore.add_dss(buffer, sig_contents=None, certs=certs, strict=False)
    lt = both.with_name("countersigned-lt.pdf")
    lt.write_bytes(buffer.getvalue())
    report = verify_ledger(lt, [pki.ca])
    assert report.ok, report.to_dict()
    first, second = report.signatures
    assert [c.kind for c in first.changes] == ["signature", "validation_info"]
    assert [c.kind for c in second.changes] == ["validation_info"]
    assert main(["verify", str(lt), "--trust", str(ca_pem)]) == 0
    out = capsys.readouterr().out
    assert "签名域“reviewer_signature”填入了签名（允许）" in out
    assert "追加了验证信息（DSS：证书、吊销信息）（允许）" in out


mutation = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1, exclude_max=True), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.floats(0, 1, exclude_max=True), st.just(0)),
    st.tuples(st.just("append"), st.just(0.0), st.integers(1, 4096)),
)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(mutations=st.lists(mutation, min_size=1, max_size=3))
def test_damaged_ledgers_never_crash_verification(
    ledgers: tuple[Path, Path], pki: Pki, tmp_path: Path, mutations: list[tuple[str, float, int]]
) -> None:
    """Untrusted bytes: verification reports, never raises; and any damage outside the holes
    that hold the signatures themselves (``/Contents``, which no signature can cover) fails."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    _one, both = ledgers
    original = both.read_bytes()
    reader = PdfFileReader(io.BytesIO(original), strict=False)
    holes = [(s.byte_range[1], s.byte_range[2]) for s in reader.embedded_signatures]
    data = bytearray(original)
    outside = False
    for kind, where, value in mutations:
        at = int(where * len(data))
        if kind == "flip":
            data[at] ^= value
            outside = outside or not any(low <= at < high for low, high in holes)
        elif kind == "cut":
            del data[at:]
            outside = True
        else:
            data += bytes(range(256)) * (value // 256) + bytes(value % 256)
            outside = True
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(bytes(data))
    report = verify_ledger(damaged, [pki.ca])
    if outside:
        assert not report.ok
