"""The billing service's tables: its read model of contracts and evidence, and the invoices with their lines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import Id, Instant, new_id, service_metadata


class Base(DeclarativeBase):
    """The service's own declarative base: its own registry and metadata, apart from other services' models."""

    metadata = service_metadata()


class Contract(Base):
    """Read model of a contract: the activation terms with every amendment folded in, and its status."""

    __tablename__ = "contracts"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    number: Mapped[str] = mapped_column(String(80))
    contractor_id: Mapped[str] = mapped_column(Id, index=True)
    base_terms: Mapped[dict] = mapped_column(JSONB)  # as activated; amendments are folded over it
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    value_rp: Mapped[int] = mapped_column(BigInteger)
    unit_price_rp_per_ton: Mapped[int] = mapped_column(BigInteger)
    ppn_rate: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    missed_pickup_rp: Mapped[int] = mapped_column(BigInteger)
    complaint_day_rp: Mapped[int] = mapped_column(BigInteger)
    shortfall_day_rp: Mapped[int] = mapped_column(BigInteger)
    cap_rp: Mapped[int] = mapped_column(BigInteger)
    shortfall_days_allowed: Mapped[int] = mapped_column(Integer)
    amendment_no: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20))  # active, suspended, terminated, expired
    status_at: Mapped[datetime | None] = mapped_column(Instant)
    cap_reached_at: Mapped[datetime | None] = mapped_column(Instant)  # when billing.penalty.cap_reached went out
    activated_on: Mapped[date | None] = mapped_column(Date)  # WIB day of activation: no day before it is in force
    performance_bond_rp: Mapped[int] = mapped_column(BigInteger, default=0)  # jaminan pelaksanaan, as it stands
    updated_at: Mapped[datetime] = mapped_column(Instant)


class Amendment(Base):
    """One adendum as received (changed fields only), kept so any arrival order folds to the same terms."""

    __tablename__ = "amendments"
    contract_id: Mapped[str] = mapped_column(Id, ForeignKey("contracts.id"), primary_key=True)
    amendment_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective_from: Mapped[date | None] = mapped_column(Date)  # facts from this WIB day on are priced with it
    changes: Mapped[dict] = mapped_column(JSONB)


class LifecycleChange(Base):
    """A suspension, resumption, termination or expiry by its own instant: which days are in force."""

    __tablename__ = "lifecycle_changes"
    contract_id: Mapped[str] = mapped_column(Id, ForeignKey("contracts.id"), primary_key=True)
    at: Mapped[datetime] = mapped_column(Instant, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)


class StaleDraft(Base):
    """A contract whose drafts changed evidence since they were priced; the events process reprices them."""

    __tablename__ = "stale_drafts"
    contract_id: Mapped[str] = mapped_column(Id, primary_key=True)


class Pickup(Base):
    """What billing knows of a pickup: flags that only ever get set, so arrival order does not matter."""

    __tablename__ = "pickups"
    __table_args__ = (Index("ix_pickups_contract_date", "contract_id", "date"),)
    pickup_id: Mapped[str] = mapped_column(Id, primary_key=True)
    contract_id: Mapped[str] = mapped_column(Id)
    date: Mapped[date | None] = mapped_column(Date)  # WIB day; unknown until a missed/confirmed event says
    missed: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    off_site: Mapped[bool] = mapped_column(Boolean, default=False)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    excused: Mapped[bool] = mapped_column(Boolean, default=False)


class Weighing(Base):
    """A weighbridge ticket as billing sees it: billed only once cleared."""

    __tablename__ = "weighings"
    __table_args__ = (Index("ix_weighings_contract_at", "contract_id", "weighed_at"),)
    weighing_id: Mapped[str] = mapped_column(Id, primary_key=True)
    contract_id: Mapped[str] = mapped_column(Id)
    net_kg: Mapped[int] = mapped_column(BigInteger)
    weighed_at: Mapped[datetime | None] = mapped_column(Instant)
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    cleared: Mapped[bool] = mapped_column(Boolean, default=False)  # billable: cleared after any re-judgement
    cleared_at: Mapped[datetime | None] = mapped_column(Instant)  # latest clearance (event occurred_at)
    held_at: Mapped[datetime | None] = mapped_column(Instant)  # latest re-judgement holding it out


class Complaint(Base):
    """A pengaduan: its deadline and when it was resolved (as it counts); billing counts the started days overdue."""

    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_contract_due", "contract_id", "due_at"),)
    complaint_id: Mapped[str] = mapped_column(Id, primary_key=True)
    contract_id: Mapped[str] = mapped_column(Id)
    due_at: Mapped[datetime] = mapped_column(Instant)
    resolved_at: Mapped[datetime | None] = mapped_column(Instant)


class DailyEvaluation(Base):
    """The daily compliance result per contract and WIB day; the highest revision wins."""

    __tablename__ = "daily_evaluations"
    contract_id: Mapped[str] = mapped_column(Id, primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    shortfall: Mapped[bool] = mapped_column(Boolean)
    net_kg: Mapped[int] = mapped_column(BigInteger)
    target_kg: Mapped[int] = mapped_column(BigInteger)


class Invoice(Base):
    """One termin per contract and WIB month: a draft until issued, then frozen."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("contract_id", "month", name="uq_invoices_contract_month"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    contract_id: Mapped[str] = mapped_column(Id, ForeignKey("contracts.id"), index=True)
    contractor_id: Mapped[str] = mapped_column(Id, index=True)
    month: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft, issued, approved, paid
    # termin (a month), final (termin akhir: the contract's last month), closing (evidence after the final one)
    kind: Mapped[str] = mapped_column(String(10), default="termin")
    tonnage_kg: Mapped[int] = mapped_column(BigInteger, default=0)
    tonnage_gross_rp: Mapped[int] = mapped_column(BigInteger, default=0)
    ceiling_excess_rp: Mapped[int] = mapped_column(BigInteger, default=0)
    tonnage_rp: Mapped[int] = mapped_column(BigInteger, default=0)
    deductions_gross_rp: Mapped[int] = mapped_column(BigInteger, default=0)  # this month's new deductions
    capped_rp: Mapped[int] = mapped_column(BigInteger, default=0)
    carried_in_rp: Mapped[int] = mapped_column(BigInteger, default=0)
    deductions_rp: Mapped[int] = mapped_column(BigInteger, default=0)
    carried_out_rp: Mapped[int] = mapped_column(BigInteger, default=0)
    dpp_rp: Mapped[int] = mapped_column(BigInteger, default=0)
    ppn_rp: Mapped[int] = mapped_column(BigInteger, default=0)
    total_rp: Mapped[int] = mapped_column(BigInteger, default=0)
    cap_used_rp: Mapped[int] = mapped_column(BigInteger, default=0)  # over the contract, this invoice included
    assessed_rp: Mapped[int] = mapped_column(BigInteger, default=0)  # D(m): every deduction assessed through it
    bond_claim_rp: Mapped[int] = mapped_column(BigInteger, default=0)  # carried at the end, claimed on the bond
    performance_bond_rp: Mapped[int] = mapped_column(BigInteger, default=0)
    computed_at: Mapped[datetime] = mapped_column(Instant)
    created_at: Mapped[datetime] = mapped_column(Instant)
    issued_at: Mapped[datetime | None] = mapped_column(Instant)
    approved_at: Mapped[datetime | None] = mapped_column(Instant)
    paid_at: Mapped[datetime | None] = mapped_column(Instant)


class InvoiceLine(Base):
    """One line per kind and price on an invoice (a kind whose facts fall under two prices has two lines, each
    with the dates it covers); its evidence is in invoice_evidence (frozen) or computed live (draft)."""

    __tablename__ = "invoice_lines"
    invoice_id: Mapped[str] = mapped_column(Id, ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    first_date: Mapped[date | None] = mapped_column(Date)  # the facts' WIB dates this line prices
    last_date: Mapped[date | None] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(20))  # charge, deduction
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(20))
    unit_rp: Mapped[int] = mapped_column(BigInteger)
    amount_rp: Mapped[int] = mapped_column(BigInteger)
    evidence_count: Mapped[int] = mapped_column(Integer, default=0)


class InvoiceEvidence(Base):
    """The facts an issued invoice billed, one row each: what later drafts compare against for adjustments."""

    __tablename__ = "invoice_evidence"
    __table_args__ = (Index("ix_invoice_evidence_fact", "fact", "ref"),)
    invoice_id: Mapped[str] = mapped_column(Id, ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True)
    # byte-order collation ("C"): these are ids and codes, and later drafts sort and hash them by the thousand
    kind: Mapped[str] = mapped_column(String(40, collation="C"), primary_key=True)  # the line it belongs to
    ref: Mapped[str] = mapped_column(String(64, collation="C"), primary_key=True)  # pickup/weighing/complaint id, day
    fact: Mapped[str] = mapped_column(String(40, collation="C"))  # tonnage, missed_pickup, complaint_day, ...
    fact_month: Mapped[str] = mapped_column(String(7, collation="C"))
    fact_date: Mapped[date] = mapped_column(Date)  # the WIB date it is priced by
    quantity: Mapped[int] = mapped_column(BigInteger)  # kg, pickups, days; negative on a credit adjustment


class Objection(Base):
    """A keberatan: the contractor disputes one evidence item of an issued invoice's deduction lines.

    One objection per evidence item of a contract (whichever invoice it was filed on): the unique key."""

    __tablename__ = "objections"
    __table_args__ = (
        UniqueConstraint("contract_id", "kind", "ref", name="uq_objections_evidence"),
        Index("ix_objections_invoice", "invoice_id"),
        Index("ix_objections_contractor_status", "contractor_id", "status"),
    )
    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    invoice_id: Mapped[str] = mapped_column(Id, ForeignKey("invoices.id"))
    contract_id: Mapped[str] = mapped_column(Id)
    contractor_id: Mapped[str] = mapped_column(Id)
    month: Mapped[str] = mapped_column(String(7))  # the invoice's month
    kind: Mapped[str] = mapped_column(String(40))  # missed_pickup, complaint_day, shortfall_day
    ref: Mapped[str] = mapped_column(String(64))  # the evidence ref as listed on the line
    fact_month: Mapped[str] = mapped_column(String(7))  # the WIB month of the fact (an adjustment's is earlier)
    fact_date: Mapped[date] = mapped_column(Date)  # the WIB day of the fact, as the invoice's evidence lists it
    reason: Mapped[str] = mapped_column(Text)
    photo_sha256: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, accepted, rejected
    filed_by: Mapped[str] = mapped_column(String(200))
    filed_at: Mapped[datetime] = mapped_column(Instant)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(Instant)


class InvoiceDigest(Base):
    """The SHA-256 of an issued invoice's canonical JSON, fixed at issue: what a printed berita acara is checked
    against (GET /invoices/verify, kawal invoice verify)."""

    __tablename__ = "invoice_digests"
    invoice_id: Mapped[str] = mapped_column(Id, ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    canonical: Mapped[str] = mapped_column(Text)  # the exact bytes hashed (UTF-8), kept so anyone can re-hash them
    created_at: Mapped[datetime] = mapped_column(Instant)


class Contractor(Base):
    """A penyedia as the berita acara names it (from contracts.contractor.registered)."""

    __tablename__ = "contractors"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    npwp: Mapped[str] = mapped_column(String(40))


class ContractArea(Base):
    """The kawasan and kecamatan a contract serves (from its activation), printed on the berita acara."""

    __tablename__ = "contract_areas"
    contract_id: Mapped[str] = mapped_column(Id, primary_key=True)
    kawasan: Mapped[str] = mapped_column(String(120))
    kecamatan: Mapped[list[str]] = mapped_column(ARRAY(String(80)), default=list)


class ExcusedComplaintDay(Base):
    """One started overdue day of a complaint that routes excused (an accepted objection): never charged."""

    __tablename__ = "excused_complaint_days"
    complaint_id: Mapped[str] = mapped_column(Id, primary_key=True)
    day_no: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1-based, as in the ref "<complaint id>/<n>"
    contract_id: Mapped[str] = mapped_column(Id)
