"""The 户户清表册 as a PDF that prints like the paper one, signed (PAdES) and verifiable.

Owns: ``render`` (public API: one household, a batch, countersign), ``layout`` and ``tables``
(what goes on the pages), ``doc`` (page templates, numbering), ``household`` (one household's
data, with characters the font lacks made visible), ``values`` (how a value prints),
``style`` (fonts, sizes), ``sign`` (pyHanko signing, timestamps), ``verify`` (checking signatures,
revocations), ``policy`` (the strict rules for changes after signing), ``changes`` and
``revision`` (naming what changed), ``pades`` (what signing and verifying share),
``procedure_history`` (the 办理程序记录: cases and their signed steps).
May import: ``procedures``, ``trust``, ``rules``, ``store`` and below; not ``sync`` or ``reports``.
"""
