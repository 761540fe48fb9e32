"""The ``.hhq`` bundle file: container layout, encryption, key wrapping and signature.

Layout (all integers big-endian; see docs/bundle-format.md)::

    magic        8 bytes   89 48 48 51 0D 0A 1A 0A   ("\\x89HHQ\\r\\n\\x1a\\n")
    manifest_len 4 bytes   ≤ 1 MiB
    manifest     UTF-8 JSON (no household data)
    payload_len  8 bytes
    payload      AES-256-GCM ciphertext of the zlib-compressed JSON-lines records, 16-byte tag last
    sig_len      2 bytes   ≤ 256
    signature    ECDSA P-256 / SHA-256 (DER) over every byte from the magic to the end of payload

The payload key is 32 random bytes, fresh per bundle, with a random 96-bit nonce. It is wrapped
for the recipient with X25519: an ephemeral key pair per bundle, HKDF-SHA256 (random 32-byte salt)
over the shared secret gives a key-encryption key, which seals the payload key with AES-256-GCM
(random nonce). Nothing is fixed: no keys, salts or nonces are constants.

Everything streams: neither writing nor reading holds the payload in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
import zlib
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from fieldapp.core.crypto import recipient_seal
from fieldapp.core.crypto.errors import CryptoError, Malformed
from fieldapp.core.crypto.recipient_seal import WRAP_ALG, b64
from fieldapp.core.store.errors import StoreError
from fieldapp.core.sync.limits import (
    MAX_ATTACHMENT_RECORD_BYTES,
    MAX_ROWS,
    payload_allowance,
)
from fieldapp.core.values.documents import parse_json
from fieldapp.core.values.limits import BUNDLE_MAX_BYTES, size_text

MAGIC = b"\x89HHQ\r\n\x1a\n"
FORMAT_NAME = "huhuqing-bundle"
FORMAT_VERSION = 1
MAX_MANIFEST = 1 << 20
MAX_SIGNATURE = 256
CHUNK = 1 << 20
COMPRESSION = 6
TAG_BYTES = 16
PAYLOAD_ALG = "A256GCM"
PAYLOAD_ENCODING = "jsonl+zlib"


class BundleError(StoreError):
    """A bundle refused: the Chinese message names the reason; nothing was changed."""


def unb64(text: Any, what: str, size: int | None = None) -> bytes:
    try:
        return recipient_seal.unb64(text, what, size)
    except Malformed as exc:
        raise BundleError(f"数据包清单中的 {exc}") from None


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _aad(bundle_id: str) -> bytes:
    return f"{FORMAT_NAME}/{FORMAT_VERSION}/{bundle_id}".encode()


_WRAP_LABEL = f"{FORMAT_NAME}/{FORMAT_VERSION} key-wrap".encode()


def wrap_key(key: bytes, recipient: x25519.X25519PublicKey, bundle_id: str) -> dict[str, str]:
    return recipient_seal.seal_for(key, recipient, label=_WRAP_LABEL, aad=_aad(bundle_id))


def recipient_matches(wrap: dict[str, Any], key: x25519.X25519PublicKey) -> bool:
    return recipient_seal.sealed_for(wrap, key)


def unwrap_key(wrap: dict[str, Any], private: x25519.X25519PrivateKey, bundle_id: str) -> bytes:
    if wrap.get("alg") != WRAP_ALG:
        raise BundleError(f"不支持的密钥封装算法“{wrap.get('alg')}”")
    try:
        return recipient_seal.open_sealed(wrap, private, label=_WRAP_LABEL, aad=_aad(bundle_id))
    except Malformed as exc:
        raise BundleError(f"数据包清单中的 {exc}") from None
    except CryptoError:
        raise BundleError("无法解开数据包密钥：数据包不是加密给本机的，或已被改动") from None


# -- writing -------------------------------------------------------------------------------------


def write_bundle(
    out: Path,
    manifest: dict[str, Any],
    records: Iterable[dict[str, Any] | bytes],
    *,
    recipient: x25519.X25519PublicKey,
    signer: ec.EllipticCurvePrivateKey,
) -> dict[str, Any]:
    """Encrypt ``records`` for ``recipient``, sign, and write ``out`` atomically.

    ``manifest`` must hold ``bundle_id``; this adds ``payload`` and ``key_wrap`` and returns the
    final manifest. It is encoded only after every record is written, so values the records fill
    in as they go (the counts) are complete. A record is a JSON object or an encoded line.
    """
    bundle_id = str(manifest["bundle_id"])
    key, nonce = os.urandom(32), os.urandom(12)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_payload = tempfile.NamedTemporaryFile(dir=out.parent, prefix=".hhq-", delete=False)
    part = out.with_name(out.name + ".part")
    try:
        with tmp_payload as fh:
            size, digest = _encrypt_records(fh, records, key, nonce, bundle_id)
        manifest = {
            **manifest,
            "payload": {
                "encoding": PAYLOAD_ENCODING,
                "cipher": PAYLOAD_ALG,
                "nonce": b64(nonce),
                "size": size,
                "sha256": digest,
            },
            "key_wrap": wrap_key(key, recipient, bundle_id),
        }
        manifest_bytes = canonical_json(manifest)
        if len(manifest_bytes) > MAX_MANIFEST:
            raise BundleError("数据包清单过大")
        signed = hashlib.sha256()
        with open(part, "wb") as dst, open(tmp_payload.name, "rb") as src:
            head = MAGIC + struct.pack(">I", len(manifest_bytes)) + manifest_bytes
            head += struct.pack(">Q", size)
            dst.write(head)
            signed.update(head)
            while chunk := src.read(CHUNK):
                dst.write(chunk)
                signed.update(chunk)
            signature = signer.sign(signed.digest(), ec.ECDSA(utils.Prehashed(hashes.SHA256())))
            dst.write(struct.pack(">H", len(signature)) + signature)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(part, out)
    finally:
        Path(tmp_payload.name).unlink(missing_ok=True)
        part.unlink(missing_ok=True)
    return manifest


def _encrypt_records(
    fh: IO[bytes],
    records: Iterable[dict[str, Any] | bytes],
    key: bytes,
    nonce: bytes,
    bundle_id: str,
) -> tuple[int, str]:
    encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(_aad(bundle_id))
    compressor = zlib.compressobj(COMPRESSION)
    digest = hashlib.sha256()
    size = 0
    buffer: list[bytes] = []
    pending = 0

    def emit(data: bytes) -> None:
        nonlocal size
        if data:
            fh.write(data)
            digest.update(data)
            size += len(data)

    for record in records:
        if isinstance(record, bytes):
            line = record + b"\n"
        else:
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        buffer.append(line)
        pending += len(line)
        if pending >= CHUNK:
            emit(encryptor.update(compressor.compress(b"".join(buffer))))
            buffer.clear()
            pending = 0
    emit(encryptor.update(compressor.compress(b"".join(buffer)) + compressor.flush()))
    emit(encryptor.finalize())
    emit(encryptor.tag)
    return size, digest.hexdigest()


# -- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Envelope:
    """A bundle file whose structure has been checked (nothing verified or decrypted yet)."""

    path: Path
    manifest: dict[str, Any]
    payload_offset: int
    payload_size: int
    signature: bytes
    file_size: int


def read_envelope(path: Path) -> Envelope:
    """Check the container's structure and parse the manifest (format and version included)."""
    try:
        size = path.stat().st_size
        if size > BUNDLE_MAX_BYTES:
            raise BundleError(
                f"{path.name} 过大（{size_text(size)}），数据包最多 {size_text(BUNDLE_MAX_BYTES)}；"
                "请分几次导出（fieldapp bundle export 只导出上次以来的数据）"
            )
        with open(path, "rb") as fh:
            head = fh.read(len(MAGIC) + 4)
            if len(head) < len(MAGIC) or head[: len(MAGIC)] != MAGIC:
                raise BundleError(f"{path.name} 不是户户清数据包（文件头不符）")
            if len(head) < len(MAGIC) + 4:
                raise BundleError(f"{path.name} 不完整（文件被截断）")
            (mlen,) = struct.unpack(">I", head[len(MAGIC) :])
            if mlen > MAX_MANIFEST:
                raise BundleError(f"{path.name} 已损坏（清单长度不合理）")
            manifest_bytes = fh.read(mlen)
            if len(manifest_bytes) < mlen:
                raise BundleError(f"{path.name} 不完整（文件被截断）")
            manifest = _parse_manifest(manifest_bytes, path)
            plen_raw = fh.read(8)
            if len(plen_raw) < 8:
                raise BundleError(f"{path.name} 不完整（文件被截断）")
            (plen,) = struct.unpack(">Q", plen_raw)
            offset = len(MAGIC) + 4 + mlen + 8
            if offset + plen + 2 > size:
                raise BundleError(f"{path.name} 不完整（文件被截断）")
            fh.seek(offset + plen)
            slen_raw = fh.read(2)
            (slen,) = struct.unpack(">H", slen_raw)
            if slen > MAX_SIGNATURE or slen == 0:
                raise BundleError(f"{path.name} 已损坏（签名长度不合理）")
            signature = fh.read(slen)
            if len(signature) < slen:
                raise BundleError(f"{path.name} 不完整（文件被截断）")
            if fh.read(1):
                raise BundleError(f"{path.name} 已损坏（签名之后还有多余内容）")
    except FileNotFoundError:
        raise BundleError(f"文件不存在：{path}") from None
    except IsADirectoryError:
        raise BundleError(f"{path} 是目录，不是数据包") from None
    except OSError as exc:
        raise BundleError(f"无法读取 {path}：{exc.strerror}") from None
    if plen < TAG_BYTES:
        raise BundleError(f"{path.name} 已损坏（载荷过短）")
    return Envelope(path, manifest, offset, plen, signature, size)


def _parse_manifest(data: bytes, path: Path) -> dict[str, Any]:
    try:
        manifest = parse_json(data, "清单", max_bytes=MAX_MANIFEST)
    except (ValueError, RecursionError):
        raise BundleError(f"{path.name} 已损坏或被改动（清单无法读取）") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise BundleError(f"{path.name} 不是户户清数据包（清单格式不符）")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BundleError(f"{path.name} 已损坏或被改动（格式版本不正确）")
    if version > FORMAT_VERSION:
        raise BundleError(
            f"{path.name} 由更新版本的户户清生成（数据包格式 {version}，本软件支持到 "
            f"{FORMAT_VERSION}），请先升级户户清软件"
        )
    return manifest


def verify_signature(env: Envelope, public_key: ec.EllipticCurvePublicKey) -> None:
    """Check the signature over the whole file and the payload hash named in the manifest."""
    signed = hashlib.sha256()
    payload = hashlib.sha256()
    with open(env.path, "rb") as fh:
        head = fh.read(env.payload_offset)
        signed.update(head)
        remaining = env.payload_size
        while remaining:
            chunk = fh.read(min(CHUNK, remaining))
            if not chunk:
                raise BundleError(f"{env.path.name} 不完整（文件被截断）")
            signed.update(chunk)
            payload.update(chunk)
            remaining -= len(chunk)
    try:
        public_key.verify(
            env.signature, signed.digest(), ec.ECDSA(utils.Prehashed(hashes.SHA256()))
        )
    except InvalidSignature:
        raise BundleError(
            f"{env.path.name} 的签名不符：文件在签名后被改动或已损坏，拒绝导入"
        ) from None
    info = env.manifest.get("payload")
    if not isinstance(info, dict) or info.get("sha256") != payload.hexdigest():
        raise BundleError(f"{env.path.name} 的载荷摘要与清单不符：文件被改动或已损坏")
    if info.get("size") != env.payload_size:
        raise BundleError(f"{env.path.name} 的载荷长度与清单不符")


def read_lines(env: Envelope, key: bytes) -> Generator[bytes, None, None]:
    """Decrypt and decompress the payload, yielding its lines (each a record: ``sync.lines``).

    The GCM tag is checked when the stream ends; a failure raises BundleError then, so callers
    apply records inside a transaction they roll back on any error.
    """
    info = env.manifest.get("payload")
    if not isinstance(info, dict) or info.get("cipher") != PAYLOAD_ALG:
        raise BundleError("不支持的载荷加密方式")
    if info.get("encoding") != PAYLOAD_ENCODING:
        raise BundleError("不支持的载荷编码")
    nonce = unb64(info.get("nonce"), "nonce", 12)
    bundle_id = str(env.manifest.get("bundle_id"))
    pending = bytearray()
    budget = _Budget(env.path.name, payload_allowance(env.payload_size))
    with open(env.path, "rb") as fh:
        fh.seek(env.payload_offset + env.payload_size - TAG_BYTES)
        tag = fh.read(TAG_BYTES)
        fh.seek(env.payload_offset)
        decryptor = Cipher(algorithms.AES(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(_aad(bundle_id))
        inflater = zlib.decompressobj()
        remaining = env.payload_size - TAG_BYTES
        try:
            while remaining:
                chunk = fh.read(min(CHUNK, remaining))
                if not chunk:
                    raise BundleError(f"{env.path.name} 不完整（文件被截断）")
                remaining -= len(chunk)
                data = decryptor.update(chunk)
                while data:
                    plain = inflater.decompress(data, 2 * CHUNK)
                    budget.take(len(plain))
                    pending += plain
                    data = inflater.unconsumed_tail
                    yield from _complete_lines(pending, budget)
            decryptor.finalize()
            plain = inflater.flush()
            budget.take(len(plain))
            pending += plain
            yield from _complete_lines(pending, budget)
            if not inflater.eof or inflater.unused_data:
                raise BundleError(f"{env.path.name} 的载荷压缩数据不完整")
        except InvalidTag:
            raise BundleError(f"{env.path.name} 的载荷校验失败：文件被改动或已损坏") from None
        except zlib.error:
            raise BundleError(f"{env.path.name} 的载荷无法解压：文件被改动或已损坏") from None
    if pending:
        raise BundleError("载荷最后一行不完整")


class _Budget:
    """What the payload may still decompress to, and how many records it may still hold."""

    def __init__(self, name: str, allowance: int) -> None:
        self.name = name
        self.left = allowance
        self.allowance = allowance
        self.rows = 0

    def take(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise BundleError(
                f"{self.name} 的载荷解压后超过 {self.allowance:,} 字节（压缩炸弹或已损坏），拒绝导入"
            )

    def row(self) -> None:
        self.rows += 1
        if self.rows > MAX_ROWS:
            raise BundleError(f"{self.name} 的记录超过 {MAX_ROWS:,} 条，拒绝导入")


def _complete_lines(pending: bytearray, budget: _Budget) -> Iterator[bytes]:
    """Yield every complete line of ``pending`` and keep the unfinished tail. A line may be at most
    ``MAX_ATTACHMENT_RECORD_BYTES`` long (other records' cap is checked when they are read)."""
    end = pending.rfind(b"\n")
    if end < 0:
        if len(pending) > MAX_ATTACHMENT_RECORD_BYTES:
            raise BundleError("载荷中有过长的记录")
        return
    complete = bytes(pending[:end])
    del pending[: end + 1]
    for line in complete.split(b"\n"):
        if len(line) > MAX_ATTACHMENT_RECORD_BYTES:
            raise BundleError("载荷中有过长的记录")
        budget.row()
        yield line
