"""Sync bundles carried on a USB stick between laptops and headquarters.

Owns: the container (encrypted, signed file), export and assignment, import checks, applying
records, merge and conflicts (``container``, ``bundle``, ``records``, ``importer``, ``apply``,
``merge``), third-party check records as received (``check_records``), procedure cases and
steps in bundles (``procedure_sync``); applying in chunks: ``lines`` (payload lines to records),
``staging`` (rows written per table), ``receiving`` (a chunk's revisions decided),
``revision_fields``, ``direct_records``. May import: ``procedures``, ``trust``, ``rules``,
``store`` and below; not ``ledger`` or ``reports``.
"""
