#!/usr/bin/env bash
# Install Baomi with its test dependencies into .venv, then run lint, types and the whole
# suite on SQLite and on PostgreSQL (DATABASE_URL_PG, default: local server, trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/system-deps.sh  # Debian packages some tests use (browser, slapd, OCR…), when missing and possible

python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
# baomi[ldap] (python-ldap) compiles against libldap's headers; without them tests/sso's LDAP part skips.
extras=test
if [ -f /usr/include/ldap.h ] && [ -f /usr/include/sasl/sasl.h ]; then extras=test,ldap; fi
.venv/bin/pip install --quiet -e ".[$extras]"

PG_URL="${DATABASE_URL_PG:-postgres://postgres@127.0.0.1:5432/baomi}"
if ! .venv/bin/python - "$PG_URL" <<'PY'
import sys, psycopg, dj_database_url
c = dj_database_url.parse(sys.argv[1])
psycopg.connect(host=c["HOST"], port=c["PORT"] or 5432, user=c["USER"], password=c["PASSWORD"] or None,
                dbname="postgres", connect_timeout=5).close()
PY
then
  echo "PostgreSQL is not reachable at $PG_URL: start it (see docs/operations.md) or set DATABASE_URL_PG." >&2
  exit 2
fi

echo "== ruff"; .venv/bin/ruff check src tests benchmarks
echo "== mypy"; .venv/bin/mypy
echo "== tests on SQLite"
env -u DATABASE_URL .venv/bin/python -m pytest -n 2 -q -p no:cacheprovider "$@"
echo "== tests on PostgreSQL"
DATABASE_URL="$PG_URL" .venv/bin/python -m pytest -n 2 -q -p no:cacheprovider -m "not browser" "$@"
