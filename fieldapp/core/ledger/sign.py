"""Electronic signatures on ledgers: PAdES baseline B-B with pyHanko, offline.

- ``sign_pdf``: the 经办人 signs (a certification signature that still allows filling
  signature fields), with a visible stamp in the sign-off box recorded while the ledger was
  drawn. The same incremental update adds the empty 审核人 field for the countersignature.
- ``countersign_pdf``: a reviewer signs the empty field as a further incremental update, so
  the first signature stays valid; refused if an earlier signature is already broken.
- ``verify_ledger``: for each signature whether the signed bytes are intact, the signature
  valid, who signed and when (the signer's clock: there is no timestamp authority offline),
  whether the certificate chains to the trusted headquarters CA, and what was changed after it.

The stamp's appearance is a small page drawn with reportlab in the ledger's own font and
imported by pyHanko, so CJK text needs no separate TrueType file for pyHanko. pyHanko is
imported only here and only when needed (about 0.6 s).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from fieldapp.core.ledger import style as st
from fieldapp.core.ledger.doc import SignatureBox
from fieldapp.core.store.errors import StoreError

if TYPE_CHECKING:
    from pyhanko.pdf_utils.content import PdfContent

ROLE_TITLES = {"staff": "经办人电子签章", "reviewer": "审核人电子签章"}
REASONS = {
    "staff": "户户清表册经办人签章：内容与系统记录一致",
    "reviewer": "户户清表册审核人会签",
}
MODIFICATION_TEXT = {
    "NONE": "签名后未作任何修改",
    "LTA_UPDATES": "签名后仅追加了验证信息",
    "FORM_FILLING": "签名后仅追加了签名（允许的修改）",
    "ANNOTATIONS": "签名后文件被添加了批注（不允许的修改）",
    "OTHER": "签名后文件的页面内容或结构被修改（不允许的修改）",
}
ALLOWED_MODIFICATIONS = ("NONE", "LTA_UPDATES", "FORM_FILLING")


class SigningError(StoreError):
    """Signing or verification refused; the message says why, in Chinese."""


class SignerIdentity(Protocol):
    """What signing needs; fieldapp.core.identity.SigningIdentity has this shape."""

    @property
    def private_key(self) -> Any: ...
    @property
    def certificate(self) -> x509.Certificate: ...
    @property
    def chain(self) -> list[x509.Certificate]: ...
    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> str: ...


# -- the stamp -----------------------------------------------------------------------------------


def certificate_fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def stamp_pdf(
    role: str, identity: SignerIdentity, when: datetime, width: float, height: float
) -> bytes:
    """A one-page PDF of exactly the box size: the stamp's visible appearance."""
    from reportlab.pdfgen.canvas import Canvas

    st.ensure_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height), initialFontName=st.FONT, pageCompression=1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(0, 0, width, height, stroke=0, fill=1)
    canvas.setStrokeColor(st.SEAL_RED)
    canvas.setFillColor(st.SEAL_RED)
    canvas.setLineWidth(1.4)
    canvas.rect(1.2, 1.2, width - 2.4, height - 2.4)
    canvas.setLineWidth(0.4)
    canvas.rect(3.2, 3.2, width - 6.4, height - 6.4)
    inner = width - 14
    canvas.setFont(st.FONT, 7)
    canvas.drawString(7, height - 13, ROLE_TITLES.get(role, "电子签章"))
    canvas.drawRightString(width - 7, height - 13, "PAdES 电子签名")
    canvas.setFont(st.FONT, 12.5)
    canvas.drawString(7, height - 29, st.fit_text(identity.name, inner, 12.5))
    canvas.setFont(st.FONT, 7.5)
    canvas.drawString(7, height - 39.5, st.fit_text(identity.unit, inner, 7.5))
    local = when.astimezone()
    canvas.setFont(st.FONT, 7)
    canvas.drawString(7, height - 48.5, f"{st.chinese_date(local)} {local:%H:%M:%S}")
    canvas.setFont(st.FONT, 5)
    print_ = certificate_fingerprint(identity.certificate)
    canvas.drawString(7, 6.3, f"证书指纹 SHA-256 {print_[:16]}…{print_[-8:]}")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _stamp_content(data: bytes) -> PdfContent:
    from pyhanko.pdf_utils import content
    from pyhanko.pdf_utils.layout import BoxConstraints
    from pyhanko.pdf_utils.reader import PdfFileReader

    class StampPage(content.PdfContent):
        """The first page of an in-memory PDF, imported as a form XObject."""

        def render(self) -> bytes:
            writer = self._ensure_writer
            xobj = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(data)), page_ix=0)
            self.resources.xobject["/LedgerStamp"] = xobj
            x1, y1, x2, y2 = xobj.get_object()["/BBox"]
            self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
            return b"/LedgerStamp Do"

    return StampPage()


# -- signing ---------------------------------------------------------------------------------------


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _signer(identity: SignerIdentity) -> Any:
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    try:
        key_der = identity.private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    except (AttributeError, TypeError, ValueError) as exc:
        raise SigningError(f"签名私钥无法使用：{exc}") from None
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(_der(identity.certificate)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [asn1_x509.Certificate.load(_der(c)) for c in identity.chain]
        ),
    )


def _field_rect(reader_or_writer: Any, name: str) -> tuple[float, float, float, float] | None:
    from pyhanko.sign.fields import enumerate_sig_fields

    for field_name, _value, ref in enumerate_sig_fields(reader_or_writer, with_name=name):
        if field_name != name:
            continue
        obj = ref.get_object()
        widget = obj if "/Rect" in obj else obj["/Kids"][0].get_object()
        x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
        return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
    return None


def _sign(
    source: Path,
    target: Path,
    identity: SignerIdentity,
    *,
    role: str,
    field_name: str,
    new_fields: Sequence[SignatureBox] = (),
    certify: bool = False,
) -> None:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    signer = _signer(identity)
    with source.open("rb") as inf:
        writer = IncrementalPdfFileWriter(inf, strict=False)
        for box in new_fields:
            fields.append_signature_field(
                writer,
                # pyHanko's annotation says int; PDF rectangles are reals (points)
                fields.SigFieldSpec(box.field_name, on_page=box.page, box=box.rect),  # type: ignore[arg-type]
            )
        rect = _field_rect(writer, field_name)
        if rect is None:
            raise SigningError(f"文件中没有签章位置“{field_name}”")
        now = datetime.now().astimezone()
        appearance = stamp_pdf(role, identity, now, rect[2] - rect[0], rect[3] - rect[1])
        style = StaticStampStyle(
            background=_stamp_content(appearance),
            border_width=0,
            background_opacity=1.0,
            background_layout=SimpleBoxLayoutRule(
                x_align=AxisAlignment.ALIGN_MID,
                y_align=AxisAlignment.ALIGN_MID,
                margins=Margins.uniform(0),  # type: ignore[no-untyped-call]
            ),
        )
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=REASONS.get(role, "户户清表册签章"),
            location=identity.unit or None,
            name=identity.name or None,
            certify=certify,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        )
        with target.open("wb") as out:
            signers.PdfSigner(meta, signer, stamp_style=style).sign_pdf(
                writer, existing_fields_only=True, output=out
            )


def sign_pdf(
    source: Path,
    target: Path,
    identity: SignerIdentity,
    *,
    staff_box: SignatureBox,
    reviewer_box: SignatureBox | None,
) -> None:
    """The 经办人's signature in ``staff_box``; ``reviewer_box`` is left empty to countersign."""
    boxes = [staff_box] + ([reviewer_box] if reviewer_box is not None else [])
    _sign(
        source,
        target,
        identity,
        role="staff",
        field_name=staff_box.field_name,
        new_fields=boxes,
        certify=True,
    )


def countersign_pdf(source: Path, target: Path, identity: SignerIdentity) -> str:
    """The reviewer signs the empty signature field; returns the field's name.

    Refused when the file has no signature yet, no empty field, or an earlier signature that
    no longer matches the file (countersigning must not lend credibility to an altered file).
    """
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from fieldapp.core.ledger.layout import REVIEWER_FIELD

    try:
        with source.open("rb") as inf:
            reader = PdfFileReader(inf, strict=False)
            signatures = list(reader.embedded_signatures)
            empty = [name for name, _v, _r in enumerate_sig_fields(reader, filled_status=False)]
            roots = [asn1_x509.Certificate.load(_der(c)) for c in identity.chain]
            context = ValidationContext(
                trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
            )
            for sig in signatures:
                with _quiet():
                    status = validate_pdf_signature(sig, context)
                if not (status.intact and status.valid and status.docmdp_ok is not False):
                    raise SigningError(
                        f"原签名“{sig.field_name}”已失效（文件在签名后被改动），拒绝会签"
                    )
    except FileNotFoundError:
        raise SigningError(f"文件不存在：{source}") from None
    except (OSError, PdfError, ValueError, KeyError) as exc:
        raise SigningError(f"无法读取 {source}：{exc}") from None
    if not signatures:
        raise SigningError(f"{source} 尚无经办人签章，不能会签（先用 fieldapp ledger … --sign）")
    if not empty:
        raise SigningError(f"{source} 没有空的签章位置：已经会签过，或不是户户清表册")
    name = REVIEWER_FIELD if REVIEWER_FIELD in empty else empty[0]
    _sign(source, target, identity, role="reviewer", field_name=name)
    return name


@contextmanager
def _quiet() -> Iterator[None]:
    """pyHanko logs every untrusted chain with a traceback; the report says it in Chinese."""
    loggers = [logging.getLogger(name) for name in ("pyhanko", "pyhanko_certvalidator")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


# -- verification ------------------------------------------------------------------------------------


@dataclass
class SignatureReport:
    field: str
    signer: str
    unit: str
    role: str
    signed_at: datetime | None
    intact: bool
    valid: bool
    trusted: bool
    modification: str
    ok: bool
    problems: list[str] = _field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "signer": self.signer,
            "unit": self.unit,
            "role": self.role,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "modification": self.modification,
            "ok": self.ok,
            "problems": self.problems,
        }


@dataclass
class VerifyReport:
    path: Path
    signatures: list[SignatureReport]
    problems: list[str] = _field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and not self.problems and all(s.ok for s in self.signatures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "ok": self.ok,
            "signatures": [s.to_dict() for s in self.signatures],
            "problems": self.problems,
        }


def verify_ledger(path: Path | str, trust: Sequence[x509.Certificate]) -> VerifyReport:
    """Check every signature of a PDF against the trusted root certificates ``trust``."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningError(f"无法读取 {path}：{exc.strerror or exc}") from None
    roots = [asn1_x509.Certificate.load(_der(c)) for c in trust]
    context = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
    )
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        return VerifyReport(path, [], [f"文件无法解析，可能在签名后被改动或已损坏（{exc}）"])
    if not embedded:
        return VerifyReport(path, [], ["文件中没有电子签名"])
    reports = []
    for position, sig in enumerate(embedded):
        problems: list[str] = []
        try:
            with _quiet():
                status = validate_pdf_signature(sig, context)
        except (PdfError, ValueError, KeyError, TypeError) as exc:  # pyHanko's are ValueErrors
            reports.append(
                SignatureReport(
                    str(sig.field_name),
                    "",
                    "",
                    "",
                    None,
                    False,
                    False,
                    False,
                    "OTHER",
                    False,
                    [f"签名数据损坏，无法验证（{exc}）"],
                )
            )
            continue
        subject = status.signing_cert.subject.native
        level = status.modification_level.name if status.modification_level else "OTHER"
        if not status.intact:
            problems.append("签名覆盖的内容已被改动（文件在签名后被修改）")
        elif not status.valid:
            problems.append("签名值无效")
        elif not status.trusted:
            problems.append("签名证书不是由所信任的总部根证书签发（或证书已过期、不可用于签名）")
        if level not in ALLOWED_MODIFICATIONS or not status.docmdp_ok:
            problems.append(MODIFICATION_TEXT.get(level, "签名后文件被修改（不允许的修改）"))
        if position == len(embedded) - 1 and status.coverage is not None:
            if status.coverage.name not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
                problems.append("签名未覆盖整个文件：签名后文件末尾被追加了内容")
        reports.append(
            SignatureReport(
                field=str(sig.field_name),
                signer=str(subject.get("common_name", "")),
                unit=str(subject.get("organization_name", "")),
                role=str(subject.get("organizational_unit_name", "")),
                signed_at=status.signer_reported_dt,
                intact=bool(status.intact),
                valid=bool(status.valid),
                trusted=bool(status.trusted),
                modification=level,
                ok=not problems,
                problems=problems,
            )
        )
    return VerifyReport(path, reports)
