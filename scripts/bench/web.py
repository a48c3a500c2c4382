"""Web speed under load: the member floor page and booking a desk, against the server's ceiling.

    .venv/bin/python scripts/bench/web.py [--backends sqlite,postgresql] [--clients 8,32]
        [--seconds 10] [--workers 2] [--pg-url URL]

Needs wrk (Debian: `apt-get install wrk`). For each backend: a fresh database with
scripts/bench/webdata.py's data, the app under gunicorn (`--workers` sync workers, production
settings: CSRF on, real argon2id), and wrk as the closed-loop load generator (2 threads, each
client one keep-alive connection), measuring in one run:
- the ceiling: a 1 KB static file served by the same app (devices.css);
- the member floor page of the busy day (46 resources, 44 of them booked);
- booking a desk through the form with CSRF, every request a different member and desk-day of
  the bench hub (wrk counts booked vs refused from the redirect);
- the burst: 500 members post for 50 desks of one day at once (500 threads, one connection
  each); the time until the last answer, the statuses, and how many were booked.
Prints req/s, p50/p95/p99 and the ratio to the ceiling, and writes bench-results/web-*.json.
SQL statements per request: scripts/bench/web_profile.py.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchlib import (
    ROOT,
    environment,
    fresh_database,
    make_app,
    pg_server_url,
    print_table,
    write_json,
)
from flask import Flask
from webdata import BENCH_DESKS, BENCH_HUB, PASSWORD, WebData, member_email, prepare

from app.extensions import db

SECRET = "bench-web-secret"
BURST_MEMBERS, BURST_DESKS = 500, 50
STATIC_PATH = "/static/devices.css"

#: wrk: p50/p95/p99 in microseconds, requests, and the booking outcomes counted per thread.
WRK_REPORT = r"""
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function done(summary, latency, requests)
  local booked, refused = 0, 0
  for _, t in ipairs(threads) do
    booked = booked + (t:get("booked") or 0)
    refused = refused + (t:get("refused") or 0)
  end
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout, booked, refused))
end
"""

#: wrk: each request the next line of the booking file ("cookie<TAB>body"), threads interleaved.
WRK_BOOKINGS = r"""
local lines, position, step = {}, 0, 1
function init(args)
  for line in io.lines(args[1]) do table.insert(lines, line) end
  position, step = tonumber(args[2]) + tid - 1, tonumber(args[3])
  booked, refused = 0, 0
end
function request()
  local line = lines[position % #lines + 1]
  position = position + step
  local cookie, body = line:match("([^\t]+)\t(.+)")
  return wrk.format("POST", "/m/bench-hub/book", {
    ["Cookie"] = cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end
function response(status, headers, body)
  local location = headers["Location"] or ""
  if status == 302 and location:find("/m/bookings/") then booked = booked + 1
  else refused = refused + 1 end
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def log_in(app: Flask, email: str, page: str) -> tuple[str, str]:
    """A logged-in session cookie and the CSRF token of `page`'s form, made in-process with the
    server's own secret (so the server accepts both)."""
    client = app.test_client()
    login_page = client.get("/login")
    token = _csrf(login_page.text)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, (email, response.status_code)
    form_token = _csrf(client.get(page).text)
    cookie = client.get_cookie("session")
    assert cookie is not None
    return f"session={cookie.value}", form_token


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Server:
    """gunicorn with the real app on `url`: production-like settings, its own port."""

    def __init__(
        self,
        url: str,
        instance: Path,
        workers: int,
        app_spec: str = "app:create_app()",
        ready_path: str = STATIC_PATH,
        **extra_env: str,
    ) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "RUANG_INSTANCE_DIR": str(instance),
            "RUANG_LOGIN_LIMIT": "100000 per minute",
            "RATELIMIT_STORAGE_URI": "memory://",
            **extra_env,
        }
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [
                gunicorn,
                *("--workers", str(workers), "--bind", f"127.0.0.1:{self.port}"),
                *("--log-level", "warning", "--backlog", "2048", app_spec),
            ],
            env=env,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status = self.get(ready_path)
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def get(self, path: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        connection.request("GET", path)
        status = connection.getresponse().status
        connection.close()
        return status

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) gunicorn's master and workers have used so far. Per request
        it is what the server costs whatever else the machine is running: wrk's rates fall when
        other work shares the cores, the CPU a request takes hardly moves."""
        pids = [self.process.pid, *_children(self.process.pid)]
        return sum(_cpu_seconds(pid) for pid in pids)


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:  # a worker gone since the list was read
        return 0.0
    # Fields 14 and 15 of proc(5) (utime, stime), counted after the command's closing bracket.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(server: Server, path: str, *args: Any, **kwargs: Any) -> dict[str, float]:
    """A wrk run (`wrk`'s arguments after the port) with the server's CPU milliseconds per
    request beside it."""
    before = server.cpu_seconds()
    result = wrk(server.port, path, *args, **kwargs)
    spent = server.cpu_seconds() - before
    result["server_cpu_ms"] = spent * 1000 / max(result["requests"], 1)
    return result


def wrk(
    port: int, path: str, clients: int, seconds: int, script: str, *args: str, cookie: str = ""
) -> dict[str, float]:
    """One wrk run; returns req/s, latency percentiles (ms), errors, booked and refused."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script + WRK_REPORT)
    command = ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "-s", file.name]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command += [f"http://127.0.0.1:{port}{path}"]
    if args:
        command += ["--", *args]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(file.name)
    line = next(row for row in output.splitlines() if row.startswith("RESULT"))
    requests, duration_us, p50, p95, p99, errors, booked, refused = map(int, line.split()[1:])
    return {
        "requests": requests,
        "req_s": requests / (duration_us / 1e6),
        "p50_ms": p50 / 1000,
        "p95_ms": p95 / 1000,
        "p99_ms": p99 / 1000,
        "errors": errors,
        "booked": booked,
        "refused": refused,
    }


def booking_lines(app: Flask, data: WebData, members: int, path: Path) -> int:
    """The booking file: member i, day d -> desk (i + d) % desks, days but the burst's."""
    rows = []
    desks, days = data.bench_desk_ids, data.bench_days[:-1]
    floor_page = f"/m/{BENCH_HUB}/?day={days[0].isoformat()}"
    for i in range(members):
        cookie, token = log_in(app, member_email(i), floor_page)
        for d, day in enumerate(days):
            desk = desks[(i + d) % len(desks)]
            rows.append((d, i, f"{cookie}\tresource_id={desk}&day={day}&csrf_token={token}"))
    rows.sort()  # day by day: each day's desks fill up before the next day's are asked for
    path.write_text("\n".join(row for _d, _i, row in rows) + "\n")
    return len(rows)


def burst(app: Flask, data: WebData, port: int) -> dict[str, Any]:
    """500 members post for 50 desks of the last bench day at once; time to the last answer."""
    day = data.bench_days[-1]
    page = f"/m/{BENCH_HUB}/?day={day.isoformat()}"
    sessions = [log_in(app, member_email(i), page) for i in range(BURST_MEMBERS)]
    statuses: Counter[int] = Counter()
    booked = Counter[bool]()
    lock = threading.Lock()
    ready = threading.Barrier(BURST_MEMBERS + 1)

    def member(i: int) -> None:
        cookie, token = sessions[i]
        desk = data.bench_desk_ids[i % BURST_DESKS]
        body = f"resource_id={desk}&day={day}&csrf_token={token}"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.connect()
        ready.wait()
        connection.request(
            "POST",
            f"/m/{BENCH_HUB}/book",
            body,
            {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        response.read()
        with lock:
            statuses[response.status] += 1
            booked["/m/bookings/" in (response.getheader("Location") or "")] += 1
        connection.close()

    threads = [threading.Thread(target=member, args=(i,)) for i in range(BURST_MEMBERS)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "members": BURST_MEMBERS,
        "desks": BURST_DESKS,
        "seconds": elapsed,
        "statuses": dict(statuses),
        "booked": booked[True],
        "refused": booked[False],
    }


def run_backend(backend: str, args: argparse.Namespace, pg_url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp), pg_url) as url:
        instance = Path(tmp)
        # Cheap password hashes for the thousand logins made here; the server checks none.
        app = make_app(
            url,
            instance,
            SECRET_KEY=SECRET,
            RATELIMIT_ENABLED=False,
            RUANG_ARGON2_TIME_COST=1,
            RUANG_ARGON2_MEMORY_KIB=1024,
        )
        members = max(BURST_MEMBERS, args.booking_members) + 100
        data = prepare(app, members=members)
        lines = instance / "bookings.tsv"
        total = booking_lines(app, data, args.booking_members, lines)
        floor_cookie, _token = log_in(
            app, data.member_emails[-1], f"/m/{data.hub_slug}/?day={data.busy_day}"
        )
        with app.app_context():
            db.engine.dispose()
        server = Server(url, instance, args.workers)
        results: dict[str, Any] = {"booking_requests_available": total}
        try:
            floor_path = f"/m/{data.hub_slug}/?day={data.busy_day.isoformat()}"
            assert "A01" in _get_text(server.port, floor_path, floor_cookie)
            for clients in args.clients:
                ceiling = measured(server, STATIC_PATH, clients, args.seconds, "")
                floor = measured(server, floor_path, clients, args.seconds, "", cookie=floor_cookie)
                results[f"static c{clients}"] = ceiling
                results[f"floor page c{clients}"] = floor | {
                    "ratio": floor["req_s"] / ceiling["req_s"]
                }
            offset = 0
            for clients in args.clients:
                # Each run continues in the booking file where the last one stopped.
                booking = measured(
                    server,
                    f"/m/{BENCH_HUB}/book",
                    clients,
                    args.seconds,
                    WRK_BOOKINGS,
                    str(lines),
                    str(offset),
                    "2",
                )
                offset += int(booking["booked"] + booking["refused"]) + 2
                booking["booked_s"] = booking["booked"] / args.seconds
                results[f"book a desk c{clients}"] = booking
            results["burst"] = burst(app, data, server.port)
        finally:
            server.stop()
        return results


def _get_text(port: int, path: str, cookie: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    assert response.status == 200, response.status
    return text


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
        rows = []
        for name, r in results.items():
            if name in ("burst", "booking_requests_available"):
                continue
            rate = r.get("booked_s", r["req_s"])
            rows.append(
                [
                    name,
                    r["req_s"],
                    rate,
                    r["p50_ms"],
                    r["p95_ms"],
                    r["p99_ms"],
                    r.get("ratio", float("nan")),
                    r["errors"],
                    r["server_cpu_ms"],
                ]
            )
        print_table(
            [
                *("request", "req/s", "done/s", "p50 ms", "p95 ms", "p99 ms", "of ceiling"),
                *("errors", "server CPU ms/request"),
            ],
            rows,
        )
        print("burst:", json.dumps(results["burst"]))
    write_json("web", everything)


if __name__ == "__main__":
    main()
