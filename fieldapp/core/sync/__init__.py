"""Sync bundles carried on a USB stick between laptops and headquarters.

Owns: the container (encrypted, signed file), export and assignment, import checks, applying
records, merge and conflicts (``container``, ``bundle``, ``records``, ``importer``, ``apply``,
``merge``); applying in chunks: ``lines`` (payload lines to records), ``staging`` (rows written
per table), ``receiving`` (a chunk's revisions decided), ``revision_fields``, ``assign_records``. May import: ``trust``, ``rules``, ``store`` and below; not ``ledger`` or ``reports``.
"""
