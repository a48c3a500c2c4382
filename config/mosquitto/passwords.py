"""Mosquitto 2 password files: `username:$7$<iterations>$<base64 salt>$<base64 hash>` lines.

`$7$` is PBKDF2-HMAC-SHA512 with a 12-byte salt and a 64-byte hash, 101 iterations by default,
exactly as `mosquitto_passwd` writes it, so the broker reads files written here (and the embedded
broker reads files written by `mosquitto_passwd`). `$6$` (one round of salted SHA-512, Mosquitto
1.x) is read too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

ITERATIONS = 101  # mosquitto_passwd's default
SALT_BYTES = 12
HASH_BYTES = 64


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """The `$7$` hash of `password`, as mosquitto_passwd would write it."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, HASH_BYTES)
    return f"$7${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` matches a `$7$` or `$6$` hash from a Mosquitto password file."""
    parts = encoded.split("$")
    try:
        if len(parts) == 5 and parts[1] == "7":
            iterations, salt, expected = int(parts[2]), _unb64(parts[3]), _unb64(parts[4])
            if not 1 <= iterations <= 1_000_000:
                return False
            digest = hashlib.pbkdf2_hmac(
                "sha512", password.encode(), salt, iterations, len(expected)
            )
        elif len(parts) == 4 and parts[1] == "6":
            salt, expected = _unb64(parts[2]), _unb64(parts[3])
            digest = hashlib.sha512(password.encode() + salt).digest()
        else:
            return False
    except ValueError:
        return False
    return hmac.compare_digest(digest, expected)


def new_password() -> str:
    """A random MQTT password: 24 URL-safe characters (144 bits)."""
    return secrets.token_urlsafe(18)


def password_line(username: str, password_hash: str) -> str:
    if not username or any(c in username for c in ":\n\r"):
        raise ValueError(f"not a usable MQTT username: {username!r}")
    return f"{username}:{password_hash}"


def write_password_file(path: Path, lines: Iterable[str]) -> None:
    """Write the file atomically with mode 0600 (the broker warns about, and will refuse,
    world-readable password files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.writelines(f"{line}\n" for line in lines)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def read_password_file(path: Path) -> dict[str, str]:
    """username -> hash, skipping blank lines and comments."""
    users: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and ":" in line:
            username, password_hash = line.split(":", 1)
            users[username] = password_hash
    return users


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)
