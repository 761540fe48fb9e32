"""Cryptographic building blocks that know nothing about the database or the forms.

Owns: turning a passphrase into a key (Argon2id, calibrated per machine: ``kdf``), sealing a small
secret with a passphrase (``passphrase_seal``: the key file's wrapping of the database key, the
private keys in enrollment files), sealing a key for an X25519 recipient (``recipient_seal``:
bundles' payload keys, the headquarters' recovery copy of a database key). Nothing here holds a
constant key, salt or nonce. May import: nothing of fieldapp.
"""
