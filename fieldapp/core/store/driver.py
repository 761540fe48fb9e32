"""The SQLite driver every connection of the application uses: SQLCipher (``sqlcipher3``).

Why one module: SQLCipher's Python binding has its own exception classes (they are not
``sqlite3``'s), so code that catches a database error must catch the driver's. Everything in the
application imports the driver's names from here, never ``sqlite3`` directly.

Why SQLCipher through ``sqlcipher3`` (and not SQLite3 Multiple Ciphers through ``apsw``): it is a
DB-API module like ``sqlite3``, so sqlite-utils (the data layer of the whole application) works on
its connections unchanged; apsw is not DB-API and sqlite-utils does not support it. Measurements
and the rest of the reasoning: docs/security.md.
"""

from __future__ import annotations

from sqlcipher3 import dbapi2 as sqlite

Connection = sqlite.Connection
Cursor = sqlite.Cursor
Error = sqlite.Error
DatabaseError = sqlite.DatabaseError
IntegrityError = sqlite.IntegrityError
OperationalError = sqlite.OperationalError
SQLITE_HEADER = b"SQLite format 3\x00"

__all__ = [
    "SQLITE_HEADER",
    "Connection",
    "Cursor",
    "DatabaseError",
    "Error",
    "IntegrityError",
    "OperationalError",
    "sqlite",
]
