"""Headquarters' view: figures per household and summed, exit review, Excel out and archive in.

Owns: ``records`` (households read for reporting), ``facts`` (per-household facts, cached),
``figures`` and ``stats`` (docs/statistics.md), ``exit_review`` (漏退/错退), Excel:
``xlsx_sheets`` (styles, print setup), ``xlsx_stats`` (the 统计表 sheet), ``xlsx_export`` (the
archive), ``xlsx_template`` and ``xlsx_import`` (the archive coming in), ``procedure_stats`` (filings and exits through their procedures).
May import: ``procedures``, ``trust``, ``rules``, ``store`` and below; not ``sync`` or ``ledger``.
"""
