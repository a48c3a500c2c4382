"""Settings read from the environment when the app is created.

Nothing here runs at import time: `load_settings()` is called by `create_app()` with the
environment (or a test's mapping), so tests never need import-order tricks.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know about where it runs."""

    database_url: str
    secret_key: str
    instance_dir: Path
    env: str = "development"
    mqtt_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def flask_config(self) -> dict[str, Any]:
        """The Flask config mapping these settings stand for."""
        config: dict[str, Any] = {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "RUANG_ENV": self.env,
            "RUANG_INSTANCE_DIR": str(self.instance_dir),
            "RUANG_MQTT_URL": self.mqtt_url,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.is_production,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": self.is_production,
        }
        if self.is_production:
            # Several web processes must share one count of login attempts.
            config["RATELIMIT_STORAGE_URI"] = PRODUCTION_LIMITER_STORAGE
        config.update(self.extra)
        return config


def engine_options(database_url: str) -> dict[str, Any]:
    """Engine options per backend: SQLite waits for locks instead of failing at once."""
    if database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from `environ` (default: the process environment)."""
    env = os.environ if environ is None else environ
    instance_dir = Path(env.get("RUANG_INSTANCE_DIR", str(DEFAULT_INSTANCE_DIR)))
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'ruang.db'}"
    database_url = normalise_database_url(database_url)
    secret_key = env.get("SECRET_KEY") or local_secret_key(instance_dir)
    return Settings(
        database_url=database_url,
        secret_key=secret_key,
        instance_dir=instance_dir,
        env=env.get("RUANG_ENV", "development"),
        mqtt_url=env.get("MQTT_URL") or None,
        extra={**_passthrough(env), **stripe_settings(env)},
    )


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def local_secret_key(instance_dir: Path) -> str:
    """A secret generated once per machine and kept in the instance folder (mode 0600)."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


#: Where production keeps rate-limit counts unless RATELIMIT_STORAGE_URI says otherwise.
PRODUCTION_LIMITER_STORAGE = "redis://localhost:6379/0"

#: Settings handed to Flask as they are (SMTP, rate-limit storage), when set.
PASSTHROUGH = (
    "RUANG_SMTP_HOST",
    "RUANG_SMTP_PORT",
    "RUANG_SMTP_USERNAME",
    "RUANG_SMTP_PASSWORD",
    "RUANG_SMTP_STARTTLS",
    "RUANG_MAIL_SENDER",
    "RUANG_LOGIN_LIMIT",
    "RUANG_API_RATE_LIMIT",  # per API token, e.g. "600 per minute" (app.api.v1.auth)
    "RATELIMIT_STORAGE_URI",
    "RATELIMIT_KEY_PREFIX",
    "RUANG_PASS_SIGNING_KEY",
    "RUANG_MQTT_GATEWAY_PASSWORD",
    # The outbox and retention (app.services.notifications, app.services.people.retention).
    "RUANG_CHANNELS",  # JSON: {"whatsapp": "package.module:factory"}
    "RUANG_OUTBOX_MAX_ATTEMPTS",
    "RUANG_OUTBOX_FIRST_DELAY",
    "RUANG_OUTBOX_LEASE",
    "RUANG_RETENTION_ACCESS_EVENTS_DAYS",
    "RUANG_RETENTION_OUTBOX_DAYS",
    "RUANG_RETENTION_DEVICE_LOG_DAYS",
    "RUANG_RETENTION_IDEMPOTENCY_HOURS",
)


def _passthrough(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {key: env[key] for key in PASSTHROUGH if env.get(key)}
    if "RUANG_SMTP_STARTTLS" in values:
        starttls = values["RUANG_SMTP_STARTTLS"].lower()
        values["RUANG_SMTP_STARTTLS"] = starttls in {"1", "true", "yes"}
    return values


#: The Stripe API version Ruang is written and tested against (stripe 16.1's own). Webhook
#: endpoints in the Stripe dashboard must be created with this version, so event payloads match.
STRIPE_API_VERSION = "2026-10-28.endive"
STRIPE_JS_URL = "https://js.stripe.com/v3/"
STRIPE_PAYMENT_METHOD_TYPES = ("card",)


def stripe_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """Stripe's settings with their defaults. Without STRIPE_SECRET_KEY there is no Stripe
    provider and hubs take manual payments only. STRIPE_PAYMENT_METHOD_TYPES is a comma-separated
    list (`card,qris`); STRIPE_API_BASE points the SDK elsewhere (localstripe in tests)."""
    types = env.get("STRIPE_PAYMENT_METHOD_TYPES", "")
    return {
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_PUBLISHABLE_KEY": env.get("STRIPE_PUBLISHABLE_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_API_VERSION": env.get("STRIPE_API_VERSION") or STRIPE_API_VERSION,
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE") or None,
        "STRIPE_JS_URL": env.get("STRIPE_JS_URL") or STRIPE_JS_URL,
        "STRIPE_PAYMENT_METHOD_TYPES": [t.strip() for t in types.split(",") if t.strip()]
        or list(STRIPE_PAYMENT_METHOD_TYPES),
        "STRIPE_SAVE_CARDS": env.get("STRIPE_SAVE_CARDS", "1").lower() in {"1", "true", "yes"},
    }
