"""The simulated keberatan: contractors object to a few deductions of their issued invoices, the agency decides.

Seeded draws, stated rates: each contractor disputes up to `per_invoice` evidence items (missed pickups first, then
overdue complaint days and shortfall days), and the agency accepts about `accept_ratio` of them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from kawal.demo.client import Kawal

REASONS = {
    "missed_pickup": (
        "Truk mogok, sampah diangkut malam harinya (foto terlampir)",
        "Jalan ditutup untuk acara kota, TPS tidak bisa dicapai",
        "GPS perangkat sopir rusak, pengangkutan terjadi",
    ),
    "complaint_day": ("Pengaduan sudah ditangani, aplikasi terlambat sinkron",),
    "shortfall_day": ("Jembatan timbang TPA rusak, truk antre sampai tutup",),
}
ACCEPTED = "Bukti foto dan GPS sesuai / photo and GPS evidence match"
REJECTED = "Tidak ada bukti pendukung / no supporting evidence"


@dataclass(frozen=True)
class Dispute:
    number: str
    month: str
    kind: str
    ref: str
    outcome: str  # accepted, rejected, or the refusal


def evidence_of(kawal: Kawal, invoice: dict, kind: str) -> list[str]:
    """The refs of a deduction line, as the contractor sees its own invoice."""
    body = kawal.call(
        "GET",
        "billing",
        f"/invoices/{invoice['id']}/evidence",
        role="contractor",
        contractor_id=invoice["contractor_id"],
        params={"kind": kind, "per_page": 1000},
    ).body
    return [item["ref"] for item in body.get("items") or [] if item.get("quantity", 0) > 0]


def dispute_invoice(
    kawal: Kawal, rng: random.Random, invoice: dict, number: str, per_invoice: int, accept_ratio: float
) -> list[Dispute]:
    chosen: list[tuple[str, str]] = []
    for kind, share in (("missed_pickup", per_invoice - 1), ("complaint_day", 1), ("shortfall_day", 1)):
        refs = evidence_of(kawal, invoice, kind)
        chosen += [(kind, ref) for ref in rng.sample(refs, min(len(refs), max(share, 0)))]
    disputes = []
    for kind, ref in chosen[:per_invoice]:
        filed = kawal.call(
            "POST",
            "billing",
            f"/invoices/{invoice['id']}/objections",
            role="contractor",
            contractor_id=invoice["contractor_id"],
            idempotency_key=f"demo-{kind}-{ref}",
            json={"items": [{"kind": kind, "ref": ref}], "reason": rng.choice(REASONS[kind])},
        )
        if not filed.ok:
            disputes.append(Dispute(number, invoice["month"], kind, ref, filed.outcome))
            continue
        objection = filed.body["items"][0]
        accept = rng.random() < accept_ratio
        decided = kawal.post(
            "billing",
            f"/objections/{objection['id']}/decision",
            {"accept": accept, "reason": ACCEPTED if accept else REJECTED},
        )
        outcome = decided.body.get("status", "open") if decided.ok else decided.outcome
        disputes.append(Dispute(number, invoice["month"], kind, ref, outcome))
    return disputes


def issued_invoices(kawal: Kawal, month: str) -> list[tuple[dict, str]]:
    """Every issued (or later) invoice of the month with its contract's number, by number."""
    invoices = [
        i for i in kawal.list_all("billing", "/invoices", role="auditor", month=month) if i["status"] != "draft"
    ]
    return sorted(((i, i.get("contract_number") or i["contract_id"]) for i in invoices), key=lambda p: p[1])


def simulate(kawal: Kawal, month: str, seed: int = 7, per_invoice: int = 3, accept_ratio: float = 0.5) -> list[Dispute]:
    rng = random.Random(seed)
    disputes: list[Dispute] = []
    for invoice, number in issued_invoices(kawal, month):
        disputes += dispute_invoice(kawal, rng, invoice, number, per_invoice, accept_ratio)
    return disputes


def write_berita_acara(kawal: Kawal, month: str, directory: Path) -> list[Path]:
    """One berita acara PDF per issued invoice of the month, written to `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for invoice, number in issued_invoices(kawal, month):
        safe = "".join(ch if ch.isalnum() else "-" for ch in number).strip("-")
        path = directory / f"berita-acara-{safe}-{month}.pdf"
        path.write_bytes(kawal.download("billing", f"/invoices/{invoice['id']}/berita-acara"))
        written.append(path)
    return written
