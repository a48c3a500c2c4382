"""A hub's calendar: weekly opening hours and closures imported from CSV (all or nothing)."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import func, select

import app as app_package
from app.models import Closure
from app.services.booking import bookings
from app.services.errors import HubClosed, InvalidInput, NotFound
from app.services.hubs.calendar import (
    ClosureRow,
    import_closures,
    parse_closures_csv,
    set_opening_hours,
)
from tests.conftest import TUESDAY

HOLIDAYS_CSV = Path(app_package.__file__).parent / "seed" / "data" / "holidays-id.csv"


@pytest.fixture
def closure_count(session):
    def count() -> int:
        return int(session.scalar(select(func.count()).select_from(Closure)) or 0)

    return count


def test_parse_header_comments_blank_lines_and_hub() -> None:
    text = (
        "date,name,hub\n"
        "# cuti bersama 2026\n"
        "\n"
        "2026-12-24,Cuti Bersama Natal\n"
        "2026-12-25, Hari Raya Natal ,\n"
        "2026-12-26,Acara kecamatan,ok-oce-tebet\n"
    )
    assert parse_closures_csv(text) == [
        ClosureRow(date(2026, 12, 24), "Cuti Bersama Natal", None),
        ClosureRow(date(2026, 12, 25), "Hari Raya Natal", None),
        ClosureRow(date(2026, 12, 26), "Acara kecamatan", "ok-oce-tebet"),
    ]


def test_the_shipped_holidays_parse() -> None:
    rows = parse_closures_csv(HOLIDAYS_CSV.read_text(encoding="utf-8"))
    assert rows
    assert ClosureRow(date(2026, 12, 25), "Hari Raya Natal", None) in rows


def test_bad_rows_are_all_reported() -> None:
    text = "2026-12-25,Natal\n25/12/2026,Natal\n2026-12-31\n2026-02-30,Tidak ada\n"
    with pytest.raises(InvalidInput) as caught:
        parse_closures_csv(text)
    errors = caught.value.details["errors"]
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 3", "line 4"]


def test_import_with_bad_rows_adds_nothing(session, a_hub, closure_count) -> None:
    with pytest.raises(InvalidInput):
        import_closures("2026-12-25,Natal\nnot-a-date,Oops\n", hub_slug=a_hub.slug)
    assert closure_count() == 0


def test_import_with_unknown_hub_adds_nothing(session, make_hub, closure_count) -> None:
    hub = make_hub(slug="jfch")
    text = "2026-12-24,Cuti Bersama,jfch\n2026-12-25,Natal,no-such-hub\n"
    with pytest.raises(NotFound):
        import_closures(text)
    assert closure_count() == 0
    session.expire_all()
    assert hub.closures == []


def test_import_into_every_hub_and_twice(session, make_hub, closure_count) -> None:
    first, second = make_hub(), make_hub()
    text = "2026-12-25,Hari Raya Natal\n2026-12-31,Cuti Bersama\n"
    assert import_closures(text) == 4
    assert import_closures(text) == 0  # importing again is harmless
    session.expire_all()
    assert [c.on for c in first.closures] == [date(2026, 12, 25), date(2026, 12, 31)]
    assert len(second.closures) == 2


def test_import_into_one_hub(session, make_hub) -> None:
    chosen, other = make_hub(), make_hub()
    assert import_closures("2026-12-25,Natal\n", hub_slug=chosen.slug) == 1
    session.expire_all()
    assert len(chosen.closures) == 1
    assert other.closures == []


def test_imported_closure_refuses_bookings(
    clock, session, a_hub, a_desk, a_member, booking_count
) -> None:
    import_closures(f"{TUESDAY.isoformat()},Hari Guru\n", hub_slug=a_hub.slug)
    session.expire_all()
    with pytest.raises(HubClosed) as caught:
        bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY)
    assert "Hari Guru" in str(caught.value)
    assert booking_count() == 0


def test_set_opening_hours(clock, session, a_hub, a_desk, a_member) -> None:
    set_opening_hours(a_hub, {TUESDAY.weekday(): None, 5: (time(9), time(13))})
    session.commit()
    assert a_hub.hours_on(TUESDAY) is None
    with pytest.raises(HubClosed):
        bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY)
    saturday = bookings.book_whole_day(a_member.id, a_desk.id, date(2026, 11, 28))
    assert saturday.duration.total_seconds() == 4 * 3600


@pytest.mark.parametrize(
    "weekly",
    [{7: (time(8), time(17))}, {-1: None}, {0: (time(8), time(8))}],
    ids=["weekday-7", "weekday-minus-1", "opens-equals-closes"],
)
def test_bad_opening_hours(session, a_hub, weekly) -> None:
    with pytest.raises(InvalidInput):
        set_opening_hours(a_hub, weekly)
