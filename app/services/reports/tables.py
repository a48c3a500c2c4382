"""Reports as named tables: what the pages show, the charts draw and CSV exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.models.businesses import BusinessStage, ProgrammeStep, kbli_name
from app.services.reports.impact import ImpactReport
from app.services.reports.scope import Level
from app.services.reports.utilisation import UtilisationReport


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    header: tuple[str, str]
    rows: list[tuple[str, int]]

    @property
    def peak(self) -> int:
        return max((value for _, value in self.rows), default=0)


AREA_TITLES = {
    Level.PROGRAMME: _l("Members served by province"),
    Level.PROVINCE: _l("Members served by city"),
    Level.CITY: _l("Members served by kecamatan"),
}


def report_tables(
    report: ImpactReport,
    locale: str,
    step_labels: Mapping[ProgrammeStep, object],
    stage_labels: Mapping[BusinessStage, object],
) -> list[Table]:
    """The report's tables in the page's language (labels passed in by the web layer)."""
    figure, count = str(_l("Figure")), str(_l("Count"))
    return [
        Table(
            "summary",
            str(_l("Summary")),
            (figure, count),
            [
                (str(_l("Members served")), report.members_served),
                (str(_l("New members")), report.new_members),
                (str(_l("People employed (latest)")), report.employed_latest),
                (str(_l("People employed (change)")), report.employed_change),
                (str(_l("Trainings and events held")), report.events_held),
                (str(_l("Event registrations")), report.registrations),
                (str(_l("Event attendance")), report.attendance),
                (str(_l("Mentoring sessions")), report.mentoring_sessions),
                (str(_l("Check-ins")), report.check_ins),
                (str(_l("Subsidised members")), report.subsidised),
                (str(_l("Paying members")), report.paying),
                (str(_l("Members on free plans")), report.free),
            ],
        ),
        *(
            [Table("areas", str(AREA_TITLES[level]), (str(_l("Area")), count), report.by_area)]
            if (level := report.scope.level) in AREA_TITLES
            else []
        ),
        Table(
            "hubs",
            str(_l("Members served by hub")),
            (str(_l("Hub")), count),
            [(f.hub.name, f.members_served) for f in report.per_hub],
        ),
        Table(
            "stages",
            str(_l("Businesses by stage")),
            (str(_l("Stage")), count),
            [(str(stage_labels[stage]), n) for stage, n in report.by_stage],
        ),
        Table(
            "sectors",
            str(_l("Businesses by sector (KBLI 2020)")),
            (str(_l("Sector")), count),
            [(f"{code} · {kbli_name(code, locale)}", n) for code, n in report.by_sector],
        ),
        Table(
            "steps",
            str(_l("Programme steps reached")),
            (str(_l("Step")), count),
            [(str(step_labels[step]), n) for step, n in report.steps_reached],
        ),
    ]


def as_csv(table: Table) -> str:
    return csv_text(table.header, table.rows)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@dataclass(frozen=True)
class Grid:
    """A table of several columns (CSV and the page), with the column charted, if any."""

    name: str
    title: str
    header: tuple[str, ...]
    rows: list[tuple[object, ...]]


def utilisation_tables(report: UtilisationReport, kind_labels: Mapping[str, object]) -> list[Grid]:
    weekdays = [str(day) for day in WEEKDAYS]
    return [
        Grid(
            "kinds",
            str(_l("Utilisation by hub and kind")),
            (
                str(_l("Hub")),
                str(_l("Kind")),
                str(_l("Bookings")),
                str(_l("Booked hours")),
                str(_l("Open seat-hours")),
                str(_l("Utilisation %")),
                str(_l("No-show %")),
            ),
            [
                (
                    use.hub.name,
                    str(kind_labels.get(use.kind.value, use.kind.value)),
                    use.bookings,
                    round(use.booked_hours, 1),
                    round(use.open_hours, 1),
                    round(use.utilisation, 1),
                    round(use.no_show_rate, 1),
                )
                for use in report.by_kind
            ],
        ),
        Grid(
            "days",
            str(_l("Booked hours by day")),
            (str(_l("Date")), str(_l("Booked hours"))),
            [(day.isoformat(), hours) for day, hours in report.by_day],
        ),
        Grid(
            "heatmap",
            str(_l("Occupancy by weekday and hour")),
            (str(_l("Weekday")), str(_l("Hour")), str(_l("Check-ins")), str(_l("Sensor readings"))),
            [
                (
                    weekdays[day],
                    f"{hour:02d}:00",
                    report.check_ins[(day, hour)],
                    report.sensed[(day, hour)],
                )
                for day in range(7)
                for hour in range(24)
                if report.check_ins[(day, hour)] or report.sensed[(day, hour)]
            ],
        ),
    ]


WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)
