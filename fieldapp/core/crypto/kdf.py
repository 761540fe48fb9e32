"""Passphrase to key: Argon2id with a random salt and parameters calibrated on this machine.

Why Argon2id (and not PBKDF2): memory-hard, so the graphics cards and ASICs that make a bare
PBKDF2 with a few thousand iterations cheap to brute-force gain little. Why calibrated: a field
laptop and an office PC differ; what must hold is that one guess costs about half a second there.
The parameters travel with what they protect (the key file, an enrollment file), never fixed in
code, so a database made on a slow laptop still opens on a fast one and vice versa.
"""

from __future__ import annotations

import functools
import os
import time
from dataclasses import dataclass
from typing import Any

from argon2.exceptions import HashingError
from argon2.low_level import Type, hash_secret_raw

from fieldapp.core.crypto.errors import CryptoError

ALGORITHM = "argon2id"
KEY_BYTES = 32
SALT_BYTES = 16
TARGET_SECONDS = 0.5
MEMORY_KIB = 64 * 1024  # what we aim for
MIN_MEMORY_KIB = 19 * 1024  # OWASP's floor for Argon2id; never less in production
MAX_TIME_COST = 20
LIMITS = {"time_cost": (1, 64), "memory_kib": (8, 4 * 1024 * 1024), "parallelism": (1, 16)}


@dataclass(frozen=True)
class KdfCost:
    """How expensive one derivation is (without the salt: that is fresh for every use)."""

    time_cost: int
    memory_kib: int
    parallelism: int = 1


@dataclass(frozen=True)
class KdfParams:
    """Everything needed to derive the same key again: the cost and the salt."""

    cost: KdfCost
    salt: bytes

    @classmethod
    def fresh(cls, cost: KdfCost) -> KdfParams:
        return cls(cost, os.urandom(SALT_BYTES))

    def to_json(self) -> dict[str, Any]:
        return {
            "alg": ALGORITHM,
            "time_cost": self.cost.time_cost,
            "memory_kib": self.cost.memory_kib,
            "parallelism": self.cost.parallelism,
            "salt": self.salt.hex(),
        }

    @classmethod
    def from_json(cls, raw: Any) -> KdfParams:
        """Parameters read from a file; bounded, so a crafted file cannot ask for 1 TB of memory."""
        if not isinstance(raw, dict) or raw.get("alg") != ALGORITHM:
            raise CryptoError("不支持的口令密钥算法")
        values = {}
        for name, (low, high) in LIMITS.items():
            value = raw.get(name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise CryptoError(f"口令密钥参数 {name} 不正确")
            values[name] = value
        try:
            salt = bytes.fromhex(str(raw.get("salt")))
        except ValueError:
            raise CryptoError("口令密钥参数 salt 不正确") from None
        if len(salt) < SALT_BYTES:
            raise CryptoError("口令密钥参数 salt 过短")
        return cls(KdfCost(**values), salt)


def derive_key(passphrase: bytes, params: KdfParams) -> bytes:
    """The 256-bit key for ``passphrase`` under ``params`` (takes about the calibrated time)."""
    try:
        return hash_secret_raw(
            passphrase,
            params.salt,
            time_cost=params.cost.time_cost,
            memory_cost=params.cost.memory_kib,
            parallelism=params.cost.parallelism,
            hash_len=KEY_BYTES,
            type=Type.ID,
        )
    except HashingError as exc:  # e.g. not enough memory for a crafted memory cost
        raise CryptoError(f"无法计算口令密钥：{exc}") from None


@functools.cache
def calibrated_cost(target_seconds: float = TARGET_SECONDS) -> KdfCost:
    """The cost that takes about ``target_seconds`` here: 64 MiB, as many passes as fit; on a
    machine where one pass over 64 MiB is already too slow, less memory (never below 19 MiB).
    The fastest of three timings counts, so a moment of load does not weaken the key."""
    memory = MEMORY_KIB
    elapsed = min(_time_one(KdfCost(1, memory)) for _ in range(3))  # the least disturbed run
    if elapsed > target_seconds:
        memory = max(MIN_MEMORY_KIB, int(memory * target_seconds / elapsed))
        return KdfCost(1 if memory > MIN_MEMORY_KIB else 2, memory)
    passes = int(target_seconds / max(elapsed, 1e-3))
    return KdfCost(max(1, min(MAX_TIME_COST, passes)), memory)


def _time_one(cost: KdfCost) -> float:
    start = time.perf_counter()
    derive_key(b"calibration", KdfParams.fresh(cost))
    return time.perf_counter() - start
