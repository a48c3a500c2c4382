"""JSON API speed under load: booking a desk and reading a floor's availability, against an
empty endpoint of the same app as the ceiling.

    .venv/bin/python scripts/bench/api.py [--backends sqlite,postgresql] [--clients 8,32]
        [--seconds 10] [--workers 2] [--pg-url URL]

Same setup as scripts/bench/web.py (its Server and wrk helpers): a fresh database with
scripts/bench/webdata.py's data, gunicorn with `--workers` sync workers, wrk as the closed-loop
load (2 threads, a keep-alive connection per client). Measured in one run:
- the ceiling: GET /bench/empty, a route of the same app that returns {} (scripts/bench/api_app.py);
- GET /api/v1/floors/<id>/availability for the busy day (46 resources), with a bearer token;
- POST /api/v1/bookings with a JSON body and an Idempotency-Key, every request a different
  member (their own personal token) and desk-day of the bench hub; 201 counts as booked.
Prints req/s, p50/p95/p99, the ratio to the ceiling and the server's CPU ms per request, and
writes bench-results/api-*.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchlib import environment, fresh_database, make_app, pg_server_url, print_table, write_json
from flask import Flask
from sqlalchemy import select
from web import SECRET, Server, measured
from webdata import BENCH_DESKS, WebData, member_email, prepare

from app.extensions import db
from app.models import Hub, User
from app.services.integrations.tokens import create_personal_token

SCOPES = ["hubs:read", "bookings:read", "bookings:write"]

#: wrk: each request the next line of the booking file ("token<TAB>json body").
WRK_API_BOOKINGS = r"""
local lines, position, step = {}, 0, 1
function init(args)
  for line in io.lines(args[1]) do table.insert(lines, line) end
  position, step = tonumber(args[2]) + tid - 1, tonumber(args[3])
  booked, refused = 0, 0
end
function request()
  local line = lines[position % #lines + 1]
  position = position + step
  local token, body = line:match("([^\t]+)\t(.+)")
  return wrk.format("POST", "/api/v1/bookings", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. tid .. "-" .. position,
  }, body)
end
function response(status, headers, body)
  if status == 201 then booked = booked + 1 else refused = refused + 1 end
end
"""

#: wrk: a GET with the bearer token given as the first argument.
WRK_GET = r"""
function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
end
"""


def booking_lines(app: Flask, data: WebData, members: int, path: Path) -> int:
    """Member i, day d -> desk (i + d) % desks; a personal token per member."""
    rows = []
    desks, days = data.bench_desk_ids, data.bench_days
    with app.app_context():
        for i in range(members):
            user = db.session.scalar(select(User).where(User.email == member_email(i)))
            assert user is not None
            token = create_personal_token(user.id, "bench", SCOPES, 30).text
            for d, day in enumerate(days):
                body = json.dumps({"resource_id": desks[(i + d) % len(desks)], "day": str(day)})
                rows.append((d, i, f"{token}\t{body}"))
    rows.sort()
    path.write_text("\n".join(row for _d, _i, row in rows) + "\n")
    return len(rows)


def reader_token(app: Flask, data: WebData) -> tuple[str, int]:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == data.member_emails[-1]))
        hub = db.session.scalar(select(Hub).where(Hub.slug == data.hub_slug))
        assert user is not None
        assert hub is not None
        return create_personal_token(user.id, "bench", SCOPES, 30).text, hub.floors[0].id


def run_backend(backend: str, args: argparse.Namespace, pg_url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp), pg_url) as url:
        instance = Path(tmp)
        app = make_app(url, instance, SECRET_KEY=SECRET, RATELIMIT_ENABLED=False)
        data = prepare(app, members=args.booking_members + 10)
        lines = instance / "api-bookings.tsv"
        total = booking_lines(app, data, args.booking_members, lines)
        token, floor_id = reader_token(app, data)
        with app.app_context():
            db.engine.dispose()
        server = Server(
            url,
            instance,
            args.workers,
            app_spec="api_app:create()",
            ready_path="/bench/empty",
            PYTHONPATH=str(Path(__file__).resolve().parent),
            RUANG_API_RATE_LIMIT="1000000 per minute",
        )
        results: dict[str, Any] = {"booking_requests_available": total}
        try:
            availability = f"/api/v1/floors/{floor_id}/availability?day={data.busy_day}"
            assert server.get("/bench/empty") == 200
            for clients in args.clients:
                ceiling = measured(server, "/bench/empty", clients, args.seconds, "")
                read = measured(server, availability, clients, args.seconds, WRK_GET, token)
                results[f"empty c{clients}"] = ceiling
                results[f"availability c{clients}"] = read | {
                    "ratio": read["req_s"] / ceiling["req_s"]
                }
            offset = 0
            for clients in args.clients:
                ceiling = results[f"empty c{clients}"]
                booking = measured(
                    server,
                    "/api/v1/bookings",
                    clients,
                    args.seconds,
                    WRK_API_BOOKINGS,
                    str(lines),
                    str(offset),
                    "2",
                )
                offset += int(booking["booked"] + booking["refused"]) + 2
                booking["booked_s"] = booking["booked"] / args.seconds
                booking["ratio"] = booking["req_s"] / ceiling["req_s"]
                results[f"book a desk c{clients}"] = booking
        finally:
            server.stop()
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--clients", default="8,32")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--booking-members", type=int, default=BENCH_DESKS)
    parser.add_argument("--pg-url")
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",")]
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    pg_url = pg_server_url(args.pg_url)
    everything: dict[str, Any] = {"environment": environment(pg_url), "workers": args.workers}
    for backend in args.backends.split(","):
        results = run_backend(backend, args, pg_url)
        everything[backend] = results
        print(f"\n{backend}, gunicorn {args.workers} sync workers, wrk {args.seconds} s per cell")
        rows = [
            [
                name,
                r["req_s"],
                r.get("booked_s", r["req_s"]),
                r["p50_ms"],
                r["p95_ms"],
                r["p99_ms"],
                r.get("ratio", float("nan")),
                r["errors"],
                r["server_cpu_ms"],
            ]
            for name, r in results.items()
            if name != "booking_requests_available"
        ]
        print_table(
            [
                *("request", "req/s", "done/s", "p50 ms", "p95 ms", "p99 ms", "of ceiling"),
                *("errors", "server CPU ms/request"),
            ],
            rows,
        )
    write_json("api", everything)


if __name__ == "__main__":
    main()
