"""Who signs the steps taken in this window: the database's own identity, unlocked once.

Why: every step of a procedure is signed with its author's key (``fieldapp.core.procedures``),
and a reviewer going through a dozen cases must not type the passphrase a dozen times. The name
and role come from the certificate, so the 待办 list shows without a passphrase; the private key
is unlocked at the first decision and kept in memory only, for as long as the window is open.
"""

from __future__ import annotations

import weakref

from PySide6.QtWidgets import QWidget

from fieldapp.core.procedures import default_procedures
from fieldapp.core.store.store import Store
from fieldapp.core.trust import identity
from fieldapp.core.trust.certificates import IdentityError, SigningIdentity, StaffInfo
from fieldapp.ui.dialogs import show_error
from fieldapp.ui.sync_actions import ask_passphrase

NO_IDENTITY = (
    "本机尚未登记身份，不能签名办理。笔记本请先登记本机（菜单“数据包 → 设备登记…”）；"
    "总部数据库请先设置总部身份（fieldapp hq init）。"
)
_sessions: weakref.WeakKeyDictionary[Store, SigningSession] = weakref.WeakKeyDictionary()
WRONG_PASSPHRASE = "口令不正确，未能解锁签名私钥。请重新输入（区分大小写）。"


class SigningSession:
    """This database's identity: who it is (no passphrase) and, once unlocked, its signing key."""

    def __init__(self, store: Store) -> None:
        self._store = weakref.ref(store)  # the registry below must not keep a closed store alive
        self._signer: SigningIdentity | None = None

    @property
    def store(self) -> Store:
        store = self._store()
        assert store is not None, "the session outlived its store"
        return store

    @classmethod
    def of(cls, store: Store) -> SigningSession:
        """The one session of an open store: the 待办 view and every editor share its unlock."""
        session = _sessions.get(store)
        if session is None:
            session = _sessions[store] = cls(store)
        return session

    def staff(self) -> StaffInfo | None:
        """The certificate's person (name, unit, role); None when the database has no identity."""
        try:
            return identity.staff_info(identity.own_certificate(self.store))
        except IdentityError:
            return None

    @property
    def role(self) -> str | None:
        staff = self.staff()
        return staff.role if staff else None

    def describe(self) -> str:
        """办理人：王审核（五华区总工会，基层工会审核人）, or why nobody can sign here."""
        staff = self.staff()
        if staff is None:
            return "本机尚未登记身份：只能查看，不能办理（数据包 → 设备登记…）"
        role = default_procedures().role_name(staff.role)
        return f"办理人：{staff.name}（{staff.unit}，{role}）"

    @property
    def unlocked(self) -> bool:
        return self._signer is not None

    def unlock(self, parent: QWidget) -> SigningIdentity | None:
        """The signing identity, asking for the passphrase the first time (None: not given)."""
        if self._signer is not None:
            return self._signer
        if self.staff() is None:
            show_error(parent, "不能办理", NO_IDENTITY)
            return None
        while True:
            secret = ask_passphrase(parent)
            if secret is None:
                return None
            try:
                self._signer = identity.signing_identity(self.store, secret)
            except IdentityError:
                show_error(parent, "口令不正确", WRONG_PASSPHRASE)
                continue
            return self._signer

    def lock(self) -> None:
        """Forget the unlocked key (the next decision asks for the passphrase again)."""
        self._signer = None
