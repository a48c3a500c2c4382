"""Shared helpers for the benchmarks: fresh databases, the app, percentiles, tables, JSON out."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from config.settings import normalise_database_url

ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = ROOT / "bench-results"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def pg_server_url(cli_value: str | None) -> str:
    """--pg-url, else TEST_DATABASE_URL, else the local default; psycopg 3 driver."""
    return normalise_database_url(
        cli_value or os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL
    )


@contextmanager
def fresh_database(backend: str, tmp_dir: Path, pg_url: str) -> Iterator[str]:
    """A new empty database: a SQLite file in `tmp_dir`, or CREATE DATABASE on the server."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_dir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"ruang_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(database_url: str, instance_dir: Path, **config: Any) -> Flask:
    """The real app on `database_url`, migrated to the newest revision."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, **config},
        environ={"RUANG_INSTANCE_DIR": str(instance_dir), "SECRET_KEY": "bench-secret"},
    )
    with app.app_context():
        upgrade()
    return app


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(pct / 100 * len(sorted_values) + 0.4999))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarise_ms(samples_s: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max/mean in milliseconds from samples in seconds."""
    values = sorted(s * 1000 for s in samples_s)
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": values[-1] if values else float("nan"),
        "mean": sum(values) / len(values) if values else float("nan"),
    }


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain aligned text table (also valid Markdown)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print("| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def environment(pg_url: str | None) -> dict[str, Any]:
    """Machine and software versions, recorded with every result file."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    info: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "postgresql": None,
    }
    if pg_url:
        try:
            engine = create_engine(pg_url)
            with engine.connect() as conn:
                info["postgresql"] = conn.execute(text("SHOW server_version")).scalar()
            engine.dispose()
        except Exception as exc:
            info["postgresql"] = f"unavailable: {exc.__class__.__name__}"
    return info


def write_json(name: str, payload: dict[str, Any]) -> Path:
    """Write bench-results/<name>-<timestamp>.json and bench-results/<name>-latest.json."""
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    body = json.dumps(payload, indent=2, default=str)
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    path.write_text(body)
    (RESULTS_DIR / f"{name}-latest.json").write_text(body)
    return path
