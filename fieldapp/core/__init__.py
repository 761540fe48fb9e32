"""The core: everything 户户清 knows and does, without a screen (it never imports Qt).

Packages, bottom to top; each may import only from the ones below it (import-linter checks this,
see pyproject.toml and README "Layout"):

- ``paths``    where the bundled forms/ and resources/ are.
- ``values``   plain values with Chinese meanings: money in 分, ID numbers, region codes.
- ``forms``    the survey as data: model, YAML loader, expression language, field types, engine.
- ``store``    the local SQLite file: households, revisions, audit, attachments, migrations.
- ``rules``    the policies' rules: income, 两有五保障, 脱困/解困, policy catalogs.
- ``trust``    identities: keys, certificates, enrollment, revocation.
- ``sync`` | ``ledger`` | ``reports``   bundles between laptops and HQ | signed PDF ledgers |
  HQ figures, exit review, Excel in and out. Siblings: none imports another.
- ``demo``     synthetic households for trying the tool and for benchmarks.
"""
