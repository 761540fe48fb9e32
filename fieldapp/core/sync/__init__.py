"""Sync bundles carried on a USB stick between laptops and headquarters.

Owns: the container (encrypted, signed file), export and assignment, import checks, applying
records, merge and conflicts (``container``, ``bundle``, ``records``, ``importer``, ``apply``,
``merge``; ``check_records``: third-party check records as received). May import: ``trust``, ``rules``, ``store`` and below; not ``ledger`` or ``reports``.
"""
