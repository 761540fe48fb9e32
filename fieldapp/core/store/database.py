"""Opening the database file: where it is, how it is connected, and what is refused untouched.

``open_store`` checks a file before anything is written (a foreign, damaged or newer database is
left as it is), applies the migrations and hands back a ready Store; the Store itself only ever
works on an open connection.
"""

from __future__ import annotations

import os
from pathlib import Path

from fieldapp.core.forms.model import Survey
from fieldapp.core.store import driver
from fieldapp.core.store.connection import DEFAULT_WAIT, StoreDatabase, connect
from fieldapp.core.store.encryption import ENCRYPTED, PLAINTEXT, DatabaseKey, database_state
from fieldapp.core.store.errors import NewerDatabaseError, StoreError, UpgradeNeeded
from fieldapp.core.store.migrations import MIGRATION_SET, known_migration_names, migrations
from fieldapp.core.store.store import Store
from fieldapp.core.values.regions import RegionTable


def _explain_sqlite_error(path: Path, exc: driver.Error, key: DatabaseKey | None) -> StoreError:
    text = str(exc).lower()
    if "not a database" in text and key is not None and database_state(path) == ENCRYPTED:
        return StoreError(
            f"数据库 {path} 无法用其密钥文件解开：密钥文件不属于这个数据库，或数据库已损坏。"
            "程序未作任何修改；请从备份恢复数据库及其 .keys 文件。"
        )
    if "not a database" in text and key is None and database_state(path) == ENCRYPTED:
        return StoreError(f"数据库 {path} 已加密，需要口令才能打开。")
    if "locked" in text or "busy" in text:
        return StoreError(f"数据库 {path} 正被另一个程序使用，请关闭其他户户清窗口后重试。({exc})")
    if "not a database" in text or "malformed" in text or "encrypted" in text:
        return StoreError(
            f"数据库文件 {path} 已损坏或不是户户清数据库，程序未作任何修改。"
            f"请从备份恢复或联系上级工会。({exc})"
        )
    if "unable to open" in text or "readonly" in text:
        return StoreError(f"无法打开数据库 {path}：没有权限或目录不存在。({exc})")
    return StoreError(f"无法打开数据库 {path}：{exc}")


def open_store(
    path: Path | str,
    *,
    key: DatabaseKey | None,
    survey: Survey | None = None,
    regions: RegionTable | None = None,
    create: bool = True,
    readonly: bool = False,
    wait: float = DEFAULT_WAIT,
) -> Store:
    """Open (and create or upgrade) the store; refuse newer, foreign or damaged files untouched.

    ``key``: the unlocked database key (``encryption.unlock`` / ``create_key``); required, so no
    caller forgets it. ``None`` opens (or creates) a plaintext file: only the conversion of an
    old database, the benchmark's plaintext floor and tests of plaintext files do that.
    ``readonly``: connect with ``mode=ro`` — nothing is created, upgraded or written, and closing
    never checkpoints or deletes the WAL; a database that needs upgrading is refused
    (``UpgradeNeeded``). ``wait``: seconds a write waits while another program writes.
    """
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"{path} 是一个目录，请指定数据库文件")
    if not path.exists() and (readonly or not create):
        raise StoreError(f"数据库 {path} 不存在")
    if key is not None and database_state(path) == PLAINTEXT:
        raise StoreError(f"数据库 {path} 尚未加密：请先转换（启动户户清或任一命令会自动转换）。")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = connect(path, key=key, readonly=readonly, wait=wait)
        pending = check_schema(db, path)
        if readonly:
            if pending:
                raise UpgradeNeeded(
                    f"数据库 {path} 需要升级结构，只读打开时不能升级；请先以可写方式打开一次。"
                )
            return Store(db, path, survey=survey, regions=regions)
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode = WAL")
        migrations.apply(db)
        store = Store(db, path, survey=survey, regions=regions)
        store._initialise()
        return store
    except driver.Error as exc:
        raise _explain_sqlite_error(path, exc, key) from exc


def check_schema(db: StoreDatabase, path: Path) -> bool:
    """Refuse a foreign or newer database; whether migrations are still to be applied."""
    tables = set(db.table_names())
    if tables and "_sqlite_migrations" not in tables:
        raise StoreError(f"{path} 不是户户清数据库（包含其他程序的数据），程序未作任何修改。")
    applied = (
        {
            row["name"]
            for row in db.query(
                "select name from _sqlite_migrations where migration_set = ?", [MIGRATION_SET]
            )
        }
        if tables
        else set()
    )
    known = set(known_migration_names())
    unknown = applied - known
    if unknown:
        raise NewerDatabaseError(
            f"数据库 {path} 由更新版本的户户清写入（结构 {', '.join(sorted(unknown))}），"
            "本版本无法安全打开，也未作任何修改。请先升级户户清软件。"
        )
    if tables and not applied:
        raise StoreError(f"{path} 不是户户清数据库，程序未作任何修改。")
    return bool(known - applied)


def reopen(store: Store) -> Store:
    """Another connection to the same file in the same mode (for work in another thread)."""
    if store.path is None:
        raise StoreError("内存数据库不能重新打开")
    return open_store(
        store.path,
        key=store.key,
        survey=store.survey,
        regions=store.regions,
        create=False,
        readonly=store.readonly,
        wait=store.wait,
    )


def default_db_path() -> Path:
    """--db, else $FIELDAPP_DB, else a file in the user's data directory."""
    env = os.environ.get("FIELDAPP_DB")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("fieldapp", appauthor=False)) / "huhuqing.db"
