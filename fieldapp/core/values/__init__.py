"""Plain values with Chinese meanings: money (integer 分), ID numbers (GB 11643), regions (GB/T 2260).

Owns: parsing and formatting these values, the bundled region table, every size limit
(``limits``), bounded parsing of outside JSON (``documents``) and which characters the ledger font
can draw (``glyphs``). May import: ``paths``.
"""
