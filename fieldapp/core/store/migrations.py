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


def append_only(db: Database, *tables: str) -> None:
    """Triggers that refuse UPDATE and DELETE: what is written to these tables is kept forever.
    (The same SQL every migration wrote before; a function so each new table is one line.)"""
    for table in tables:
        for verb in ("UPDATE", "DELETE"):
            db.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


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
    append_only(db, *APPEND_ONLY_TABLES)


@migrations()
def m002_identity(db: Database) -> None:
    """Keys and certificates (fieldapp.core.trust.identity): ``keys`` on every store, ``devices`` at HQ.

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
    append_only(db, "keys")
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


@migrations()
def m003_sync(db: Database) -> None:
    """Sync bundles (fieldapp.core.sync.bundle): version clocks, held revisions, conflicts, bundle log.

    ``revisions`` stays the line of current data (its newest row per household and form is the
    current version, as before). Received revisions that are not current here are kept, never
    dropped, in ``held_revisions``: late ancestors (``stale``) and concurrent edits (``conflict``,
    with a row in ``conflicts``).
    """
    db.table("revision_clocks").create(
        {"revision_id": str, "clock": str, "merged_from": str}, pk="revision_id"
    )
    db.table("held_revisions").create(
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
            "clock": str,
            "merged_from": str,
            "reason": str,
            "held_at": str,
            "bundle_id": str,
        },
        pk="id",
        not_null={"id", "household_id", "form_id", "state", "data", "clock", "reason"},
    )
    db.table("held_revisions").create_index(["household_id", "form_id"])
    db.table("conflicts").create(
        {
            "id": str,
            "household_id": str,
            "form_id": str,
            "current_id": str,
            "incoming_id": str,
            "bundle_id": str,
            "detected_at": str,
            "status": str,
            "resolved_at": str,
            "resolved_by": str,
            "resolution_id": str,
            "note": str,
        },
        pk="id",
        not_null={"id", "household_id", "form_id", "current_id", "incoming_id", "status"},
    )
    db.table("conflicts").create_index(["household_id", "form_id"])
    db.table("conflicts").create_index(["status"])
    db.table("bundle_log").create(
        {
            "seq": int,
            "bundle_id": str,
            "direction": str,
            "kind": str,
            "at": str,
            "actor": str,
            "peer": str,
            "device_id": str,
            "file_sha256": str,
            "full": int,
            "marks": str,
            "counts": str,
        },
        pk="seq",
        not_null={"bundle_id", "direction", "kind", "at"},
    )
    db.table("bundle_log").create_index(["bundle_id", "direction"], unique=True)
    db.table("audit").create_index(["id"])
    append_only(db, "revision_clocks", "held_revisions", "bundle_log")
    db.execute(
        "CREATE TRIGGER conflicts_no_delete BEFORE DELETE ON conflicts "
        "BEGIN SELECT RAISE(ABORT, 'conflicts are never deleted'); END"
    )
    db.execute(
        "CREATE TRIGGER conflicts_close_once BEFORE UPDATE ON conflicts WHEN "
        "OLD.status != 'open' OR NEW.status = 'open' "
        "OR NEW.id IS NOT OLD.id OR NEW.household_id IS NOT OLD.household_id "
        "OR NEW.form_id IS NOT OLD.form_id OR NEW.current_id IS NOT OLD.current_id "
        "OR NEW.incoming_id IS NOT OLD.incoming_id OR NEW.bundle_id IS NOT OLD.bundle_id "
        "OR NEW.detected_at IS NOT OLD.detected_at "
        "BEGIN SELECT RAISE(ABORT, 'a conflict can only be closed, once'); END"
    )


@migrations()
def m004_hq_facts(db: Database) -> None:
    """Cache of per-household facts for headquarters statistics (fieldapp.core.reports.facts).

    Derived data, rebuilt on demand and safe to empty: per household and variant ("all" = newest
    revisions, "final" = newest final revisions) the key it was computed for, the days between
    which its people's ages stay the same, its unit and helper, and JSON documents of its
    contributions to the figures. Not append-only, never part of a sync bundle.
    """
    db.table("hq_facts").create(
        {
            "household_id": str,
            "variant": str,
            "key": str,
            "valid_from": str,
            "valid_to": str,
            "unit": str,
            "staff": str,
            "activity": str,
            "standing": str,
            "facts": str,
        },
        pk=("household_id", "variant"),
        not_null={"household_id", "variant", "key", "valid_from", "valid_to", "facts"},
    )


def known_migration_names() -> list[str]:
    """Every migration this version of the app knows, in order."""
    return [m.name for m in migrations.pending(Database(memory=True))]


@migrations()
def m005_search_trigram(db: Database) -> None:
    """Substring search over 100,000 households in milliseconds: an FTS5 trigram index kept in
    step with ``households.search_text`` by triggers (terms of 3+ characters use it)."""
    db.execute(
        "CREATE VIRTUAL TABLE households_fts USING fts5(search_text, content='households', "
        "content_rowid='rowid', tokenize='trigram')"
    )
    db.execute(
        "CREATE TRIGGER households_fts_insert AFTER INSERT ON households BEGIN "
        "INSERT INTO households_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END"
    )
    db.execute(
        "CREATE TRIGGER households_fts_delete AFTER DELETE ON households BEGIN "
        "INSERT INTO households_fts(households_fts, rowid, search_text) "
        "VALUES ('delete', old.rowid, old.search_text); END"
    )
    db.execute(
        "CREATE TRIGGER households_fts_update AFTER UPDATE OF search_text ON households BEGIN "
        "INSERT INTO households_fts(households_fts, rowid, search_text) "
        "VALUES ('delete', old.rowid, old.search_text); "
        "INSERT INTO households_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END"
    )
    db.execute("INSERT INTO households_fts(households_fts) VALUES ('rebuild')")


@migrations()
def m006_revocations(db: Database) -> None:
    """Revocations a laptop received from headquarters (fieldapp.core.trust.revocation).

    Headquarters keeps its own in ``devices``; a laptop gets the list in assignment bundles and
    keeps every entry here, one row per revoked certificate, so ``fieldapp verify`` can refuse a
    ledger signed after its signer was revoked. Append-only: a revocation is never taken back.
    """
    db.table("revocations").create(
        {
            "cert_fingerprint": str,
            "staff_id": str,
            "name": str,
            "unit": str,
            "revoked_at": str,
            "reason": str,
            "received_at": str,
            "bundle_id": str,
        },
        pk="cert_fingerprint",
        not_null={"cert_fingerprint", "staff_id", "revoked_at", "received_at"},
    )
    append_only(db, "revocations")


@migrations()
def m007_bundle_authorship(db: Database) -> None:
    """Who wrote each synced record, provably (docs/bundle-format.md, "Authorship").

    ``author_batches``: signed statements "these N records, in this order, hash to D", one per
    author per first export (fieldapp.core.sync.authorship); ``record_batches``: which batch a
    record belongs to, its place and hash, so it can be relayed with its author's signature;
    ``record_origins``: the bundle (and its signer) a received record first arrived in — a record
    with no row was made here; ``device_bindings``: the enrolled staff member each revision device
    id belongs to, so no one can write under another laptop's id. Bindings already implied by
    imported bundles are taken from ``bundle_log``. All four are append-only.
    """
    db.table("author_batches").create(
        {
            "batch_id": str,
            "staff_id": str,
            "device_id": str,
            "cert_fingerprint": str,
            "signed_at": str,
            "count": int,
            "digest": str,
            "signature": str,
        },
        pk="batch_id",
        not_null={"batch_id", "staff_id", "device_id", "cert_fingerprint", "signed_at", "count"},
    )
    db.table("record_batches").create(
        {"kind": str, "record_id": str, "batch_id": str, "batch_index": int, "record_hash": str},
        pk=("kind", "record_id"),
        not_null={"kind", "record_id", "batch_id", "batch_index", "record_hash"},
    )
    db.table("record_batches").create_index(["batch_id", "batch_index"], unique=True)
    db.table("record_origins").create(
        {
            "kind": str,
            "record_id": str,
            "bundle_id": str,
            "via_staff_id": str,
            "via_name": str,
            "received_at": str,
        },
        pk=("kind", "record_id"),
        not_null={"kind", "record_id", "bundle_id", "received_at"},
    )
    db.table("device_bindings").create(
        {"device_id": str, "staff_id": str, "bound_at": str, "bundle_id": str},
        pk="device_id",
        not_null={"device_id", "staff_id", "bound_at"},
    )
    db.execute(
        "INSERT OR IGNORE INTO device_bindings (device_id, staff_id, bound_at, bundle_id) "
        "SELECT device_id, peer, at, bundle_id FROM bundle_log WHERE direction = 'import' "
        "AND kind = 'laptop-to-hq' AND device_id IS NOT NULL AND peer IS NOT NULL ORDER BY seq"
    )
    append_only(db, "author_batches", "record_batches", "record_origins", "device_bindings")


@migrations()
def m008_search_grams(db: Database) -> None:
    """1–2 character searches (a surname, a given name) from an index instead of a scan.

    ``households.search_grams`` holds the one- and two-character pieces of ``search_text``
    (fieldapp.core.store.grams); an FTS5 ``unicode61`` table over it, kept in step by triggers,
    answers a short term as a token lookup. ``households_list_order`` holds the list's default
    order (档案编号, name, id) so a common term walks it and stops after a page of matches.
    """
    from fieldapp.core.store.grams import short_grams

    db.execute("ALTER TABLE households ADD COLUMN search_grams TEXT NOT NULL DEFAULT ''")
    rows = db.execute("SELECT rowid, search_text FROM households").fetchall()
    db.conn.executemany(
        "UPDATE households SET search_grams = ? WHERE rowid = ?",
        [(short_grams(text or ""), rowid) for rowid, text in rows],
    )
    db.execute(
        "CREATE VIRTUAL TABLE households_grams USING fts5(search_grams, content='households', "
        "content_rowid='rowid', tokenize='unicode61 remove_diacritics 0')"
    )
    db.execute(
        "CREATE TRIGGER households_grams_insert AFTER INSERT ON households BEGIN "
        "INSERT INTO households_grams(rowid, search_grams) VALUES (new.rowid, new.search_grams); "
        "END"
    )
    db.execute(
        "CREATE TRIGGER households_grams_delete AFTER DELETE ON households BEGIN "
        "INSERT INTO households_grams(households_grams, rowid, search_grams) "
        "VALUES ('delete', old.rowid, old.search_grams); END"
    )
    db.execute(
        "CREATE TRIGGER households_grams_update AFTER UPDATE OF search_grams ON households BEGIN "
        "INSERT INTO households_grams(households_grams, rowid, search_grams) "
        "VALUES ('delete', old.rowid, old.search_grams); "
        "INSERT INTO households_grams(rowid, search_grams) VALUES (new.rowid, new.search_grams); "
        "END"
    )
    db.execute("INSERT INTO households_grams(households_grams) VALUES ('rebuild')")
    db.execute("CREATE INDEX households_list_order ON households(archive_no, name, id)")


@migrations()
def m009_minimum_wage_standards(db: Database) -> None:
    """Local monthly minimum wages by county and effective date (issue 12): an able-bodied member
    of working age without a job is counted at this wage in Form B. Append-only, like the 低保
    standards beside it, and sent to laptops in assign bundles."""
    db.table("minimum_wage_standards").create(
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
    db.table("minimum_wage_standards").create_index(["county_code", "effective_from"])
    append_only(db, "minimum_wage_standards")


@migrations()
def m010_status_change_checks(db: Database) -> None:
    """What the 脱困/解困 rules said when a status change was made (issue 12): JSON with the
    outcome, whether the rules were met, the reasons, and the override reason when a cadre
    changed the status although they were not. Null for changes made before this version."""
    db.table("status_changes").add_column("rules_check", str)


@migrations()
def m011_procedures(db: Database) -> None:
    """Filing and exit procedures (issue 14, fieldapp.core.procedures): cases and their steps.

    ``procedure_cases``: one household's filing or exit (with the 档案状态 it leads to), opened
    by someone; ``procedure_steps``: one decision in a case, naming the step it follows
    (``parent_id``). Both carry who made them (staff id, name, certificate role), the signer's
    certificate and an ECDSA signature over every other field; both are append-only (a case's
    standing is computed from its steps, never stored), and both travel in sync bundles.
    """
    signer = {
        "actor_id": str,
        "actor_name": str,
        "role": str,
        "signed_at": str,
        "device_id": str,
        "cert_fingerprint": str,
        "certificate": str,
        "signature": str,
    }
    db.table("procedure_cases").create(
        {
            "id": str,
            "household_id": str,
            "procedure": str,
            "target": str,
            "opened_on": str,
            **signer,
        },
        pk="id",
        not_null={"id", "household_id", "procedure", "target", "opened_on", *signer},
        foreign_keys=[("household_id", "households", "id")],
    )
    db.table("procedure_cases").create_index(["household_id"])
    db.table("procedure_steps").create(
        {
            "id": str,
            "case_id": str,
            "household_id": str,
            "procedure": str,
            "step": str,
            "parent_id": str,
            "decision": str,
            "opinion": str,
            "decided_on": str,
            "data": str,
            **signer,
        },
        pk="id",
        not_null={"id", "case_id", "household_id", "step", "decision", "decided_on", *signer},
        foreign_keys=[("case_id", "procedure_cases", "id")],
    )
    db.table("procedure_steps").create_index(["case_id"])
    db.table("procedure_steps").create_index(["household_id"])
    append_only(db, "procedure_cases", "procedure_steps")


@migrations()
def m012_third_party_checks(db: Database) -> None:
    """Third-party checks (第三方核查, issue 14) and the 建档标准 in the list index.

    ``check_records`` holds every revision of every check record, append-only: a sampled
    household's check (``kind`` = ``check``) or a person found missing from the archive (``missed``,
    漏评), each with a record id kept across its revisions (fieldapp.core.store.checks).
    ``households.filing_standard`` is Form A's 建档标准 (survey.yaml ``household_index.standard``),
    so statistics can take 全国级 households as their base without reading every Form A.
    """
    db.table("check_records").create(
        {
            "revision_id": str,
            "record_id": str,
            "kind": str,
            "parent_id": str,
            "household_id": str,
            "region_code": str,
            "check_date": str,
            "data": str,
            "created_at": str,
            "author": str,
            "device_id": str,
            "source": str,
        },
        pk="revision_id",
        not_null={"revision_id", "record_id", "kind", "check_date", "data", "created_at"},
    )
    db.table("check_records").create_index(["record_id"])
    db.table("check_records").create_index(["household_id"])
    append_only(db, "check_records")
    db.execute("ALTER TABLE households ADD COLUMN filing_standard TEXT")
    db.execute(
        "UPDATE households SET filing_standard = (SELECT CASE json_type(r.data, '$.standard') "
        "WHEN 'text' THEN json_extract(r.data, '$.standard') END FROM revisions r WHERE r.household_id = households.id AND r.form_id = 'A' "
        "ORDER BY r.rowid DESC LIMIT 1)"
    )
    db.execute("CREATE INDEX households_filing_standard ON households(filing_standard)")
