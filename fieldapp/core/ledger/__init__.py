"""The 户户清表册 as a PDF that prints like the paper one, signed (PAdES) and verifiable.

Owns: ``render`` (public API: one household, a batch, countersign), ``layout`` and ``tables``
(what goes on the pages), ``doc`` (page templates, numbering), ``household`` (one household's
data, with characters the font lacks made visible), ``values`` (how a value prints), ``style``
(fonts, sizes), ``sign`` (pyHanko signing and verification).
May import: ``trust``, ``rules``, ``store`` and below; not ``sync`` or ``reports``.
"""
