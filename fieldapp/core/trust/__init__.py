"""Who is who: the headquarters CA, staff certificates, receiving keys, enrollment and revocation.

Owns: creating, storing (encrypted) and checking identities; bundles and ledgers sign with them.
May import: ``store`` and below.

Callers use ``identity``, which re-exports the public names of ``certificates`` (x509 and keys,
no database), ``keystore`` (the keys table, unlocking keys) and ``enrollment`` (hq init, enroll,
take an enrollment, devices, revocation). ``revocation`` holds the revocation lists that
verification honours (this database's, those received in bundles, signed exports for auditors).
``private_keys`` seals private keys at rest (behind the owner's passphrase); ``recovery`` is the
forgotten-passphrase exchange with headquarters.
"""
