"""Stripe webhooks: processing rate and checkout-to-confirmed latency against localstripe.

- rate: signed `payment_intent.succeeded` events (each new, and the same event replayed),
  posted over HTTP to the app served by a threaded Werkzeug server, by 1 and 4 clients; beside
  them the ceiling of an empty endpoint (a route that only answers 200) served the same way in
  the same run.
- checkout-to-confirmed: StripeProvider.start -> the card attached and confirmed at localstripe
  (what Stripe.js does in the browser) -> localstripe's signed webhook processed by Ruang.
  localstripe waits 1 s before it sends any webhook (its webhooks.py), so that second is
  localstripe's, not Ruang's; the table shows it and the rest apart.

The billing domain is stood in for by tests.stripe.RecordingPayments (one audit row per call).
Usage: .venv/bin/python scripts/bench/stripe_webhooks.py --backend sqlite --events 400
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchlib import (
    environment,
    fresh_database,
    make_app,
    pg_server_url,
    print_table,
    summarise_ms,
    write_json,
)
from flask import Flask
from werkzeug.serving import make_server

from app.extensions import db
from app.models import Role, RoleGrant, User
from app.services.billing.providers import Charge
from app.services.billing.stripe.checkout import recorded
from app.services.billing.stripe.client import PAYMENTS_KEY, stripe_provider
from tests.stripe import (
    LocalStripe,
    RecordingPayments,
    free_port,
    payment_intent_event,
    signed_headers,
)

LOCALSTRIPE_WEBHOOK_DELAY_S = 1.0


def serve(app: Flask) -> tuple[str, Any]:
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}", server


def empty_app() -> Flask:
    app = Flask("empty")

    @app.post("/stripe/webhook")
    def receive() -> tuple[str, int]:
        return '{"received": true}', 200

    return app


def post(url: str, body: str) -> float:
    started = time.perf_counter()
    request = urllib.request.Request(
        url + "/stripe/webhook", data=body.encode(), headers=signed_headers(body), method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
        assert response.status == 200, response.status
    return time.perf_counter() - started


def rate(url: str, bodies: list[str], clients: int) -> dict[str, Any]:
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        samples = list(pool.map(lambda body: post(url, body), bodies))
    elapsed = time.perf_counter() - started
    return {"per_s": len(bodies) / elapsed, **summarise_ms(samples)}


def events(count: int) -> list[str]:
    return [
        payment_intent_event(
            "payment_intent.succeeded",
            f"pi_{uuid.uuid4().hex[:14]}",
            f"order-{n}-{uuid.uuid4().hex[:6]}",
        )
        for n in range(count)
    ]


def checkout_to_confirmed(app: Flask, localstripe: LocalStripe, runs: int) -> dict[str, Any]:
    with app.app_context():
        user = User(
            email=f"bench-{uuid.uuid4().hex[:6]}@example.com",
            name="Bench",
            roles=[RoleGrant(role=Role.MEMBER)],
        )
        db.session.add(user)
        db.session.commit()
        member_id, email = user.id, user.email
        provider = stripe_provider()
        assert provider is not None
        samples, confirm_samples = [], []
        for n in range(runs):
            started = time.perf_counter()
            intent = provider.start(
                Charge(
                    f"order-bench-{uuid.uuid4().hex[:8]}-{n}",
                    150_000,
                    "Day pass",
                    member_id,
                    email,
                )
            )
            client = localstripe.client()
            client.v1.payment_intents.update(
                intent.provider_ref, params={"payment_method": localstripe.card_payment_method()}
            )
            client.v1.payment_intents.confirm(intent.provider_ref)
            confirm_samples.append(time.perf_counter() - started)
            while not recorded(intent.provider_ref):
                db.session.remove()
                time.sleep(0.005)
            samples.append(time.perf_counter() - started)
        db.session.remove()
    total = summarise_ms(samples)
    return {
        "total": total,
        "to_confirmed_at_stripe": summarise_ms(confirm_samples),
        "without_localstripe_delay_p50": total["p50"] - LOCALSTRIPE_WEBHOOK_DELAY_S * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url")
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--checkouts", type=int, default=10)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    pg_url = pg_server_url(args.pg_url)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with (
            LocalStripe.running(tmp) as localstripe,
            fresh_database(args.backend, tmp, pg_url) as url,
        ):
            app = make_app(url, tmp, RATELIMIT_STORAGE_URI="memory://", **localstripe.app_config())
            app.extensions[PAYMENTS_KEY] = RecordingPayments()
            app_url, app_server = serve(app)
            empty_url, empty_server = serve(empty_app())
            localstripe.register_webhook("bench", app_url + "/stripe/webhook")
            rows, results = [], {}
            for clients in (1, 4):
                for name, target, bodies in (
                    ("empty endpoint", empty_url, events(args.events)),
                    ("new events", app_url, events(args.events)),
                    ("one event replayed", app_url, events(1) * args.events),
                ):
                    result = rate(target, bodies, clients)
                    results[f"{name} x{clients}"] = result
                    rows.append([name, clients, result["per_s"], result["p50"], result["p99"]])
            print(f"backend {args.backend}, {args.events} requests per row")
            print_table(["deliveries", "clients", "per s", "p50 ms", "p99 ms"], rows)
            checkout = checkout_to_confirmed(app, localstripe, args.checkouts)
            print()
            print_table(
                ["checkout -> confirmed", "p50 ms", "p95 ms", "max ms"],
                [
                    [
                        "start + confirm at localstripe",
                        checkout["to_confirmed_at_stripe"]["p50"],
                        checkout["to_confirmed_at_stripe"]["p95"],
                        checkout["to_confirmed_at_stripe"]["max"],
                    ],
                    [
                        "until Ruang processed the webhook",
                        checkout["total"]["p50"],
                        checkout["total"]["p95"],
                        checkout["total"]["max"],
                    ],
                ],
            )
            print(
                f"(localstripe sends webhooks after {LOCALSTRIPE_WEBHOOK_DELAY_S:.0f} s: "
                f"the rest is {checkout['without_localstripe_delay_p50']:.1f} ms at p50)"
            )
            app_server.shutdown()
            empty_server.shutdown()
            with app.app_context():
                db.engine.dispose()
    path = write_json(
        f"stripe-webhooks-{args.backend}",
        {
            "environment": environment(pg_url if args.backend == "postgresql" else None),
            "rates": results,
            "checkout": checkout,
        },
    )
    print(f"results: {path}")


if __name__ == "__main__":
    main()
