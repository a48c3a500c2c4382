"""`flask ruang gateway`: run the MQTT gateway."""

from __future__ import annotations

import gc
import logging
import signal
import sys
import threading
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext

from app.gateway.bridge import Gateway, GatewayOptions, default_client_id
from app.gateway.connection import BadBrokerUrl
from devices import protocol


@click.command("gateway")
@click.option(
    "--client-id",
    envvar="RUANG_GATEWAY_ID",
    default=default_client_id,
    show_default="ruang-gateway-<hostname>",
    help="MQTT client id; unique per gateway process, the same across its restarts.",
)
@click.option(
    "--poll",
    "poll_seconds",
    default=5.0,
    show_default=True,
    help="Seconds between checks for new keys and revocations.",
)
@click.option(
    "--end-session",
    is_flag=True,
    help="On exit, end the broker session (retire "
    "this gateway for good: its queued messages go to the other gateways).",
)
@with_appcontext
def gateway_command(client_id: str, poll_seconds: float, end_session: bool) -> None:
    """Run the MQTT gateway (device messages -> services -> replies) until interrupted."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    url = app.config.get("RUANG_MQTT_URL")
    if not url:
        raise click.ClickException("set MQTT_URL, e.g. mqtt://ruang-gateway:secret@localhost:1883")
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        options = GatewayOptions(url=url, client_id=client_id, poll_seconds=poll_seconds)
        gateway = Gateway(app, options)
    except (BadBrokerUrl, protocol.ProtocolError) as exc:
        raise click.ClickException(str(exc)) from None
    stop = threading.Event()

    def shut_down(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    click.echo(f"gateway {client_id} -> {gateway.address} (Ctrl-C stops)")
    # Everything loaded so far (the app, its models, SQLAlchemy's metadata) lives as long as
    # the process: take it out of the garbage collector's view, or each full collection walks
    # it all and holds a door's answer for tens of milliseconds (docs/benchmarks.md).
    gc.collect()
    gc.freeze()
    # A message waits for the GIL while the housekeeping thread runs Python: let go sooner
    # than the default 5 ms.
    sys.setswitchinterval(0.0005)
    gateway.start()
    try:
        stop.wait()
    finally:
        gateway.stop(end_session=end_session)
        click.echo(f"gateway stopped: {gateway.metrics.summary()}")
