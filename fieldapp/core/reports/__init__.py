"""Headquarters' view: figures per household and summed, exit review, Excel out and archive in.

Owns: ``records`` (households read for reporting), ``facts`` (per-household facts, cached),
``figures`` and ``stats`` (docs/statistics.md), ``exit_review`` (漏退/错退), Excel:
``xlsx_sheets`` (writing a workbook: formats, text cells, print setup), ``xlsx_table`` (a sheet of
typed columns), ``xlsx_stats`` (the 统计表 sheet), ``xlsx_export`` (the archive: ``xlsx_rows`` what
its sheets hold, ``xlsx_parallel`` the second process, ``xlsx_package`` joining the halves),
``xlsx_template``, ``xlsx_reading`` and ``xlsx_import`` (the archive coming in). May import: ``trust``, ``rules``, ``store`` and below; not ``sync`` or ``ledger``.
"""
