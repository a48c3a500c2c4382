"""What the `flask ruang` command groups share: a hub named by its slug, and a domain error
ending the command with its message and a non-zero exit (nothing changed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy import select

from app.extensions import db
from app.models import Hub
from app.services.errors import DomainError


def hub_named(slug: str) -> Hub:
    hub = db.session.scalar(select(Hub).where(Hub.slug == slug))
    if hub is None:
        raise click.ClickException(f"no hub {slug!r}")
    return hub


@contextmanager
def domain_errors_exit() -> Iterator[None]:
    """Turn a DomainError raised inside into click's clean failure: the message, exit 1."""
    try:
        yield
    except DomainError as error:
        raise click.ClickException(error.message) from None
