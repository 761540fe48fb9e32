"""Who is who: the headquarters CA, staff certificates, receiving keys, enrollment and revocation.

Owns: creating, storing (encrypted) and checking identities; bundles and ledgers sign with them.
May import: ``store`` and below.
"""
