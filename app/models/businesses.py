"""Members' businesses (NIB, KBLI sector, stage, people employed with history) and the OK OCE
programme steps each member reaches."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.members import User
from app.models.types import enum_column

#: KBLI 2020 sections (Klasifikasi Baku Lapangan Usaha Indonesia): code, Indonesian, English.
KBLI_SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("A", "Pertanian, Kehutanan dan Perikanan", "Agriculture, forestry and fishing"),
    ("B", "Pertambangan dan Penggalian", "Mining and quarrying"),
    ("C", "Industri Pengolahan", "Manufacturing"),
    ("D", "Pengadaan Listrik, Gas, Uap/Air Panas dan Udara Dingin", "Electricity and gas supply"),
    ("E", "Pengelolaan Air, Limbah dan Daur Ulang Sampah", "Water supply, waste and recycling"),
    ("F", "Konstruksi", "Construction"),
    ("G", "Perdagangan Besar dan Eceran; Reparasi Kendaraan", "Wholesale and retail trade"),
    ("H", "Pengangkutan dan Pergudangan", "Transportation and storage"),
    ("I", "Penyediaan Akomodasi dan Makan Minum", "Accommodation and food service"),
    ("J", "Informasi dan Komunikasi", "Information and communication"),
    ("K", "Aktivitas Keuangan dan Asuransi", "Financial and insurance activities"),
    ("L", "Real Estat", "Real estate"),
    ("M", "Aktivitas Profesional, Ilmiah dan Teknis", "Professional, scientific and technical"),
    ("N", "Aktivitas Penyewaan, Ketenagakerjaan dan Penunjang Usaha", "Administrative support"),
    ("O", "Administrasi Pemerintahan, Pertahanan dan Jaminan Sosial", "Public administration"),
    ("P", "Pendidikan", "Education"),
    ("Q", "Aktivitas Kesehatan Manusia dan Aktivitas Sosial", "Health and social work"),
    ("R", "Kesenian, Hiburan dan Rekreasi", "Arts, entertainment and recreation"),
    ("S", "Aktivitas Jasa Lainnya", "Other service activities"),
    ("T", "Aktivitas Rumah Tangga sebagai Pemberi Kerja", "Households as employers"),
    ("U", "Aktivitas Badan Internasional dan Ekstra Internasional", "Extraterritorial bodies"),
)
KBLI_CODES = frozenset(code for code, _, _ in KBLI_SECTIONS)


def kbli_name(code: str, locale: str) -> str:
    """The section's name in Indonesian (`id`) or English."""
    for section, indonesian, english in KBLI_SECTIONS:
        if section == code:
            return indonesian if locale.startswith("id") else english
    return code


class BusinessStage(enum.StrEnum):
    IDEA = "idea"
    STARTING = "starting"
    RUNNING = "running"
    GROWING = "growing"


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"


class AgeBand(enum.StrEnum):
    UNDER_25 = "under_25"
    FROM_25 = "25_34"
    FROM_35 = "35_44"
    FROM_45 = "45_54"
    FROM_55 = "55_plus"


class BusinessProfile(Base):
    """One member's business. Gender and age band are kept only with explicit consent."""

    __tablename__ = "business_profiles"
    __table_args__ = (
        CheckConstraint("nib IS NULL OR length(nib) = 13", name="nib_13_digits"),
        CheckConstraint("people_employed >= 0", name="people_employed_not_negative"),
        CheckConstraint(
            "demographics_consent_at IS NOT NULL OR (gender IS NULL AND age_band IS NULL)",
            name="demographics_need_consent",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    nib: Mapped[str | None] = mapped_column(String(13), default=None)
    kbli_section: Mapped[str] = mapped_column(String(1))
    stage: Mapped[BusinessStage] = mapped_column(enum_column(BusinessStage, "business_stage"))
    people_employed: Mapped[int] = mapped_column(default=0)
    kecamatan: Mapped[str] = mapped_column(String(100), default="")
    kelurahan: Mapped[str] = mapped_column(String(100), default="")
    demographics_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    gender: Mapped[Gender | None] = mapped_column(enum_column(Gender, "gender"), default=None)
    age_band: Mapped[AgeBand | None] = mapped_column(enum_column(AgeBand, "age_band"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    employment: Mapped[list[EmploymentRecord]] = relationship(
        back_populates="business",
        cascade="all, delete-orphan",
        order_by="EmploymentRecord.recorded_on",
    )


class EmploymentRecord(Base):
    """People employed by a business as reported on a day: the history behind the figure."""

    __tablename__ = "employment_records"
    __table_args__ = (
        CheckConstraint("people >= 0", name="people_not_negative"),
        Index("ix_employment_records_business_on", "business_id", "recorded_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business_profiles.id", ondelete="CASCADE"))
    people: Mapped[int] = mapped_column()
    recorded_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    business: Mapped[BusinessProfile] = relationship(back_populates="employment")


class ProgrammeStep(enum.StrEnum):
    """The seven OK OCE steps, in programme order."""

    REGISTRATION = "registration"  # pendaftaran
    TRAINING = "training"  # pelatihan
    MENTORING = "mentoring"  # pendampingan
    LICENSING = "licensing"  # perizinan
    MARKETING = "marketing"  # pemasaran
    FINANCIAL_REPORTING = "financial_reporting"  # pelaporan keuangan
    CAPITAL = "capital"  # permodalan


class StepRecord(Base):
    """A member reached a programme step: on which day, recorded by whom, with a note."""

    __tablename__ = "step_records"
    __table_args__ = (
        UniqueConstraint("member_id", "step"),
        # The impact report: steps reached at a hub in a period, from the index alone.
        Index("ix_step_records_hub_reached", "hub_id", "reached_on", "step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    step: Mapped[ProgrammeStep] = mapped_column(enum_column(ProgrammeStep, "programme_step"))
    reached_on: Mapped[date] = mapped_column(Date)
    hub_id: Mapped[int | None] = mapped_column(
        ForeignKey("hubs.id", ondelete="SET NULL"), default=None
    )
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[User] = relationship(foreign_keys=[member_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
