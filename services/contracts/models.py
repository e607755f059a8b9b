"""The contracts service's tables: contractors, contracts with their terms, amendments, warning letters, breaches."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.db import Id, Instant, new_id, service_metadata


class Base(DeclarativeBase):
    """The service's own declarative base: its own registry and metadata, apart from other services' models."""

    metadata = service_metadata()


class Contractor(Base):
    """A penyedia: the firm a contract is awarded to."""

    __tablename__ = "contractors"
    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    npwp: Mapped[str] = mapped_column(String(16), unique=True)  # digits only
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    registered_at: Mapped[datetime] = mapped_column(Instant)


class Contract(Base):
    """A contract with its current terms (amendments applied) and where it stands in its life."""

    __tablename__ = "contracts"
    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(80), unique=True)
    contractor_id: Mapped[str] = mapped_column(Id, ForeignKey("contractors.id"), index=True)
    kawasan: Mapped[str] = mapped_column(String(120))
    kecamatan: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    value_rp: Mapped[int] = mapped_column(BigInteger)
    unit_price_rp_per_ton: Mapped[int] = mapped_column(BigInteger)
    daily_target_kg: Mapped[int] = mapped_column(BigInteger)
    ppn_rate: Mapped[float] = mapped_column(Float)
    # SLA terms
    grace_minutes: Mapped[int] = mapped_column(Integer)
    geofence_m: Mapped[int] = mapped_column(Integer)
    sync_allowance_hours: Mapped[int] = mapped_column(Integer)
    min_on_time_ratio: Mapped[float] = mapped_column(Float)
    complaint_hours_priority: Mapped[int] = mapped_column(Integer)
    complaint_hours_normal: Mapped[int] = mapped_column(Integer)
    shortfall_ratio: Mapped[float] = mapped_column(Float)
    shortfall_days_allowed: Mapped[int] = mapped_column(Integer)
    # penalty terms, fixed at creation unless an amendment sets them
    missed_pickup_rp: Mapped[int] = mapped_column(BigInteger)
    complaint_day_rp: Mapped[int] = mapped_column(BigInteger)
    shortfall_day_rp: Mapped[int] = mapped_column(BigInteger)
    cap_ratio: Mapped[float] = mapped_column(Float)
    cap_rp: Mapped[int] = mapped_column(BigInteger)
    # jaminan pelaksanaan: deductions still carried at the end are claimed against it
    performance_bond_rp: Mapped[int | None] = mapped_column(BigInteger)
    # life
    status: Mapped[str] = mapped_column(String(20), index=True)  # draft, active, suspended, terminated, expired
    status_reason: Mapped[str | None] = mapped_column(Text)
    amendment_no: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(Instant)
    updated_at: Mapped[datetime] = mapped_column(Instant)
    activated_at: Mapped[datetime | None] = mapped_column(Instant)
    # the WIB day the contract took effect (SPMK), default the day it was activated here: days before it are not
    # in force anywhere
    activated_on: Mapped[date | None] = mapped_column(Date)
    suspended_at: Mapped[datetime | None] = mapped_column(Instant)
    terminated_at: Mapped[datetime | None] = mapped_column(Instant)
    expired_at: Mapped[datetime | None] = mapped_column(Instant)
    # reported by billing: once reached, the agency may terminate for fault
    cap_reached_at: Mapped[datetime | None] = mapped_column(Instant)
    cap_reached_rp: Mapped[int | None] = mapped_column(BigInteger)

    amendments: Mapped[list["Amendment"]] = relationship(order_by="Amendment.amendment_no", lazy="raise")
    warnings: Mapped[list["WarningLetter"]] = relationship(order_by="WarningLetter.issued_at", lazy="raise")

    __table_args__ = (
        # the overlap check at activation reads live contracts by kecamatan
        Index("ix_contracts_kecamatan", "kecamatan", postgresql_using="gin"),
        Index("ix_contracts_live_end", "end_date", postgresql_where=text("status IN ('active', 'suspended')")),
    )


class Amendment(Base):
    """An adendum: numbered from 1 per contract, with what it changed and what was there before."""

    __tablename__ = "amendments"
    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    contract_id: Mapped[str] = mapped_column(Id, ForeignKey("contracts.id"), index=True)
    amendment_no: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date | None] = mapped_column(Date)  # WIB day it takes effect (None: first edition)
    reason: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[dict] = mapped_column(JSONB)
    previous: Mapped[dict] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(Instant)
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("contract_id", "amendment_no"),)


class WarningLetter(Base):
    """A surat peringatan (SP1-SP3), naming the breaches it rests on."""

    __tablename__ = "warning_letters"
    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    contract_id: Mapped[str] = mapped_column(Id, ForeignKey("contracts.id"), index=True)
    level: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text)
    breach_ids: Mapped[list[str]] = mapped_column(ARRAY(Id))
    issued_at: Mapped[datetime] = mapped_column(Instant)
    issued_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("contract_id", "level"),)


class Breach(Base):
    """An SLA breach found by routes' monthly evaluation (routes.sla.breached), kept as the contract's record."""

    __tablename__ = "breaches"
    id: Mapped[str] = mapped_column(Id, primary_key=True)  # routes' breach_id
    contract_id: Mapped[str] = mapped_column(Id, ForeignKey("contracts.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    measure: Mapped[str] = mapped_column(String(60))
    threshold: Mapped[float] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list[str]] = mapped_column(ARRAY(Text))
    received_at: Mapped[datetime] = mapped_column(Instant)
    # routes.sla.breach_withdrawn: the month's re-evaluation found it no longer holds
    withdrawn_at: Mapped[datetime | None] = mapped_column(Instant)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)


class IssuedMonth(Base):
    """A contract's WIB month whose invoice billing issued (billing.invoice.issued): no amendment takes effect
    inside it."""

    __tablename__ = "issued_months"
    contract_id: Mapped[str] = mapped_column(Id, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    invoice_id: Mapped[str | None] = mapped_column(Id)
    received_at: Mapped[datetime] = mapped_column(Instant)
