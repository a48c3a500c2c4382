"""Ruang: booking and access control for public co-working hubs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from app.services.access.keys import Keyring
from app.services.billing.providers import init_providers
from app.services.billing.stripe.client import init_stripe
from app.services.people.accounts import configure_password_hashing
from config.settings import engine_options, load_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(
    config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Flask:
    """Build the Flask app from the environment (or `environ`), then apply `config` overrides."""
    settings = load_settings(environ)
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.config.from_mapping(settings.flask_config())
    app.config.update(config or {})
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (registers every model on the metadata)
    from app.extensions import configure_sqlite, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    if "RUANG_ARGON2_MEMORY_KIB" in app.config:
        configure_password_hashing(
            int(app.config.get("RUANG_ARGON2_TIME_COST", 1)),
            int(app.config["RUANG_ARGON2_MEMORY_KIB"]),
        )
    from app.services.notifications.channels import channels_from_config

    app.extensions["ruang.channels"] = channels_from_config(app.config)
    init_providers(app)
    app.extensions["ruang.keyring"] = Keyring(
        Path(app.instance_path) / "pass-keys", app.config.get("RUANG_PASS_SIGNING_KEY")
    )
    init_stripe(app)


def _register_blueprints(app: Flask) -> None:
    from app.api.stripe_webhooks import stripe_webhooks
    from app.web import register_web

    register_web(app)
    app.register_blueprint(stripe_webhooks)
    from app.api import register_api

    register_api(app)


def _register_cli(app: Flask) -> None:
    from app.cli import ruang

    app.cli.add_command(ruang)
