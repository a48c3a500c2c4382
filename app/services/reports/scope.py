"""What a report covers: a hub, a kecamatan, a city, a province or the whole programme, and a
period of local dates (each hub's days in its own zone); who may see which."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Hub, Role, User
from app.services.errors import Forbidden, InvalidInput

MAX_PERIOD = timedelta(days=366 * 2)


class Level(enum.StrEnum):
    HUB = "hub"
    KECAMATAN = "kecamatan"
    CITY = "city"
    PROVINCE = "province"
    PROGRAMME = "programme"


@dataclass(frozen=True)
class Scope:
    level: Level
    name: str  # the hub's slug, the kecamatan, city or province; "" for the programme
    first_day: date
    last_day: date  # inclusive

    def bounds(self, hub: Hub) -> tuple[datetime, datetime]:
        """The period at `hub`: from its first day's midnight to the end of its last day."""
        return hub.local_day_bounds(self.first_day)[0], hub.local_day_bounds(self.last_day)[1]

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


def visible_hub_ids(user: User) -> set[int] | None:
    """Hubs whose figures `user` sees: a hub admin their hubs, a programme admin all (None)."""
    if user.is_programme_admin:
        return None
    return {g.hub_id for g in user.roles if g.role is Role.HUB_ADMIN and g.hub_id is not None}


def hubs_in(scope: Scope, user: User) -> list[Hub]:
    """The hubs a scope covers that the user may see; Forbidden if none."""
    if scope.last_day < scope.first_day or scope.last_day - scope.first_day > MAX_PERIOD:
        raise InvalidInput("choose a period of up to two years", field="period")
    stmt = select(Hub).order_by(Hub.name)
    column = {
        Level.HUB: Hub.slug,
        Level.KECAMATAN: Hub.kecamatan,
        Level.CITY: Hub.city,
        Level.PROVINCE: Hub.province,
    }.get(scope.level)
    if column is not None:
        stmt = stmt.where(column == scope.name)
    visible = visible_hub_ids(user)
    if visible is not None:
        stmt = stmt.where(Hub.id.in_(visible))
    hubs = list(db.session.scalars(stmt))
    if not hubs or (scope.level is Level.PROGRAMME and visible is not None):
        raise Forbidden("you cannot see the figures of that scope")
    return hubs
