"""The policies' rules: per-capita income, 两有五保障, 脱困/解困 and the policy catalogs.

Owns: judgements computed from a household's data and the local standards (``assessment``,
``exits``, ``policies``); no writes. May import: ``store``, ``forms``, ``values``, ``paths``.
"""
