"""Plain values with Chinese meanings: money (integer 分), ID numbers (GB 11643), regions (GB/T 2260).

Owns: parsing and formatting these values, the bundled region table. May import: ``paths``.
"""
