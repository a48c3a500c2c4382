#!/usr/bin/env bash
# Every benchmark, on SQLite and PostgreSQL. Used by `make bench`; results in bench-results/.
# PostgreSQL: --pg-url, else TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/test
# (a database is created and dropped per data set). Extra arguments go to availability.py,
# e.g. scripts/bench/run_all.sh --sizes 10000,100000 --runs 200
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
mkdir -p bench-results
stamp=$(date -u +%Y%m%dT%H%M%SZ)

echo "== availability (floor-day, 2,000 resources, 10k / 100k / 1M bookings)"
"$PY" -u scripts/bench/availability.py "$@" 2>&1 | grep --line-buffered -v '^INFO  \[alembic' \
  | tee "bench-results/availability-$stamp.txt"

echo
echo "== contention (50 concurrent attempts on one desk, 20 rounds)"
"$PY" -u scripts/bench/contention.py 2>&1 | grep --line-buffered -v '^INFO  \[alembic' \
  | tee "bench-results/contention-$stamp.txt"
