"""The local SQLite file: households, append-only revisions, status changes, audit, attachments.

Owns: the schema and its migrations, every write to the database file, search. Nothing saved is
overwritten: each save is a new revision. May import: ``forms``, ``values``, ``paths``.
"""
