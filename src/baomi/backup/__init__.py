"""`baomi backup` / `baomi restore`: one encrypted, self-verifying archive of an instance.

The archive holds a consistent snapshot of the database, the ciphertext of every content
object that snapshot references, the audit signing public key and a manifest (row counts,
member hashes, audit chain head and latest signed checkpoint). It is sealed with a backup
key that is never the vault master key; the master keys are backed up separately, offline.
"""
