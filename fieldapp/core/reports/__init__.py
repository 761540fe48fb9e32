"""Headquarters' view: figures per household and summed, exit review, Excel out and archive in.

Owns: ``records`` (households read for reporting), ``facts`` (per-household facts, cached),
``figures`` and ``stats`` (docs/statistics.md), ``exit_review`` (漏退/错退), ``xlsx_export``,
``xlsx_import``. May import: ``trust``, ``rules``, ``store`` and below; not ``sync`` or ``ledger``.
"""
