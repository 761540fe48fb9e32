"""Headquarters' view: figures per household and summed, exit review, Excel out and archive in.

Owns: ``records`` (households read for reporting), ``facts`` (per-household facts, cached),
``figures`` and ``stats`` (docs/statistics.md), ``exit_review`` (漏退/错退), the campaign's own
figures (``check_rates`` from third-party checks, ``aid_counts`` 户次/人次 by 建档标准, laid out by
``campaign_report``; ``checks_import`` reads a firm's file), Excel:
``xlsx_sheets`` (styles, print setup), ``xlsx_stats`` (the 统计表 sheet), ``xlsx_export`` (the
archive), ``xlsx_template`` and ``xlsx_import`` (the archive coming in), ``procedure_stats`` (filings and exits through their procedures).
May import: ``procedures``, ``trust``, ``rules``, ``store`` and below; not ``sync`` or ``ledger``.
"""
