"""Settings come from the environment when asked, with safe embedded defaults."""

from __future__ import annotations

import stat

from config.settings import load_settings


def test_defaults_are_sqlite_in_the_instance_folder(tmp_path) -> None:
    settings = load_settings({"RUANG_INSTANCE_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'ruang.db'}"
    assert not settings.is_production
    secret_file = tmp_path / "secret_key"
    assert secret_file.read_text() == settings.secret_key
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    # The same secret next time: sessions survive a restart.
    assert load_settings({"RUANG_INSTANCE_DIR": str(tmp_path)}).secret_key == settings.secret_key


def test_environment_wins(tmp_path) -> None:
    settings = load_settings(
        {
            "RUANG_INSTANCE_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://u@db/ruang",
            "SECRET_KEY": "from-env",
            "RUANG_ENV": "production",
            "RUANG_SMTP_HOST": "mail.example.com",
        }
    )
    assert settings.database_url == "postgresql+psycopg://u@db/ruang"
    assert settings.secret_key == "from-env"
    assert settings.flask_config()["SESSION_COOKIE_SECURE"] is True
    assert settings.flask_config()["RUANG_SMTP_HOST"] == "mail.example.com"
    assert not (tmp_path / "secret_key").exists()


def test_production_shares_rate_limit_counts(tmp_path) -> None:
    """Several web processes must count login attempts together: memory storage would give
    each worker its own allowance."""
    base = {"RUANG_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "s"}
    production = load_settings({**base, "RUANG_ENV": "production"}).flask_config()
    assert production["RATELIMIT_STORAGE_URI"].startswith("redis://")
    chosen = {**base, "RUANG_ENV": "production", "RATELIMIT_STORAGE_URI": "redis://cache:6379/2"}
    assert load_settings(chosen).flask_config()["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/2"
    assert "RATELIMIT_STORAGE_URI" not in load_settings(base).flask_config()  # memory in dev
