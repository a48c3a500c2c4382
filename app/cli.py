"""`flask ruang ...` commands: demo data, users, data tools, timed jobs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, cast

import click
from flask import current_app
from flask.cli import with_appcontext

from app.device_cli import device
from app.door_cli import door, zone
from app.gateway.cli import gateway_command
from app.models import Role, utcnow
from app.services.access.keys import Keyring
from app.services.errors import DomainError
from app.simulate_cli import simulate_command


@click.group("ruang")
def ruang() -> None:
    """Ruang administration commands."""


ruang.add_command(gateway_command)
ruang.add_command(device)
ruang.add_command(door)
ruang.add_command(zone)
ruang.add_command(simulate_command)


def _fail(error: DomainError) -> None:
    raise click.ClickException(error.message)


@ruang.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create the demo hubs, plans and people (idempotent) and print the logins."""
    from app.seed.demo import DEMO_PASSWORD, seed_demo

    logins = seed_demo(utcnow().date())
    from app.services.access.keys import generate_key, list_keys

    if not list_keys():
        generate_key(_keyring())
    click.echo("Demo data ready. Log in with password " + click.style(DEMO_PASSWORD, bold=True))
    for login in logins:
        click.echo(f"  {login.email:<28} {login.role:<16} {login.note}")


@ruang.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    metavar="ROLE[@HUB]",
    help="member, frontdesk@HUB, hub_admin@HUB or programme_admin; repeatable.",
)
@with_appcontext
def create_user_command(email: str, name: str, password: str, roles: tuple[str, ...]) -> None:
    """Create a user with roles (staff roles name their hub by slug)."""
    from app.services.people.accounts import create_user

    grants: list[tuple[Role, str | None]] = []
    for spec in roles or ("member",):
        role_name, _, hub = spec.partition("@")
        try:
            role = Role(role_name)
        except ValueError:
            raise click.BadParameter(f"unknown role {role_name!r}", param_hint="--role") from None
        if role in (Role.FRONTDESK, Role.HUB_ADMIN) and not hub:
            raise click.BadParameter(f"{role} needs a hub: {role}@HUB", param_hint="--role")
        grants.append((role, hub or None))
    try:
        user = create_user(email, name, password, grants)
    except DomainError as error:
        _fail(error)
    click.echo(f"Created {user.email} (id {user.id})")


@ruang.command("import-closures")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--hub",
    "hub_slug",
    default=None,
    help="Only this hub (default: the file's hub column, else all).",
)
@with_appcontext
def import_closures_command(csv_file: Path, hub_slug: str | None) -> None:
    """Import dated closures (date,name[,hub]) from a CSV file."""
    from app.services.hubs.calendar import import_closures

    try:
        added = import_closures(csv_file.read_text("utf-8"), hub_slug)
    except DomainError as error:
        _fail(error)
    click.echo(f"Added {added} closure(s).")


@ruang.command("release-no-shows")
@with_appcontext
def release_no_shows_command() -> None:
    """Mark bookings not checked in within their hub's window as no-shows (a timed job)."""
    from app.services.booking.bookings import release_no_shows

    released = release_no_shows()
    click.echo(f"Released {len(released)} booking(s).")


@ruang.command("send-outbox")
@with_appcontext
def send_outbox_command() -> None:
    """Send the outbox's due messages now (the worker does it every few seconds)."""
    from app.worker import send_outbox

    click.echo(f"Outbox: {send_outbox()}.")


@ruang.command("seed-bulk")
@click.option(
    "--scale",
    type=float,
    default=None,
    help="Programme scale (0.1-1.0; 1.0: 300 hubs, 200,000 members, 2 M bookings, "
    "5 M access events, 20,000 events); the options below override its numbers.",
)
@click.option("--hubs", type=int, help="Hubs to create.  [default: 10]")
@click.option("--floors-per-hub", type=int, help="Floors in each hub.  [default: 1]")
@click.option(
    "--resources", type=int, help="Resources in all, spread over floors.  [default: 2000]"
)
@click.option("--members", type=int, help="Members to create.  [default: 5000]")
@click.option("--bookings", type=int, help="Bookings to create.  [default: 1000000]")
@click.option("--access-events", type=int, help="Access decisions to create.  [default: 0]")
@click.option("--events", type=int, help="Events (with registrations) to create.  [default: 0]")
@click.option("--mentors", type=int, help="Mentors (with office hours) to create.  [default: 0]")
@click.option("--seed", default=1, show_default=True, help="Random seed (same seed, same data).")
@click.option(
    "--around",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Centre day of the bookings (default: today).",
)
@click.option("--days", type=int, default=None, help="Spread over this many days (default: fit).")
@click.option("--occupancy", default=0.9, show_default=True, help="Share of seats booked a day.")
@with_appcontext
def seed_bulk_command(
    scale: float | None,
    seed: int,
    around: datetime | None,
    days: int | None,
    occupancy: float,
    **numbers: int | None,
) -> None:
    """Load bulk data for benchmarks (into a fresh database): hubs, desks, members, bookings,
    business profiles and steps; with --scale also access events, events and mentoring."""
    import time as clock

    from app.seed.bulk import BulkSeedError, BulkSpec, seed_bulk

    given: dict[str, Any] = {name: value for name, value in numbers.items() if value is not None}
    given |= dict(
        seed=seed, around=around.date() if around else None, days=days, occupancy=occupancy
    )
    started = clock.perf_counter()
    try:
        spec = BulkSpec(**given) if scale is None else BulkSpec.at_scale(scale, **given)
        with click.progressbar(length=spec.bookings, label="Bookings", show_pos=True) as bar:
            result = seed_bulk(spec, progress=bar.update)
    except BulkSeedError as error:
        raise click.ClickException(str(error)) from None
    programme = ", ".join(
        f"{count} {name.replace('_', ' ')}" for name, count in result.programme.items()
    )
    click.echo(
        f"Created {len(result.hub_ids)} hubs, {len(result.floor_ids)} floors, "
        f"{result.resources} resources, {result.members} members and {result.bookings} "
        f"bookings from {result.first_day} to {result.last_day}; {programme} "
        f"in {clock.perf_counter() - started:.0f} s."
    )
    if result.members < result.seats_per_day:
        click.echo(
            f"Note: {result.seats_per_day} seats a day but only {result.members} members, "
            "so some members hold more than one booking a day."
        )


@ruang.group("keys")
def keys() -> None:
    """Pass signing keys: generate, rotate, list."""


def _keyring() -> Keyring:
    return cast(Keyring, current_app.extensions["ruang.keyring"])


@keys.command("generate")
@with_appcontext
def keys_generate_command() -> None:
    """Create a signing key (the first one, or an extra active one)."""
    from app.services.access.keys import generate_key

    try:
        key = generate_key(_keyring())
    except DomainError as error:
        _fail(error)
    click.echo(f"Generated pass key {key.id}; private key in {_keyring().key_dir}/{key.id}.key")


@keys.command("rotate")
@with_appcontext
def keys_rotate_command() -> None:
    """Sign with a new key from now on; old keys keep verifying their passes for a while."""
    from app.services.access.keys import RETIRED_KEY_GRACE, rotate_key

    key = rotate_key(_keyring())
    click.echo(
        f"Now signing with key {key.id}; retired keys stay valid for {RETIRED_KEY_GRACE.days} days."
    )


@keys.command("list")
@with_appcontext
def keys_list_command() -> None:
    """Every key, whether it is active, and whether this server holds its private half."""
    from app.services.access.keys import RETIRED_KEY_GRACE, list_keys

    for key in list_keys():
        if key.retired_at is None:
            state = "active"
        else:
            state = f"retired {key.retired_at:%Y-%m-%d}, verifies until " + (
                f"{key.retired_at + RETIRED_KEY_GRACE:%Y-%m-%d}"
            )
        held = "private key here" if _keyring().private_key(key.id) else "public only"
        click.echo(f"  {key.id:>3}  {state:<48} {held}")


@ruang.command("worker")
@with_appcontext
def worker_command() -> None:
    """Run the timed jobs (no-show release) until interrupted."""
    import signal
    import threading

    from app.worker import JOBS, run_worker

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo(
        "Worker running: " + ", ".join(f"{job.name} every {job.every_seconds:g}s" for job in JOBS)
    )
    try:
        run_worker(current_app._get_current_object(), stop)  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        stop.set()
