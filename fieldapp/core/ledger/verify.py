"""Checking a signed ledger: every signature, everything changed after it, and revocations.

For each signature ``verify_ledger`` reports whether the signed bytes are intact, the signature
valid, who signed, when (the trusted timestamp if there is one, else the signer's own clock),
whether the certificate chains to the trusted headquarters CA, whether headquarters has revoked
it, and — named, from ``ledger/changes.py`` — what was changed after it. pyHanko's difference
analysis runs with the strict policy of ``ledger/policy.py``; a signature passes only if both it
and the named changes allow nothing but validation information and the countersignature, and no
bytes follow the last ``%%EOF``.

A signature by a revoked certificate made after the revocation time fails; made before it, it
passes with a note (without a timestamp the time comes from the signer's computer, and the note
says so: it cannot rule out a back-dated clock).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from fieldapp.core.ledger import style as st
from fieldapp.core.ledger.pades import SigningError, asn1_certificates, quiet
from fieldapp.core.trust.revocation import RevocationList

ALLOWED_MODIFICATIONS = ("NONE", "LTA_UPDATES", "FORM_FILLING")
TIME_SOURCES = {"timestamp": "可信时间戳", "signer": "签名人电脑时间，无可信时间戳"}


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
    changes: list[Any] = _field(default_factory=list)  # ledger.changes.Change, after this one
    notes: list[str] = _field(default_factory=list)
    time_source: str = "signer"
    revoked_at: datetime | None = None
    untouched: bool = False  # intact, valid, and nothing but allowed updates after it

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "signer": self.signer,
            "unit": self.unit,
            "role": self.role,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "time_source": self.time_source,
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "modification": self.modification,
            "changes": [c.to_dict() for c in self.changes],
            "ok": self.ok,
            "problems": self.problems,
            "notes": self.notes,
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


def local_time(moment: datetime) -> str:
    local = moment.astimezone()
    return f"{st.chinese_date(local)} {local:%H:%M:%S}"


def _context(roots: Sequence[x509.Certificate]) -> Any:
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=asn1_certificates(list(roots)),
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


def verify_ledger(
    path: Path | str,
    trust: Sequence[x509.Certificate],
    *,
    revocations: RevocationList | None = None,
    timestamp_trust: Sequence[x509.Certificate] = (),
) -> VerifyReport:
    """Check every signature of a PDF against the trusted roots ``trust``.

    ``revocations``: what headquarters revoked; ``timestamp_trust``: roots of timestamp
    authorities (a timestamp that does not chain to one is noted and not used).
    """
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    from fieldapp.core.ledger.changes import Change, appended_bytes, revision_changes

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningError(f"无法读取 {path}：{exc.strerror or exc}") from None
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_regular_signatures)
        if not embedded:
            return VerifyReport(path, [], ["文件中没有电子签名"])
        by_revision = revision_changes(reader, min(sig.signed_revision for sig in embedded))
        extra = appended_bytes(data, reader)
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        return VerifyReport(path, [], [f"文件无法解析，可能在签名后被改动或已损坏（{exc}）"])
    trailing = (
        [Change("appended", reader.xrefs.total_revisions, f"文件末尾被追加了 {extra} 字节")]
        if extra
        else []
    )
    # timestamps chain to a timestamp authority, never to the headquarters CA
    checker = _Checker(_context(trust), _context(timestamp_trust), revocations)
    reports = []
    for sig in embedded:
        after = [
            c for rev, found in by_revision.items() if rev > sig.signed_revision for c in found
        ]
        reports.append(checker.check(sig, after + trailing))
    return VerifyReport(path, reports)


class _Checker:
    def __init__(self, context: Any, ts_context: Any, revocations: RevocationList | None) -> None:
        from fieldapp.core.ledger.policy import strict_policy

        self.context = context
        self.ts_context = ts_context
        self.revocations = revocations
        self.policy = strict_policy()

    def check(self, sig: Any, changes: list[Any]) -> SignatureReport:
        from pyhanko.pdf_utils.misc import PdfError
        from pyhanko.sign.validation import validate_pdf_signature

        try:
            with quiet():
                status = validate_pdf_signature(
                    sig,
                    signer_validation_context=self.context,
                    ts_validation_context=self.ts_context,
                    diff_policy=self.policy,
                )
        except (PdfError, ValueError, KeyError, TypeError) as exc:  # pyHanko's are ValueErrors
            return SignatureReport(
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
                changes,
            )
        subject = status.signing_cert.subject.native
        level = status.modification_level.name if status.modification_level else "OTHER"
        report = SignatureReport(
            field=str(sig.field_name),
            signer=str(subject.get("common_name", "")),
            unit=str(subject.get("organization_name", "")),
            role=str(subject.get("organizational_unit_name", "")),
            signed_at=status.signer_reported_dt,
            intact=bool(status.intact),
            valid=bool(status.valid),
            trusted=bool(status.trusted),
            modification=level,
            ok=False,
            changes=changes,
        )
        problems = report.problems
        if not status.intact:
            problems.append("签名覆盖的内容已被改动（文件在签名后被修改）")
        elif not status.valid:
            problems.append("签名值无效")
        elif not status.trusted:
            problems.append("签名证书不是由所信任的总部根证书签发（或证书已过期、不可用于签名）")
        forbidden = [c for c in changes if not c.allowed]
        problems += [f"签名后被修改：{c.detail}" for c in forbidden]
        policy_ok = level in ALLOWED_MODIFICATIONS and bool(status.docmdp_ok)
        if not forbidden and not policy_ok:
            problems.append(f"签名后文件结构被修改（不允许的修改：{_diff_detail(status)}）")
        report.untouched = bool(status.intact and status.valid) and policy_ok and not forbidden
        self._timestamp(status, report)
        self._revocation(status, report)
        report.ok = not problems
        return report

    def _timestamp(self, status: Any, report: SignatureReport) -> None:
        stamp = status.timestamp_validity
        if stamp is None:
            return
        if not (stamp.intact and stamp.valid):
            report.problems.append("签名时间戳无效（与签名不符或已损坏）")
        elif not stamp.trusted:
            report.notes.append(
                "签名带有时间戳，但时间戳机构的证书不受信任（可用 --tsa-trust 指定），"
                "签名时间按签名人电脑时间"
            )
        else:
            report.signed_at = stamp.timestamp
            report.time_source = "timestamp"

    def _revocation(self, status: Any, report: SignatureReport) -> None:
        if self.revocations is None:
            return
        cert = x509.load_der_x509_certificate(status.signing_cert.dump())
        revoked = self.revocations.lookup(cert)
        if revoked is None:
            return
        report.revoked_at = revoked.revoked_at
        when = local_time(revoked.revoked_at)
        reason = f"，原因：{revoked.reason}" if revoked.reason else ""
        # signing times have whole seconds: one in the revocation's second counts as after it
        cutoff = revoked.revoked_at.replace(microsecond=0)
        if report.signed_at is None or report.signed_at >= cutoff:
            report.problems.append(f"签名人证书已于 {when} 吊销{reason}；签名时间在吊销之后")
            return
        caveat = (
            "（签名时间来自签名人电脑，没有可信时间戳，无法排除把电脑时间调早后签名）"
            if report.time_source != "timestamp"
            else ""
        )
        report.notes.append(f"签名人证书已于 {when} 吊销{reason}；签名早于吊销，仍然有效{caveat}")


def _diff_detail(status: Any) -> str:
    result = getattr(status, "diff_result", None)
    text = str(result) if isinstance(result, Exception) else ""
    return text.splitlines()[0][:200] if text else status.modification_level.name
