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

echo
echo "== passes: tokens, QR images, access decisions in-process"
"$PY" -u scripts/bench/passes.py 2>&1 | grep --line-buffered -v '^INFO  \[alembic' \
  | tee "bench-results/passes-$stamp.txt"

for backend in sqlite postgresql; do
  echo
  echo "== scan -> decision over MQTT ($backend; real Mosquitto, gateway, echo baseline)"
  "$PY" -u scripts/bench/scan_latency.py --backend "$backend" --rates 50,200,500 --seconds 10 \
    --repeat 3 2>&1 | grep --line-buffered -v '^INFO  \[alembic\|^per-hub room' \
    | tee "bench-results/scan-latency-$backend-$stamp.txt"
done

for backend in sqlite postgresql; do
  echo
  echo "== web, in-process ($backend): time, template time and SQL statements per request"
  "$PY" -u scripts/bench/web_profile.py --backend "$backend" --runs 200 2>&1 \
    | grep --line-buffered '^|\|^backend' | tee "bench-results/web-profile-$backend-$stamp.txt"
done

for backend in sqlite postgresql; do
  echo
  echo "== Stripe webhooks ($backend; localstripe, empty-endpoint ceiling, checkout to confirmed)"
  "$PY" -u scripts/bench/stripe_webhooks.py --backend "$backend" --events 400 2>&1 \
    | grep --line-buffered '^|\|^backend\|^(local' | tee "bench-results/stripe-$backend-$stamp.txt"
done

echo
if command -v wrk >/dev/null 2>&1; then
  echo "== web under load (gunicorn, 2 sync workers; wrk; static-file ceiling; the 500-member burst)"
  "$PY" -u scripts/bench/web.py --backends sqlite,postgresql --clients 8,32 --seconds 10 2>&1 \
    | grep --line-buffered '^|\|^burst\|^sqlite\|^postgresql' | tee "bench-results/web-$stamp.txt"
  echo
  echo "== JSON API under load (gunicorn, 2 sync workers; wrk; empty-route ceiling)"
  "$PY" -u scripts/bench/api.py --backends sqlite,postgresql --clients 8 --seconds 10 2>&1 \
    | grep --line-buffered '^|\|^sqlite\|^postgresql' | tee "bench-results/api-$stamp.txt"
else
  echo "== web under load skipped: wrk is not installed (Debian: apt-get install wrk)"
fi
