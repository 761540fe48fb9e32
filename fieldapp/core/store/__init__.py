"""The local SQLite file: households, append-only revisions, status changes, audit, attachments.

Owns: the schema and its migrations, every write to the database file, search. Nothing saved is
overwritten: each save is a new revision. May import: ``forms``, ``values``, ``crypto``, ``paths``.

Modules: ``database`` (open_store, default_db_path), ``connection`` (write transactions that wait
for their turn, read-only mode), ``driver`` (SQLCipher: the one SQLite module used), ``encryption``
(the database key: create, unlock, change passphrase), ``keyfile`` (the key file beside the
database), ``conversion`` (an old plaintext database encrypted in place), ``unlock`` (passphrase to
key whatever the file's state), ``lock`` (one writer per database: the lock file), ``store`` (the
Store: households, saves, status), with its parts ``base`` (meta, audit), ``search``, ``index``
(list rows, bulk insert), ``new_households`` (households an import brings, written once at its
end), ``attachments`` and ``standards`` (低保); ``checks``, ``check_entries`` and ``check_scale``
(third-party check records, how a batch is entered, the answer scales); ``versions`` (version vectors,
held revisions, conflicts: shared with sync); ``records`` and ``errors`` (what callers pass around
and catch); ``history`` (a household's saves and their differences, read for people);
``migrations``.
"""
