"""Where a redirect may go: a path on this site, never somewhere a browser reads as another host."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import request

#: Longer than any page of ours needs; a longer `next` is someone's experiment.
MAX_TARGET_LENGTH = 2048


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None.

    Browsers forgive a lot: `//evil`, `/\\evil`, `/%5Cevil`, `\\t//evil`, `java\\nscript:` all
    leave the site. So a target is checked as written, and its path once percent-decoded: it
    starts with one slash and holds no backslash, whitespace or control character.
    """
    if not target or len(target) > MAX_TARGET_LENGTH:
        return None
    for form in (target, unquote(target.partition("?")[0])):
        if not form.startswith("/") or form[1:2] in ("/", "\\") or "\\" in form:
            return None
        if any(_is_unsafe(character) for character in form):
            return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def same_site_referrer() -> str | None:
    """The page the request came from, as a local path, if it was a page of this site."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    return local_path(parts.path + (f"?{parts.query}" if parts.query else ""))


def _is_unsafe(character: str) -> bool:
    # Cc/Cf/Cs/Co/Cn: control, format (zero-width, bidi), surrogate, private, unassigned;
    # Z*: every kind of space, which browsers strip or fold.
    return unicodedata.category(character)[0] in ("C", "Z")
