"""`kawal report`: a month per contract and kecamatan, and its invoice, in rich tables with Indonesian labels."""

from __future__ import annotations

import click
from rich.console import Console, Group
from rich.table import Table

from kawal.demo.client import Kawal
from kawal.demo.figures import ratio, rupiah, tons
from kawal.demo.report import ContractMonth, Report, default_month, gather
from shared import clock

console = Console()

PICKUP_COLUMNS = (
    "Jadwal / Scheduled",
    "Tepat waktu / On time",
    "Terlambat / Late",
    "Tidak diangkut / Missed",
    "Di luar lokasi / Off-site",
    "Dimaafkan / Excused",
    "Belum jatuh tempo / Not yet due",
    "Rasio tepat waktu / On-time ratio",
)


def pickup_cells(stats) -> list[str]:
    return [
        str(stats.scheduled),
        str(stats.on_time),
        str(stats.late),
        str(stats.missed),
        str(stats.off_site_unverified),
        str(stats.excused),
        str(stats.pending),
        ratio(stats.on_time_ratio),
    ]


def kecamatan_table(report: Report) -> Table:
    table = Table(title="Pengangkutan per kecamatan / Pickups by kecamatan")
    table.add_column("Kontrak / Contract", no_wrap=True)
    table.add_column("Bulan / Month", no_wrap=True)
    table.add_column("Kecamatan")
    for column in PICKUP_COLUMNS:
        table.add_column(column, justify="right")
    for row in report.rows:
        for kecamatan, stats in row.by_kecamatan.items():
            table.add_row(row.contract["number"], row.month, kecamatan, *pickup_cells(stats))
    return table


def contract_table(report: Report) -> Table:
    table = Table(title="Kinerja kontrak / Contract performance")
    for column, right in (
        ("Kontrak / Contract", False),
        ("Bulan / Month", False),
        ("Status", False),
        ("Jadwal / Scheduled", True),
        ("Rasio tepat waktu / On-time ratio", True),
        ("Denda tidak diangkut / Misses billed", True),
        ("Tonase / Tonnage", True),
        ("Target", True),
        ("Hari kurang / Shortfall days", True),
        ("Timbangan ditahan / Held weighings", False),
        ("Peringatan / Warnings", False),
        ("Pelanggaran / Breaches", False),
        ("Keadaan kahar / Force majeure", False),
    ):
        table.add_column(
            column,
            justify="right" if right else "left",
            no_wrap=column.startswith(("Kontrak", "Bulan", "Tonase", "Target")),
        )
    for row in report.rows:
        flags = ", ".join(f"{flag} {n}" for flag, n in sorted(row.tonnage.flagged.items()))
        held = f"{row.tonnage.held} ({flags})" if row.tonnage.held else "0"
        warnings = ", ".join(warning_label(w) for w in row.warnings) or "-"
        breaches = "; ".join(breach_label(b) for b in row.breaches) or "-"
        force_majeure = (
            "; ".join(
                f"{d['date']} {', '.join(d['kecamatan'])}: {d['reason']} ({d['pickups_excused']} dimaafkan / excused)"
                for d in row.force_majeure
            )
            or "-"
        )
        table.add_row(
            row.contract["number"],
            row.month,
            row.contract["status"],
            str(row.pickups.scheduled),
            ratio(row.pickups.on_time_ratio),
            str(row.pickups.misses_billed),
            tons(row.tonnage.cleared_kg),
            tons(row.target_kg),
            str(row.shortfall_days),
            held,
            warnings,
            breaches,
            force_majeure,
        )
    return table


def breach_label(breach: dict) -> str:
    label = f"{breach['measure']} {breach['value']:.3g} vs {breach['threshold']:.3g}"
    return f"{label} (ditarik / withdrawn)" if breach.get("withdrawn_at") else label


def warning_label(letter: dict) -> str:
    return (
        f"{letter['level']} (pelanggaran ditarik / breaches withdrawn)"
        if letter.get("rests_only_on_withdrawn")
        else letter["level"]
    )


LINE_LABELS = {
    "tonnage": "Tonase / Tonnage",
    "missed_pickup": "Denda tidak diangkut / Deduction, missed pickups",
    "complaint_day": "Denda pengaduan / Deduction, complaint days overdue",
    "shortfall_day": "Denda kekurangan tonase / Deduction, shortfall days",
    "carried_deduction": "Denda dibawa / Carried deduction",
    "bond_claim": "Klaim jaminan pelaksanaan / Claim on the performance bond",
}
ADJUSTMENT_LABEL = "Penyesuaian / Adjustment: "
INVOICE_KINDS = {"termin": "termin", "final": "termin akhir / final", "closing": "penyesuaian penutup / closing"}


INVOICE_TOTALS = (
    ("Jumlah tonase / Tonnage total", "tonnage_rp"),
    ("Melebihi nilai kontrak / Over ceiling", "ceiling_excess_rp"),
    ("Jumlah denda / Deduction total", "deductions_rp"),
    ("Melebihi batas denda / Capped", "capped_rp"),
    ("Dibawa dari bulan lalu / Carried in", "carried_in_rp"),
    ("Dibawa ke bulan depan / Carried out", "carried_out_rp"),
    ("Klaim jaminan / Bond claim", "bond_claim_rp"),
    ("DPP", "dpp_rp"),
    ("PPN / VAT", "ppn_rp"),
    ("Jumlah tagihan / Total", "total_rp"),
)
ALWAYS_SHOWN = ("tonnage_rp", "deductions_rp", "dpp_rp", "ppn_rp", "total_rp")  # the rest only where they occur


def invoice_table(row: ContractMonth) -> Table | str:
    title = f"Tagihan / Invoice {row.contract['number']} {row.month}"
    if row.invoice is None:
        return f"[yellow]{title}: {row.invoice_error}[/]"
    invoice = row.invoice
    kind = INVOICE_KINDS.get(invoice.get("kind", "termin"), invoice.get("kind"))
    when = (
        f", dihitung / computed {clock.to_wib(clock.parse_instant(invoice['computed_at'])):%Y-%m-%d %H:%M} WIB"
        if invoice["status"] == "draft" and invoice.get("computed_at")
        else ""
    )
    table = Table(title=f"{title} ({kind}, {invoice['status']}{when})", show_footer=False)
    for column in (
        "Uraian / Line",
        "Keterangan / Description",
        "Jumlah / Quantity",
        "Harga satuan / Unit",
        "Nilai / Amount",
        "Bukti / Evidence",
    ):
        table.add_column(
            column, justify="right" if column.startswith(("Jumlah", "Harga", "Nilai", "Bukti")) else "left"
        )
    for line in invoice.get("lines") or []:
        kind = line["kind"]
        label = (
            ADJUSTMENT_LABEL + LINE_LABELS.get(kind.removeprefix("adjustment_"), kind)
            if kind.startswith("adjustment_")
            else LINE_LABELS.get(kind, kind)
        )
        table.add_row(
            label,
            line.get("description", ""),
            f"{line.get('quantity', 0):,} {line.get('unit', '')}".replace(",", "."),
            rupiah(line.get("unit_rp")),
            rupiah(line.get("amount_rp")),
            str(line.get("evidence_count", len(line.get("evidence") or []))),
        )
    for label, key in INVOICE_TOTALS:
        if key in invoice and (key in ALWAYS_SHOWN or invoice[key]):
            table.add_row(f"[bold]{label}[/]", "", "", "", f"[bold]{rupiah(invoice[key])}[/]", "")
    return table


def ledger_table(report: Report) -> Table:
    table = Table(title="Buku besar kontrak / Contract ledger (issued invoices to date)")
    for column in (
        "Kontrak / Contract",
        "Tagihan terbit / Issued",
        "Nilai kontrak / Contract value",
        "Tonase ditagih / Tonnage billed",
        "Pagu terpakai / Ceiling used",
        "Denda / Deductions",
        "Melebihi batas / Capped",
        "Dibawa / Carried",
        "Batas denda / Penalty cap",
        "Batas terpakai / Cap used",
    ):
        table.add_column(column, justify="left" if column.startswith("Kontrak") else "right", no_wrap=True)
    for ledger in report.ledgers:
        table.add_row(
            ledger.get("number", ""),
            str(ledger.get("invoices", 0)),
            rupiah(ledger.get("value_rp")),
            rupiah(ledger.get("tonnage_rp")),
            ratio(ledger.get("ceiling_used_ratio")),
            rupiah(ledger.get("deductions_rp")),
            rupiah(ledger.get("capped_rp")),
            rupiah(ledger.get("carried_rp")),
            rupiah(ledger.get("cap_rp")),
            ratio(ledger.get("cap_used_ratio")),
        )
    return table


OBJECTION_STATUS = {
    "open": "[yellow]belum diputus / open[/]",
    "accepted": "[green]diterima / accepted[/]",
    "rejected": "[red]ditolak / rejected[/]",
}


def objections_table(report: Report) -> Table | None:
    """Keberatan filed on the invoices shown, open ones first: what the agency still has to decide."""
    rows = [
        (row.contract["number"], row.month, objection)
        for row in report.rows
        if row.invoice
        for objection in row.invoice.get("objections") or []
    ]
    if not rows:
        return None
    table = Table(title="Keberatan / Objections (accepted ones are credited on the next draft)")
    for column in (
        "Kontrak / Contract",
        "Bulan / Month",
        "Bukti / Evidence",
        "Ref",
        "Alasan / Reason",
        "Keputusan / Decision",
        "Alasan keputusan / Grounds",
    ):
        table.add_column(column)
    for number, month, objection in sorted(rows, key=lambda r: (r[2]["status"] != "open", r[0], r[2]["kind"])):
        table.add_row(
            number,
            month,
            LINE_LABELS.get(objection["kind"], objection["kind"]),
            objection["ref"],
            objection["reason"],
            OBJECTION_STATUS.get(objection["status"], objection["status"]),
            objection.get("decision_reason") or "-",
        )
    return table


def render(report: Report) -> Group:
    parts = [kecamatan_table(report), contract_table(report)]
    parts += [invoice_table(row) for row in report.rows]
    objections = objections_table(report)
    if objections is not None:
        parts.append(objections)
    if report.ledgers:
        parts.append(ledger_table(report))
    return Group(*parts)


@click.command()
@click.option("--month", "months", multiple=True, help="YYYY-MM (repeatable); default: the month of yesterday, WIB.")
@click.option("--no-draft", is_flag=True, help="Only read invoices; do not create or recompute drafts.")
@click.option(
    "--issue",
    "issue_wait",
    type=float,
    default=None,
    metavar="SECONDS",
    help="Also issue each month's invoice once its month and sync allowance have passed, waiting up to "
    "SECONDS (real time) for that on the shared clock.",
)
def report(months: tuple[str, ...], no_draft: bool, issue_wait: float | None) -> None:
    """Pickups, on-time ratio, misses, tonnage vs target, warnings, breaches, and each month's invoice."""
    chosen = list(months) or [default_month(clock.today_wib())]
    console.print(f"Laporan / Report {', '.join(chosen)} (clock {clock.to_wib(clock.now()):%Y-%m-%d %H:%M} WIB)")
    if issue_wait is not None:
        console.print(
            "Tagihan diterbitkan setelah bulan berakhir dan batas sinkronisasi lewat / invoices are issued "
            "once the month has ended and its sync allowance has passed"
        )
    console.print(render(gather(Kawal(), chosen, draft_invoices=not no_draft, issue_wait_seconds=issue_wait)))
