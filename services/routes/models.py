"""The routes service's tables: its read model of contracts, the network, pickups and their evidence, compliance."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import Id, Instant, new_id, service_metadata


class Base(DeclarativeBase):
    """The service's own declarative base: its own registry and metadata, apart from other services' models."""

    metadata = service_metadata()


class Contractor(Base):
    """Read model of contracts.contractor.registered."""

    __tablename__ = "contractors"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Contract(Base):
    """Read model of the contracts service's contract: terms, kecamatan and status, amendments applied."""

    __tablename__ = "contracts"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    number: Mapped[str] = mapped_column(String(80))
    contractor_id: Mapped[str] = mapped_column(Id, index=True)
    kawasan: Mapped[str] = mapped_column(String(120))
    kecamatan: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    value_rp: Mapped[int] = mapped_column(BigInteger)
    unit_price_rp_per_ton: Mapped[int] = mapped_column(BigInteger)
    daily_target_kg: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))  # active, suspended, terminated, expired
    grace_minutes: Mapped[int] = mapped_column(Integer)
    geofence_m: Mapped[int] = mapped_column(Integer)
    sync_allowance_hours: Mapped[int] = mapped_column(Integer)
    min_on_time_ratio: Mapped[float] = mapped_column(Float)
    complaint_hours_priority: Mapped[int] = mapped_column(Integer)
    complaint_hours_normal: Mapped[int] = mapped_column(Integer)
    shortfall_ratio: Mapped[float] = mapped_column(Float)
    shortfall_days_allowed: Mapped[int] = mapped_column(Integer)
    amendment_no: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(Instant)
    # second edition: the activation's own terms (the columns above hold every known amendment applied, by
    # number) and its WIB day; None for rows replicated before it (in force from start_date)
    activated_on: Mapped[date | None] = mapped_column(Date)
    base_terms: Mapped[dict | None] = mapped_column(JSONB)


class ContractAmendment(Base):
    """An amendment as replicated: folded by number into the terms in force on each day (shared.contract_terms)."""

    __tablename__ = "contract_amendments"
    contract_id: Mapped[str] = mapped_column(Id, primary_key=True)
    amendment_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date)
    changes: Mapped[dict] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(Instant)


class ContractStatusChange(Base):
    """Suspensions, resumptions and ends as received (any order): what decides the days under suspension."""

    __tablename__ = "contract_status_changes"
    contract_id: Mapped[str] = mapped_column(Id, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    at: Mapped[datetime] = mapped_column(Instant, primary_key=True)


class ContractDayOut(Base):
    """A day of the contract's period that is not in force (before activation, suspended, after termination),
    kept from shared.contract_terms.Life so that the set-based SQL of scheduling, sweep and evaluation can skip it."""

    __tablename__ = "contract_days_out"
    contract_id: Mapped[str] = mapped_column(Id, primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)


class IssuedMonth(Base):
    """billing.invoice.issued: the month's breaches are final (no more revision or withdrawal)."""

    __tablename__ = "issued_months"
    contract_id: Mapped[str] = mapped_column(Id, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(Instant)


class ForceMajeureDay(Base):
    """A force-majeure day declared by the agency for a contract or some of its kecamatan."""

    __tablename__ = "force_majeure_days"
    __table_args__ = (Index("ix_force_majeure_days_contract_date", "contract_id", "date"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    contract_id: Mapped[str] = mapped_column(Id, ForeignKey("contracts.id"))
    contractor_id: Mapped[str] = mapped_column(Id)
    date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    kecamatan: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    whole_contract: Mapped[bool] = mapped_column(Boolean)
    pickups_excused: Mapped[int] = mapped_column(Integer)
    declared_at: Mapped[datetime] = mapped_column(Instant)
    declared_by: Mapped[str] = mapped_column(String(200))


class Point(Base):
    """A titik layanan: TPS, TPS liar, depo, jalan protokol, pasar."""

    __tablename__ = "points"
    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    kecamatan: Mapped[str] = mapped_column(String(60), index=True)
    kelurahan: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(Instant)


class Vehicle(Base):
    """An armada unit; its plate is stored normalised (upper case, single spaces)."""

    __tablename__ = "vehicles"
    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    plate: Mapped[str] = mapped_column(String(20), unique=True)
    contractor_id: Mapped[str] = mapped_column(Id, index=True)
    type: Mapped[str] = mapped_column(String(20))
    capacity_m3: Mapped[Decimal] = mapped_column(Numeric(6, 2))  # Numeric reads as Decimal
    tare_kg: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Instant)


class Route(Base):
    __tablename__ = "routes"
    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    contract_id: Mapped[str] = mapped_column(Id, ForeignKey("contracts.id"), index=True)
    contractor_id: Mapped[str] = mapped_column(Id, index=True)
    vehicle_id: Mapped[str] = mapped_column(Id, ForeignKey("vehicles.id"), index=True)
    weekdays: Mapped[list[int]] = mapped_column(ARRAY(Integer))  # ISO, Monday = 1
    window_start: Mapped[time] = mapped_column(Time)  # WIB wall clock
    window_end: Mapped[time] = mapped_column(Time)
    created_at: Mapped[datetime] = mapped_column(Instant)


class RouteStop(Base):
    __tablename__ = "route_stops"
    route_id: Mapped[str] = mapped_column(Id, ForeignKey("routes.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[str] = mapped_column(Id, ForeignKey("points.id"))


class Pickup(Base):
    """One stop of a route on one WIB day, with its window as UTC instants."""

    __tablename__ = "pickups"
    __table_args__ = (
        UniqueConstraint("route_id", "stop_seq", "date", name="uq_pickups_route_stop_date"),
        Index("ix_pickups_due", "window_end_at", postgresql_where=text("status = 'scheduled'")),
        Index("ix_pickups_contract_date", "contract_id", "date"),
    )
    id: Mapped[str] = mapped_column(Id, primary_key=True, server_default=text("gen_random_uuid()"))
    route_id: Mapped[str] = mapped_column(Id, ForeignKey("routes.id"))
    stop_seq: Mapped[int] = mapped_column(Integer)
    point_id: Mapped[str] = mapped_column(Id, ForeignKey("points.id"))
    contract_id: Mapped[str] = mapped_column(Id, ForeignKey("contracts.id"))
    contractor_id: Mapped[str] = mapped_column(Id, index=True)
    date: Mapped[date] = mapped_column(Date)  # WIB day
    window_start_at: Mapped[datetime] = mapped_column(Instant)
    window_end_at: Mapped[datetime] = mapped_column(Instant)
    status: Mapped[str] = mapped_column(String(12), server_default="scheduled")  # scheduled confirmed missed excused
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    off_site: Mapped[bool | None] = mapped_column(Boolean)
    missed_at: Mapped[datetime | None] = mapped_column(Instant)
    superseded_miss: Mapped[bool] = mapped_column(Boolean, server_default="false")
    excuse_reason: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None] = mapped_column(Instant)
    verify_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(Instant)


class Confirmation(Base):
    """What the contractor said: device time, GPS, photo hash; the server's receipt time beside it."""

    __tablename__ = "confirmations"
    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    pickup_id: Mapped[str] = mapped_column(Id, ForeignKey("pickups.id"), unique=True)
    contractor_id: Mapped[str] = mapped_column(Id)
    collected_at: Mapped[datetime] = mapped_column(Instant)
    received_at: Mapped[datetime] = mapped_column(Instant)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    distance_m: Mapped[float] = mapped_column(Float)
    on_time: Mapped[bool] = mapped_column(Boolean)
    off_site: Mapped[bool] = mapped_column(Boolean)
    supersedes_missed: Mapped[bool] = mapped_column(Boolean)
    photo_sha256: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))


class Weighing(Base):
    """A timbangan ticket at the TPA weighbridge: bruto, tara, netto, and the flags that hold it out of billing."""

    __tablename__ = "weighings"
    __table_args__ = (
        Index("ix_weighings_plate_at", "plate", "weighed_at"),
        Index("ix_weighings_contract_at", "contract_id", "weighed_at"),
    )
    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    ticket_no: Mapped[str] = mapped_column(String(60), unique=True)
    plate: Mapped[str] = mapped_column(String(20))
    vehicle_id: Mapped[str | None] = mapped_column(Id, ForeignKey("vehicles.id"))
    contract_id: Mapped[str | None] = mapped_column(Id, ForeignKey("contracts.id"))
    gross_kg: Mapped[int] = mapped_column(Integer)
    tare_kg: Mapped[int] = mapped_column(Integer)
    net_kg: Mapped[int] = mapped_column(Integer)
    weighed_at: Mapped[datetime] = mapped_column(Instant)
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(30)))
    cleared: Mapped[bool] = mapped_column(Boolean)
    cleared_at: Mapped[datetime | None] = mapped_column(Instant)
    clear_reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(Instant)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))


class Complaint(Base):
    """A pengaduan at a point, assigned to the contract covering its kecamatan."""

    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_open_due", "due_at", postgresql_where=text("resolved_at IS NULL")),)
    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    point_id: Mapped[str] = mapped_column(Id, ForeignKey("points.id"))
    contract_id: Mapped[str] = mapped_column(Id, ForeignKey("contracts.id"), index=True)
    contractor_id: Mapped[str] = mapped_column(Id, index=True)
    description: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(30))
    priority: Mapped[bool] = mapped_column(Boolean)
    reported_at: Mapped[datetime] = mapped_column(Instant)
    due_at: Mapped[datetime] = mapped_column(Instant)
    status: Mapped[str] = mapped_column(String(12))  # open, overdue, resolved
    overdue_at: Mapped[datetime | None] = mapped_column(Instant)
    resolved_at: Mapped[datetime | None] = mapped_column(Instant)
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolution_photo_sha256: Mapped[str | None] = mapped_column(String(64))
    overdue_days: Mapped[int] = mapped_column(Integer, server_default="0")
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    resolved_at_claimed: Mapped[datetime | None] = mapped_column(Instant)  # the device time sent
    resolution_received_at: Mapped[datetime | None] = mapped_column(Instant)

    @property
    def resolved_at_counts(self) -> str | None:
        """Which time resolved_at is: the device's, or the receipt's (dated back beyond the sync allowance)."""
        if self.resolved_at is None:
            return None
        return "device" if self.resolved_at_claimed in (None, self.resolved_at) else "received"


class DailyEvaluation(Base):
    """One contract's WIB day as the daily evaluation found it; revised when later evidence changes it."""

    __tablename__ = "daily_evaluations"
    contract_id: Mapped[str] = mapped_column(Id, ForeignKey("contracts.id"), primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    scheduled: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)
    missed: Mapped[int] = mapped_column(Integer)
    off_site: Mapped[int] = mapped_column(Integer)
    excused: Mapped[int] = mapped_column(Integer)
    net_kg: Mapped[int] = mapped_column(BigInteger)
    target_kg: Mapped[int] = mapped_column(BigInteger)
    shortfall: Mapped[bool] = mapped_column(Boolean)
    complaints_overdue: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, server_default="1")
    evaluated_at: Mapped[datetime] = mapped_column(Instant)
    in_force: Mapped[bool] = mapped_column(Boolean, server_default="true")
    force_majeure: Mapped[bool] = mapped_column(Boolean, server_default="false")


class MonthlyEvaluation(Base):
    """Marks a contract's WIB month as evaluated, so the monthly task catches up exactly once."""

    __tablename__ = "monthly_evaluations"
    contract_id: Mapped[str] = mapped_column(Id, ForeignKey("contracts.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    on_time_ratio: Mapped[float | None] = mapped_column(Float)
    shortfall_days: Mapped[int] = mapped_column(Integer)
    complaints_overdue: Mapped[int] = mapped_column(Integer)
    evaluated_at: Mapped[datetime] = mapped_column(Instant)
    revision: Mapped[int] = mapped_column(Integer, server_default="1")


class Breach(Base):
    """An SLA breach of a month: its measure, threshold, value and evidence."""

    __tablename__ = "breaches"
    __table_args__ = (
        Index(
            "uq_breaches_live_contract_month_measure",
            "contract_id",
            "month",
            "measure",
            unique=True,
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
    )
    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    contract_id: Mapped[str] = mapped_column(Id, ForeignKey("contracts.id"), index=True)
    contractor_id: Mapped[str] = mapped_column(Id, index=True)
    month: Mapped[str] = mapped_column(String(7))
    measure: Mapped[str] = mapped_column(String(40))  # on_time_ratio, shortfall_days, complaints_overdue
    threshold: Mapped[float] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(Instant)
    revision: Mapped[int] = mapped_column(Integer, server_default="1")
    withdrawn_at: Mapped[datetime | None] = mapped_column(Instant)  # the month's re-evaluation no longer finds it
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)


class ExcusedDay(Base):
    """A day the agency excused from a measure after an objection: a shortfall day that is none, or one started
    overdue day of a complaint (day_no, 1-based) that is not charged."""

    __tablename__ = "excused_days"
    contract_id: Mapped[str] = mapped_column(Id, primary_key=True)
    measure: Mapped[str] = mapped_column(String(20), primary_key=True)  # shortfall_day, complaint_day
    ref: Mapped[str] = mapped_column(String(64), primary_key=True)  # the day (YYYY-MM-DD) or "<complaint id>/<n>"
    date: Mapped[date] = mapped_column(Date)  # WIB day
    reason: Mapped[str] = mapped_column(Text)
    objection_id: Mapped[str] = mapped_column(Id)
    excused_at: Mapped[datetime] = mapped_column(Instant)


class Photo(Base):
    """A photo held in the photo store by its SHA-256, and who may read it: the contractor that sent it
    (owner = its contractor id) or the agency (owner 'dinas'); the same bytes sent by two owners are two rows."""

    __tablename__ = "photos"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(40), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(Instant)
