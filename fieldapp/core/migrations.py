"""Schema of the local store, created and upgraded with sqlite-utils' Migrations.

Each schema change is a new decorated function appended at the end; never edit one that shipped.
A database that has applied a migration this list does not know was written by a newer version of
the app and is refused (see store.open_store), so an old laptop never damages newer data.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATION_SET = "fieldapp"
migrations = Migrations(MIGRATION_SET)

APPEND_ONLY_TABLES = ("revisions", "audit", "status_changes", "dibao_standards")


@migrations()
def m001_initial(db: Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("households").create(
        {
            "id": str,
            "archive_no": str,
            "name": str,
            "id_number": str,
            "region_code": str,
            "category": str,
            "phone": str,
            "worker_no": str,
            "status": str,
            "clears": str,
            "final_forms": str,
            "search_text": str,
            "created_at": str,
            "created_by": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"id", "status", "created_at", "updated_at"},
    )
    db.table("households").create_index(["archive_no"])
    db.table("households").create_index(["id_number"])
    db.table("households").create_index(["region_code"])
    db.table("households").create_index(["status"])
    db.table("households").create_index(["updated_at"])
    db.table("revisions").create(
        {
            "id": str,
            "household_id": str,
            "form_id": str,
            "form_version": str,
            "state": str,
            "data": str,
            "created_at": str,
            "author": str,
            "device_id": str,
            "device_seq": int,
            "parent_id": str,
        },
        pk="id",
        not_null={"id", "household_id", "form_id", "state", "data", "created_at"},
        foreign_keys=[("household_id", "households", "id")],
    )
    db.table("revisions").create_index(["household_id", "form_id"])
    db.table("status_changes").create(
        {
            "id": str,
            "household_id": str,
            "status": str,
            "reason": str,
            "changed_at": str,
            "author": str,
        },
        pk="id",
        foreign_keys=[("household_id", "households", "id")],
    )
    db.table("status_changes").create_index(["household_id"])
    db.table("audit").create(
        {
            "seq": int,
            "id": str,
            "at": str,
            "actor": str,
            "device_id": str,
            "action": str,
            "household_id": str,
            "form_id": str,
            "revision_id": str,
            "detail": str,
        },
        pk="seq",
    )
    db.table("audit").create_index(["household_id"])
    db.table("attachments").create(
        {
            "sha256": str,
            "name": str,
            "mime": str,
            "size": int,
            "data": bytes,
            "added_at": str,
            "added_by": str,
        },
        pk="sha256",
    )
    db.table("dibao_standards").create(
        {
            "id": str,
            "county_code": str,
            "effective_from": str,
            "amount_fen": int,
            "source": str,
            "entered_at": str,
            "entered_by": str,
        },
        pk="id",
        not_null={"county_code", "effective_from", "amount_fen"},
    )
    db.table("dibao_standards").create_index(["county_code", "effective_from"])
    for table in APPEND_ONLY_TABLES:
        for verb in ("UPDATE", "DELETE"):
            db.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )



@migrations()
def m002_identity(db: Database) -> None:
    """Keys and certificates (fieldapp.core.identity): ``keys`` on every store, ``devices`` at HQ.

    ``keys`` is append-only: the newest row of a purpose is in force, older rows stay as history.
    A ``devices`` row may only change once, from not revoked to revoked; it is never deleted.
    """
    db.table("keys").create(
        {
            "seq": int,
            "purpose": str,
            "kind": str,
            "pem": str,
            "fingerprint": str,
            "created_at": str,
            "created_by": str,
        },
        pk="seq",
        not_null={"purpose", "kind", "pem", "created_at"},
    )
    db.table("keys").create_index(["purpose"])
    db.table("devices").create(
        {
            "device_id": str,
            "name": str,
            "unit": str,
            "role": str,
            "cert_fingerprint": str,
            "certificate": str,
            "receive_public_key": str,
            "enrolled_at": str,
            "enrolled_by": str,
            "revoked_at": str,
            "revoked_by": str,
            "revoke_reason": str,
        },
        pk="device_id",
        not_null={"device_id", "name", "unit", "role", "cert_fingerprint", "certificate"},
    )
    db.table("devices").create_index(["cert_fingerprint"], unique=True)
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER keys_no_{verb.lower()} BEFORE {verb} ON keys "
            "BEGIN SELECT RAISE(ABORT, 'keys is append-only'); END"
        )
    db.execute(
        "CREATE TRIGGER devices_no_delete BEFORE DELETE ON devices "
        "BEGIN SELECT RAISE(ABORT, 'devices are never deleted (revoke instead)'); END"
    )
    db.execute(
        "CREATE TRIGGER devices_revoke_only BEFORE UPDATE ON devices WHEN "
        "OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL "
        "OR NEW.device_id IS NOT OLD.device_id OR NEW.name IS NOT OLD.name "
        "OR NEW.unit IS NOT OLD.unit OR NEW.role IS NOT OLD.role "
        "OR NEW.cert_fingerprint IS NOT OLD.cert_fingerprint "
        "OR NEW.certificate IS NOT OLD.certificate "
        "OR NEW.receive_public_key IS NOT OLD.receive_public_key "
        "OR NEW.enrolled_at IS NOT OLD.enrolled_at OR NEW.enrolled_by IS NOT OLD.enrolled_by "
        "BEGIN SELECT RAISE(ABORT, 'a device can only be revoked, once'); END"
    )


def known_migration_names() -> list[str]:
    """Every migration this version of the app knows, in order."""
    return [m.name for m in migrations.pending(Database(memory=True))]
