"""The Indonesian catalogue: complete, reviewed, placeholders intact, compiled, and up to date.

The last test extracts the strings from app/ the way `make translations` does (babel.cfg, the same
keywords) and fails for any msgid the catalogue lacks: run `make translations`, translate the new
entries in app/translations/id/LC_MESSAGES/messages.po and commit the .po, .mo and .pot.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
PO = TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.mo"
# The keywords of `pybabel extract -k _l -k lazy_gettext` in the Makefile.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([a-zA-Z%])")


@pytest.fixture(scope="module")
def catalogue() -> Catalog:
    with PO.open("rb") as file:
        return read_po(file, locale="id")


def entries(catalogue: Catalog) -> list[Message]:
    return [message for message in catalogue if message.id]


def forms(message: Message) -> list[str]:
    string = message.string
    return list(string) if isinstance(string, tuple | list) else [string]


def placeholders(text: str) -> set[str]:
    """`%(name)s`-style and `%s`-style placeholders; a literal `%%` is not one."""
    return {
        f"%({name}){kind}" if name else f"%{kind}"
        for name, kind in PLACEHOLDER.findall(text)
        if kind != "%"
    }


def test_indonesian_has_one_plural_form(catalogue: Catalog) -> None:
    assert catalogue.num_plurals == 1
    assert catalogue.plural_expr == "0"


def test_every_entry_is_translated_and_reviewed(catalogue: Catalog) -> None:
    assert len(entries(catalogue)) > 500
    untranslated = [m.id for m in entries(catalogue) if not all(s.strip() for s in forms(m))]
    fuzzy = [m.id for m in entries(catalogue) if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    for message in entries(catalogue):
        assert len(forms(message)) == 1, message.id  # nplurals=1: one form, plural or not


def test_placeholders_are_kept_exactly(catalogue: Catalog) -> None:
    wrong = []
    for message in entries(catalogue):
        ids = list(message.id) if message.pluralizable else [message.id]
        # Indonesian's one form stands for the singular and the plural: it takes both's names.
        expected = set().union(*(placeholders(text) for text in ids))
        for text in forms(message):
            if placeholders(text) != expected:
                wrong.append((message.id, text))
    assert wrong == []


def test_mail_texts_keep_their_line_breaks(catalogue: Catalog) -> None:
    for message in entries(catalogue):
        if not message.pluralizable and "\n\n" in message.id:
            assert forms(message)[0].count("\n\n") == message.id.count("\n\n"), message.id


def compiled(catalogue: Catalog) -> dict[tuple[object, str | None], object]:
    """Each message's translation by (msgid, context); plural parts as tuples."""

    def frozen(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value

    return {(frozen(m.id), m.context): frozen(m.string) for m in catalogue if m.id}


def test_committed_mo_matches_the_po(catalogue: Catalog) -> None:
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    expected = compiled(read_mo(buffer))
    with MO.open("rb") as file:
        committed = compiled(read_mo(file))
    assert committed == expected, "run `make translations` and commit messages.mo"


def test_the_code_has_no_string_missing_from_the_catalogue(catalogue: Catalog) -> None:
    with (ROOT / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    found = list(extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS))
    assert len(found) > 500
    missing = set()
    for filename, lineno, message, _comments, context in found:
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalogue.get(msgid, context=context)
        if entry is None or (isinstance(message, tuple) and not entry.pluralizable):
            missing.add(f"{filename}:{lineno}: {msgid!r}")
    assert sorted(missing) == [], "run `make translations` and translate the new entries"
