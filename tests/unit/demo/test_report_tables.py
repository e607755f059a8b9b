"""The report's tables carry Indonesian labels beside English ones and show the invoice's lines and totals."""
from rich.console import Console

from kawal.commands.report import render
from kawal.demo.figures import PickupStats, Tonnage
from kawal.demo.report import ContractMonth, Report, default_month


def a_month(invoice):
    stats = PickupStats(scheduled=10, on_time=8, late=1, missed=1)
    contract = {"number": "DLHK-2026/10/KAWASAN3", "status": "active"}
    return ContractMonth(contract, "2026-10", {"Rumbai": stats}, stats, Tonnage(cleared_kg=24_417, weighings=6),
                         18_000, 1, [{"measure": "on_time_ratio", "value": 0.8, "threshold": 0.95}],
                         [{"level": "SP1"}], invoice, None if invoice else "no invoice / belum ada tagihan")


def text_of(report):
    console = Console(record=True, width=400)
    console.print(render(report))
    return console.export_text()


def test_the_report_shows_pickups_tonnage_warnings_and_breaches_with_both_languages():
    text = text_of(Report(["2026-10"], [a_month(None)]))
    for label in ("Tepat waktu / On time", "Tonase / Tonnage", "Rumbai", "80.0%", "24,4 t", "SP1",
                  "on_time_ratio 0.8 vs 0.95", "belum ada tagihan"):
        assert label in text


def test_the_invoice_table_lists_lines_and_totals_in_rupiah():
    invoice = {"status": "draft", "tonnage_rp": 5_737_995, "deductions_rp": 779_670, "capped_rp": 0,
               "dpp_rp": 4_958_325, "ppn_rp": 545_416, "total_rp": 5_503_741,
               "lines": [{"kind": "tonnage", "description": "netto", "quantity": 24417, "unit": "kg",
                          "unit_rp": 235_000, "amount_rp": 5_737_995, "evidence_count": 6},
                         {"kind": "missed_pickup", "description": "missed", "quantity": 1, "unit": "pickup",
                          "unit_rp": 779_670, "amount_rp": -779_670, "evidence_count": 1}]}
    ledger = {"number": "DLHK-2026/10/KAWASAN3", "value_rp": 4_730_000_000, "tonnage_rp": 5_737_995,
              "ceiling_used_ratio": 0.0012, "deductions_rp": 779_670, "cap_rp": 236_500_000, "cap_used_ratio": 0.0033}
    text = text_of(Report(["2026-10"], [a_month(invoice)], [ledger]))
    for label in ("Jumlah denda / Deduction total", "Rp779.670", "DPP", "Rp4.958.325", "PPN / VAT", "Rp545.416",
                  "Jumlah tagihan / Total", "Rp5.503.741", "24.417 kg", "(termin, draft)", "Batas denda / Penalty cap",
                  "Rp236.500.000", "Rp4.730.000.000"):
        assert label in text


def test_the_default_month_is_the_month_of_yesterday():
    from datetime import date
    assert default_month(date(2026, 11, 1)) == "2026-10"
    assert default_month(date(2026, 11, 15)) == "2026-11"


def test_the_invoice_table_shows_adjustments_carried_capped_and_bond_claims_where_they_occur():
    invoice = {"status": "issued", "kind": "final", "tonnage_rp": 2_350_000, "deductions_rp": 2_350_000,
               "capped_rp": 500_000, "carried_in_rp": 650_000, "carried_out_rp": 0, "bond_claim_rp": 150_000,
               "dpp_rp": 0, "ppn_rp": 0, "total_rp": 0,
               "lines": [{"kind": "adjustment_tonnage", "description": "late ticket", "quantity": 10_000,
                          "unit": "kg", "unit_rp": 235_000, "amount_rp": 2_350_000, "evidence_count": 1},
                         {"kind": "carried_deduction", "description": "carried", "quantity": 1, "unit": "carry",
                          "unit_rp": 650_000, "amount_rp": 650_000, "evidence_count": 0},
                         {"kind": "bond_claim", "description": "bond", "quantity": 1, "unit": "claim",
                          "unit_rp": 150_000, "amount_rp": 150_000, "evidence_count": 0}]}
    text = text_of(Report(["2026-10"], [a_month(invoice)]))
    for label in ("termin akhir / final", "Penyesuaian / Adjustment: Tonase / Tonnage", "Melebihi batas denda / Capped",
                  "Rp500.000", "Dibawa dari bulan lalu / Carried in", "Rp650.000", "Klaim jaminan / Bond claim",
                  "Rp150.000", "Klaim jaminan pelaksanaan / Claim on the performance bond"):
        assert label in text
    assert "Dibawa ke bulan depan / Carried out" not in text  # zero: shown only where it occurs
