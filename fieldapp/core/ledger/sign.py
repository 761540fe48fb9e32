"""Electronic signatures on ledgers: PAdES baseline B-B with pyHanko, offline.

- ``sign_pdf``: the 经办人 signs (a certification signature that still allows filling
  signature fields), with a visible stamp in the sign-off box recorded while the ledger was
  drawn. The same incremental update adds the empty 审核人 field for the countersignature.
- ``countersign_pdf``: a reviewer signs the empty field as a further incremental update, so
  the first signature stays valid; refused if an earlier signature is already broken.
- with ``tsa_url`` (an office that has a timestamp authority), the signature carries an
  RFC 3161 timestamp: PAdES B-T, and verification uses that time instead of the signer's clock.

Verification is in ``ledger/verify.py``.

The stamp's appearance is a small page drawn with reportlab in the ledger's own font and
imported by pyHanko, so CJK text needs no separate TrueType file for pyHanko. pyHanko is
imported only here and only when needed (about 0.6 s).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from fieldapp.core.ledger import style as st
from fieldapp.core.ledger.doc import SignatureBox
from fieldapp.core.ledger.pades import SignerIdentity, SigningError, asn1_certificates, der

if TYPE_CHECKING:
    from pyhanko.pdf_utils.content import PdfContent

TSA_TIMEOUT = 20  # seconds
ROLE_TITLES = {"staff": "经办人电子签章", "reviewer": "审核人电子签章"}
REASONS = {
    "staff": "户户清表册经办人签章：内容与系统记录一致",
    "reviewer": "户户清表册审核人会签",
}
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
        signing_cert=asn1_x509.Certificate.load(der(identity.certificate)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            asn1_certificates(identity.chain)
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
    tsa_url: str | None = None,
) -> None:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import TimestampRequestError
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
        pdf_signer = signers.PdfSigner(
            meta, signer, stamp_style=style, timestamper=_timestamper(tsa_url)
        )
        with target.open("wb") as out:
            try:
                pdf_signer.sign_pdf(writer, existing_fields_only=True, output=out)
            except TimestampRequestError as exc:
                cause = f"（{exc.__cause__}）" if exc.__cause__ else ""
                raise SigningError(f"无法从时间戳服务器 {tsa_url} 取得时间戳{cause}") from None


def _timestamper(url: str | None) -> Any:
    """pyHanko's RFC 3161 client for ``url`` (an office's timestamp authority), or None."""
    if not url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    if not url.startswith(("http://", "https://")):
        raise SigningError(f"时间戳服务器地址应以 http:// 或 https:// 开头：{url}")
    return HTTPTimeStamper(url, timeout=TSA_TIMEOUT)


def sign_pdf(
    source: Path,
    target: Path,
    identity: SignerIdentity,
    *,
    staff_box: SignatureBox,
    reviewer_box: SignatureBox | None,
    tsa_url: str | None = None,
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
        tsa_url=tsa_url,
    )


def countersign_pdf(
    source: Path, target: Path, identity: SignerIdentity, *, tsa_url: str | None = None
) -> str:
    """The reviewer signs the empty signature field; returns the field's name.

    Refused when the file has no signature yet, no empty field, or an earlier signature that
    no longer matches the file or was followed by a change the ledger does not allow
    (countersigning must not lend credibility to an altered file).
    """
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    from fieldapp.core.ledger.layout import REVIEWER_FIELD
    from fieldapp.core.ledger.verify import verify_ledger

    try:
        with source.open("rb") as inf:
            reader = PdfFileReader(inf, strict=False)
            empty = [name for name, _v, _r in enumerate_sig_fields(reader, filled_status=False)]
    except FileNotFoundError:
        raise SigningError(f"文件不存在：{source}") from None
    except (OSError, PdfError, ValueError, KeyError) as exc:
        raise SigningError(f"无法读取 {source}：{exc}") from None
    report = verify_ledger(source, identity.chain)
    for sig in report.signatures:
        if not sig.untouched:
            raise SigningError(f"原签名“{sig.field}”已失效（文件在签名后被改动），拒绝会签")
    if not report.signatures:
        raise SigningError(f"{source} 尚无经办人签章，不能会签（先用 fieldapp ledger … --sign）")
    if not empty:
        raise SigningError(f"{source} 没有空的签章位置：已经会签过，或不是户户清表册")
    name = REVIEWER_FIELD if REVIEWER_FIELD in empty else empty[0]
    _sign(source, target, identity, role="reviewer", field_name=name, tsa_url=tsa_url)
    return name
