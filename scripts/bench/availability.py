"""Benchmark: availability of one floor on one day, with 2,000 resources and up to 1M bookings.

For each backend (SQLite, PostgreSQL), layout and number of bookings, a fresh database is
created, migrated (flask_migrate.upgrade via app.create_app) and loaded with `seed_bulk`
(PostgreSQL then gets VACUUM ANALYZE). Three things are timed on the busiest kind of day:

- query:   the service's own statement for the day's bookings of the floor (the one
           app.services.booking.availability.floor_day hands to _held_by_resource), captured from a
           real floor_day call and re-executed with db.session.execute(...).all();
- sql:     the same SQL text and parameters sent straight to the DB-API cursor (no SQLAlchemy
           result processing), to separate the database from the Python around it;
- service: the whole floor_day(floor, day) call, with a new session per call, like a request.

Layouts (2,000 resources in the database either way):
- spread: 10 hubs x 1 floor x 200 resources; the queried floor holds 200 of the 2,000;
- single: 1 hub x 1 floor holding all 2,000 (the worst case for one floor-day).

Usage: .venv/bin/python scripts/bench/availability.py [--backends sqlite,postgresql]
       [--sizes 10000,100000,1000000] [--layouts spread,single] [--runs 500] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from benchlib import (
    environment,
    fresh_database,
    make_app,
    pg_server_url,
    print_table,
    summarise_ms,
    write_json,
)
from sqlalchemy import event, text
from sqlalchemy.orm import ORMExecuteState, Session

from app.extensions import db
from app.seed.bulk import BulkSpec, seed_bulk
from app.services.booking import availability

LAYOUTS = {
    "spread": {"hubs": 10, "floors_per_hub": 1},
    "single": {"hubs": 1, "floors_per_hub": 1},
}
QUERY_TARGET_MS = 10.0
GROWTH_TARGET = 1.5


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    pg_url = pg_server_url(args.pg_url) if "postgresql" in args.backends else None
    env = environment(pg_url)
    results: list[dict[str, Any]] = []
    print(f"# availability benchmark — {env['date']} — {env['cpu']}, {env['cores']} cores")
    for backend in args.backends:
        for layout in args.layouts:
            for size in args.sizes:
                result = _run_one(backend, layout, size, args, pg_url or "")
                results.append(result)
                _print_one(result)
    print()
    _print_summary(results)
    path = write_json(
        "availability",
        {"environment": env, "arguments": vars(args), "results": results},
    )
    print(f"\nJSON: {path}")
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql", type=_csv)
    parser.add_argument("--sizes", default="10000,100000,1000000", type=_csv_int)
    parser.add_argument("--layouts", default="spread,single", type=_csv)
    parser.add_argument("--resources", default=2000, type=int)
    parser.add_argument("--members", default=5000, type=int)
    parser.add_argument("--runs", default=500, type=int)
    parser.add_argument("--warmup", default=50, type=int)
    parser.add_argument("--seed", default=1, type=int)
    parser.add_argument("--pg-url", default=None, help="server for CREATE DATABASE")
    args = parser.parse_args(argv)
    unknown = set(args.layouts) - set(LAYOUTS)
    if unknown:
        parser.error(f"unknown layouts: {', '.join(sorted(unknown))}")
    return args


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _csv_int(value: str) -> list[int]:
    return [int(v.replace("_", "")) for v in _csv(value)]


def _run_one(
    backend: str, layout: str, size: int, args: argparse.Namespace, pg_url: str
) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="ruang-bench-") as tmp,
        fresh_database(backend, Path(tmp), pg_url) as url,
    ):
        app = make_app(url, Path(tmp))
        try:
            with app.app_context():
                return _measure(backend, layout, size, args)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _measure(backend: str, layout: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    spec = BulkSpec(
        resources=args.resources,
        members=args.members,
        bookings=size,
        seed=args.seed,
        **LAYOUTS[layout],
    )
    print(f"\n## {backend} / {layout} / {size:,} bookings: loading…", flush=True)
    started = time.perf_counter()
    loaded = seed_bulk(spec)
    load_s = time.perf_counter() - started
    if backend == "postgresql":
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    db.session.remove()
    floor_id = loaded.floor_ids[0]
    day = _next_weekday(loaded.around)
    stmt, sql, params = _capture_statement(floor_id, day)
    db.session.remove()

    rows = len(db.session.execute(stmt).all())
    load_before = os.getloadavg()[0]
    query = _time_query(stmt, args)
    raw = _time_sql(sql, params, args)
    db.session.remove()
    service = _time_service(floor_id, day, args)
    load_after = os.getloadavg()[0]
    plan = _explain(backend, sql, params)
    db.session.remove()
    return {
        "backend": backend,
        "layout": layout,
        "bookings": size,
        "resources_total": args.resources,
        "resources_on_floor": _resources_on_floor(floor_id),
        "rows_returned": rows,
        "floor_id": floor_id,
        "day": day.isoformat(),
        "window": [loaded.first_day.isoformat(), loaded.last_day.isoformat()],
        "load_seconds": round(load_s, 1),
        # The machine is shared: the 1-minute load average around the timed runs (2 cores).
        "loadavg_1m": [round(load_before, 2), round(load_after, 2)],
        "query_ms": summarise_ms(query),
        "sql_ms": summarise_ms(raw),
        "service_ms": summarise_ms(service),
        "plan": plan,
        "statement": sql,
    }


def _next_weekday(day: date) -> date:
    """The first Monday-Friday after `day`: every bulk hub is open, the day is fully booked."""
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _capture_statement(floor_id: int, day: date) -> tuple[Any, str, Any]:
    """Run floor_day once and keep the bookings statement it executes, as ORM and as SQL."""
    captured: dict[str, Any] = {}

    def on_orm(state: ORMExecuteState) -> None:
        if "FROM bookings JOIN resources" in str(state.statement):
            captured["stmt"] = state.statement

    def on_cursor(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "FROM bookings JOIN resources" in statement:
            captured["sql"], captured["params"] = statement, params

    event.listen(Session, "do_orm_execute", on_orm)
    event.listen(db.engine, "before_cursor_execute", on_cursor)
    try:
        availability.floor_day(floor_id, day)
    finally:
        event.remove(Session, "do_orm_execute", on_orm)
        event.remove(db.engine, "before_cursor_execute", on_cursor)
    if not {"stmt", "sql"} <= captured.keys():
        raise SystemExit("could not capture the availability statement; has floor_day changed?")
    return captured["stmt"], captured["sql"], captured["params"]


def _time_query(stmt: Any, args: argparse.Namespace) -> list[float]:
    samples = []
    for n in range(args.warmup + args.runs):
        started = time.perf_counter()
        db.session.execute(stmt).all()
        elapsed = time.perf_counter() - started
        if n >= args.warmup:
            samples.append(elapsed)
    return samples


def _time_sql(sql: str, params: Any, args: argparse.Namespace) -> list[float]:
    cursor = db.session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    samples = []
    try:
        for n in range(args.warmup + args.runs):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            elapsed = time.perf_counter() - started
            if n >= args.warmup:
                samples.append(elapsed)
    finally:
        cursor.close()
    return samples


def _time_service(floor_id: int, day: date, args: argparse.Namespace) -> list[float]:
    samples = []
    for n in range(args.warmup + args.runs):
        started = time.perf_counter()
        availability.floor_day(floor_id, day)
        elapsed = time.perf_counter() - started
        db.session.remove()  # a new session per call, as each web request gets
        if n >= args.warmup:
            samples.append(elapsed)
    return samples


def _explain(backend: str, sql: str, params: Any) -> str:
    cursor = db.session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if backend == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(str(row[0]) for row in cursor.fetchall())
    finally:
        cursor.close()


def _resources_on_floor(floor_id: int) -> int:
    return int(
        db.session.scalar(
            text("SELECT count(*) FROM resources WHERE floor_id = :f"), {"f": floor_id}
        )
        or 0
    )


def _print_one(result: dict[str, Any]) -> None:
    print(
        f"loaded in {result['load_seconds']} s (window {result['window'][0]}…"
        f"{result['window'][1]}); floor {result['floor_id']} holds "
        f"{result['resources_on_floor']} resources, day {result['day']}: "
        f"{result['rows_returned']} active bookings; load average "
        f"{result['loadavg_1m'][0]} -> {result['loadavg_1m'][1]}"
    )
    print_table(
        ["measure", "p50 ms", "p95 ms", "p99 ms", "max ms", "mean ms"],
        [
            [name, *(result[f"{name}_ms"][k] for k in ("p50", "p95", "p99", "max", "mean"))]
            for name in ("query", "sql", "service")
        ],
    )
    print("plan:\n  " + result["plan"].replace("\n", "\n  "))


def _print_summary(results: list[dict[str, Any]]) -> None:
    rows = []
    for r in results:
        rows.append(
            [
                r["backend"],
                r["layout"],
                r["resources_on_floor"],
                f"{r['bookings']:,}",
                r["rows_returned"],
                r["query_ms"]["p50"],
                r["query_ms"]["p99"],
                r["sql_ms"]["p99"],
                r["service_ms"]["p50"],
                r["service_ms"]["p99"],
                r["load_seconds"],
            ]
        )
    print("## Summary (ms; p99 target for the query <= 10 ms)")
    print_table(
        [
            "backend",
            "layout",
            "on floor",
            "bookings",
            "rows",
            "query p50",
            "query p99",
            "sql p99",
            "service p50",
            "service p99",
            "load s",
        ],
        rows,
    )
    print("\n## Growth: p99 at the largest size / p99 at the smallest (target <= 1.5x)")
    growth_rows = []
    for backend in dict.fromkeys(r["backend"] for r in results):
        for layout in dict.fromkeys(r["layout"] for r in results):
            mine = sorted(
                (r for r in results if r["backend"] == backend and r["layout"] == layout),
                key=lambda r: r["bookings"],
            )
            if len(mine) < 2:
                continue
            small, large = mine[0], mine[-1]
            growth_rows.append(
                [
                    backend,
                    layout,
                    f"{small['bookings']:,} -> {large['bookings']:,}",
                    *(
                        large[f"{m}_ms"]["p99"] / small[f"{m}_ms"]["p99"]
                        for m in ("query", "sql", "service")
                    ),
                ]
            )
    if growth_rows:
        print_table(["backend", "layout", "sizes", "query x", "sql x", "service x"], growth_rows)


if __name__ == "__main__":
    sys.exit(main())
