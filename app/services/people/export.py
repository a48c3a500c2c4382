"""Everything Ruang holds about a member (UU PDP 27/2022, the right of access), found from the
schema rather than a hand-kept list: their account row and every row of every table with a
foreign key to it. A table added later (billing, programmes) is in the export by itself."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from sqlalchemy import Column, Table, select

from app.extensions import db
from app.models import Base, DataRequest, DataRequestKind, DataRequestStatus, User, utcnow
from app.services.errors import NotFound
from app.services.transactions import transaction

#: Columns never shown, even to their owner: secrets, not data about the person.
SECRET_COLUMNS = frozenset({"password_hash", "mqtt_password_hash", "claim_token"})


@dataclass(frozen=True)
class Section:
    """The rows of one table that refer to the member, by the columns that do."""

    table: str
    via: tuple[str, ...]
    rows: list[dict[str, Any]]


def user_references() -> list[tuple[Table, list[Column[Any]]]]:
    """Every table with columns referring to users.id, and those columns."""
    users = Base.metadata.tables["users"]
    found: list[tuple[Table, list[Column[Any]]]] = []
    for table in Base.metadata.sorted_tables:
        columns = [
            column
            for column in table.columns
            if any(fk.column.table is users for fk in column.foreign_keys)
        ]
        if columns and table is not users:
            found.append((table, columns))
    return found


def member_data(user_id: int) -> list[Section]:
    """The member's account and every row referring to them, table by table."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("no such account")
    users = Base.metadata.tables["users"]
    sections = [Section("users", ("id",), _rows(users, select(users).where(users.c.id == user_id)))]
    for table, columns in user_references():
        condition = columns[0] == user_id
        for column in columns[1:]:
            condition = condition | (column == user_id)
        rows = _rows(table, select(table).where(condition))
        if rows:
            sections.append(Section(table.name, tuple(c.name for c in columns), rows))
    return sections


def export_member_data(user_id: int) -> dict[str, Any]:
    """The export as JSON-friendly data, recorded as a fulfilled request."""
    sections = member_data(user_id)
    with transaction():
        db.session.add(
            DataRequest(
                user_id=user_id,
                kind=DataRequestKind.EXPORT,
                status=DataRequestStatus.DONE,
                handled_at=utcnow(),
            )
        )
    return {
        "exported_at": utcnow().isoformat(),
        "account_id": user_id,
        "tables": {section.table: section.rows for section in sections},
    }


def _rows(table: Table, statement: Any) -> list[dict[str, Any]]:
    shown = [c.name for c in table.columns if c.name not in SECRET_COLUMNS]
    result = db.session.execute(statement).mappings().all()
    return [{name: plain(row[name]) for name in shown} for row in result]


def plain(value: Any) -> Any:
    """A database value as JSON: enums by value, times in ISO 8601, bytes in base64."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value
