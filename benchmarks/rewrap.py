"""Master-key rewrap throughput (`baomi keys rewrap`), on the test database of the settings in use.

    python benchmarks/rewrap.py [--rows 20000]                      # SQLite (a file, real commits)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/baomi_bench python benchmarks/rewrap.py

Runs under pytest (for the test database and the people/carrier fixtures of tests/vault): inserts
--rows ContentFile rows, each with a data key really wrapped by the current master key (the blobs
are not needed: rewrap never reads them), rotates the master key and times `key_rewrap` with
batches of 100, then rotates again and times batches of 1000. Each batch commits (transactional
test), as in production. The teardown's flush is refused by the append-only audit log: ignore
that error, the figures are printed before it.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

if __name__ != "__main__":  # collected by pytest, Django set up: the fixtures of tests/vault
    from tests.carriers.conftest import office  # noqa: F401
    from tests.vault.conftest import vault_dir, work  # noqa: F401


@pytest.mark.django_db(transaction=True)
def test_rewrap_throughput(office, work):
    from baomi.vault import crypto, keys, storage
    from baomi.vault.models import ContentFile

    n = int(os.environ.get("REWRAP_ROWS", "20000"))
    provider = crypto.provider()
    rows = []
    for version in range(1, n + 1):
        row = ContentFile(carrier=work, version=version, level=work.level, filename="x.pdf",
                          content_type="application/pdf", size=1,
                          sha256=hashlib.sha256(str(version).encode()).hexdigest(), blob_name=storage.new_name(),
                          uploaded_by=office.wangfang, algorithm=provider.algorithm)
        sealed = provider.seal(b"x", row.aad)
        row.key_id, row.wrapped_key, row.nonce = sealed.key_id, sealed.wrapped_key, sealed.nonce
        rows.append(row)
    ContentFile.objects.bulk_create(rows, batch_size=1000)
    database = os.environ.get("DATABASE_URL", "sqlite").split(":")[0]
    for batch in (100, 1000):
        keys.key_rotate()
        started = time.perf_counter()
        result = keys.key_rewrap(batch=batch)
        elapsed = time.perf_counter() - started
        assert result.rewrapped == n and not result.failed
        print(f"\nrewrap {database}: {n} rows, batch {batch} ({result.batches} transactions): "
              f"{elapsed:.2f} s, {n / elapsed:,.0f} rows/s")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    args = parser.parse_args()
    os.environ["REWRAP_ROWS"] = str(args.rows)
    os.chdir(ROOT)
    sys.exit(pytest.main([__file__, "-q", "-s", "-p", "no:cacheprovider", "--rootdir", str(ROOT)]))
