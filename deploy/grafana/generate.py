"""Write the provisioned dashboards: `python deploy/grafana/generate.py` (a test checks the JSON is up to date)."""
from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from panels import RUPIAH, SERVICES, dashboard, panel, query_variable, row, table, target  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "dashboards")
C = 'contract=~"$contract"'
CK = 'contract=~"$contract", kecamatan=~"$kecamatan"'
RATIO_STEPS = [(None, "red"), (0.9, "orange"), (0.95, "green")]  # 0.95: the default minimum on-time ratio
CAP_STEPS = [(None, "green"), (0.8, "orange"), (1, "red")]


def one(metric: str, labels: str, selector: str = "") -> str:
    """A domain gauge read once: every api replica (and the worker) computes the same value from the database,
    so the replicas' series are collapsed with max before anything is summed."""
    return f"max by ({labels}) ({metric}{{{selector}}})" if selector else f"max by ({labels}) ({metric})"


OVERDUE = 'status="overdue", ' + C
MISSED = 'outcome="missed", ' + CK
LATE = 'outcome=~"late|off_site", ' + CK
PICKUPS = "max by (contract, kecamatan, outcome) (kawal_routes_pickups{{{}}})"


def compliance() -> dict:
    """For auditors and the agency: what the contracts promised and what the evidence shows, this WIB month."""
    items = [
        row("Ringkasan bulan ini / This month at a glance"),
        panel("bargauge", "Tepat waktu / On time (bulan ini / this month)",
              "Pickups collected on time over the month's decided pickups (confirmed or missed; excused and still "
              "open ones left out), per contract and kecamatan. Red under 0.90, orange under 0.95, the default "
              "minimum; a contract's own minimum is in its SLA terms.",
              [target(one("kawal_routes_on_time_ratio", "contract, kecamatan", CK), "{{contract}} · {{kecamatan}}")],
              w=8, h=9, unit="percentunit", minimum=0, maximum=1, decimals=1, thresholds=RATIO_STEPS),
        panel("stat", "Potongan / Deductions (Rp)",
              "Deductions assessed on each contract to date (missed pickups, complaint days overdue, shortfall "
              "days), in whole Rupiah, before the cap.",
              [target(f"sum by (contract) ({one('kawal_billing_deductions_rp', 'contract, kind', C)})", "{{contract}}")],
              w=6, h=9, unit=RUPIAH, decimals=0, thresholds=[(None, "blue")]),
        panel("bargauge", "Batas denda terpakai / Penalty cap used",
              "Deductions to date over the contract's cap on all deductions (cap ratio x contract value). At 100% "
              "further deductions are shown as capped, not deducted.",
              [target(one("kawal_billing_cap_used_ratio", "contract", C), "{{contract}}")],
              w=5, h=9, unit="percentunit", minimum=0, maximum=1, thresholds=CAP_STEPS),
        panel("stat", "Pengaduan terlambat / Complaints overdue",
              "Complaints not resolved within the SLA time (24 h on protocol roads and markets, 72 h elsewhere).",
              [target(f"sum by (contract) ({one('kawal_routes_complaints', 'contract, status', OVERDUE)}) "
                      f"or sum by (contract) ({one('kawal_routes_complaints', 'contract, status', C)}) * 0", "{{contract}}")],
              w=5, h=9, thresholds=[(None, "green"), (1, "red")]),
        row("Tepat waktu / On time"),
        panel("timeseries", "Rasio tepat waktu / On-time ratio per kontrak dan kecamatan / by contract and kecamatan",
              "The month-to-date on-time ratio over time; the shaded band is under the default minimum of 0.95.",
              [target(one("kawal_routes_on_time_ratio", "contract, kecamatan", CK), "{{contract}} · {{kecamatan}}")],
              w=16, h=10, unit="percentunit", maximum=1, decimals=1, thresholds=RATIO_STEPS, threshold_line=True),
        panel("bargauge", "Pengangkutan menurut hasil / Pickups by outcome",
              "This month's pickups: on_time (tepat waktu), late (terlambat), missed (terlewat), off_site (di luar "
              "lokasi, unverified), excused (dimaafkan), scheduled (terjadwal, still open).",
              [target(f"sum by (outcome) ({PICKUPS.format(CK)})", "{{outcome}}")],
              w=8, h=10, thresholds=[(None, "blue")]),
        panel("timeseries", "Pengangkutan terlewat / Missed pickups (bulan ini / month to date)",
              "Pickups with no accepted confirmation by the end of their window plus the sync allowance; each one "
              "is a deduction unless the agency excuses it.",
              [target(f"sum by (contract) ({PICKUPS.format(MISSED)})", "{{contract}}")],
              w=12, h=8),
        panel("timeseries", "Terlambat dan di luar lokasi / Late and off-site pickups",
              "Confirmed pickups collected after the window, and confirmations outside the geofence not yet verified.",
              [target(f"sum by (contract, outcome) ({PICKUPS.format(LATE)})",
                      "{{contract}} · {{outcome}}")],
              w=12, h=8),
        row("Tonase / Tonnage"),
        panel("timeseries", "Tonase bersih terhadap target / Net tonnage against target (kg)",
              "Net kg of cleared weighings at the landfill this month to date, beside the daily target times the "
              "contract days so far.",
              [target(one("kawal_routes_net_tonnage_kg", "contract", C), "{{contract}} bersih / net"),
               target(one("kawal_routes_target_tonnage_kg", "contract", C), "{{contract}} target")],
              w=16, h=9, unit="masskg"),
        panel("bargauge", "Capaian tonase / Tonnage against target",
              "Net tonnage over target, month to date.",
              [target(f"{one('kawal_routes_net_tonnage_kg', 'contract', C)} / "
                      f"({one('kawal_routes_target_tonnage_kg', 'contract', C)} > 0)", "{{contract}}")],
              w=8, h=9, unit="percentunit", minimum=0, maximum=1.2,
              thresholds=[(None, "red"), (0.5, "orange"), (1, "green")]),
        row("Denda / Deductions"),
        panel("timeseries", "Potongan per jenis / Deductions by kind (Rp)",
              "Deductions to date by kind: missed pickups (pengangkutan terlewat), complaint days overdue "
              "(hari pengaduan terlambat), shortfall days (hari kekurangan tonase).",
              [target(one("kawal_billing_deductions_rp", "contract, kind", C), "{{contract}} · {{kind}}")],
              w=16, h=9, unit=RUPIAH, decimals=0),
        panel("timeseries", "Batas denda dan plafon / Cap and ceiling used",
              "Share of the penalty cap used by deductions, and of the contract ceiling used by invoices.",
              [target(one("kawal_billing_cap_used_ratio", "contract", C), "{{contract}} batas denda / cap"),
               target(one("kawal_billing_ceiling_used_ratio", "contract", C), "{{contract}} plafon / ceiling")],
              w=8, h=9, unit="percentunit", minimum=0, thresholds=CAP_STEPS, threshold_line=True),
        row("Pengaduan dan peringatan / Complaints and warnings"),
        panel("timeseries", "Pengaduan terbuka dan terlambat / Complaints open and overdue",
              "Complaints from residents not yet resolved, and those past their SLA deadline.",
              [target(one("kawal_routes_complaints", "contract, status", 'status=~"open|overdue", ' + C),
                      "{{contract}} · {{status}}")],
              w=12, h=9),
        table("Surat peringatan / Warning letters (SP1-SP3)",
              "Warning letters the agency issued to each contract, by level.",
              [target(one("kawal_contracts_warning_letters", "contract, level", C))], w=12, h=9),
        row("Tagihan / Invoices"),
        panel("bargauge", "Tagihan menurut status / Invoices by status",
              "Monthly invoices: draft, issued (diterbitkan), approved (disetujui), paid (dibayar).",
              [target(one("kawal_billing_invoices", "status"), "{{status}}")],
              w=8, h=8, thresholds=[(None, "blue")]),
        table("Nilai tagihan / Invoiced (Rp)",
              "Invoice totals (after deductions and PPN) by contract and status.",
              [target(one("kawal_billing_invoiced_rp", "contract, status", C))], w=10, h=8, unit=RUPIAH),
        panel("stat", "Kontrak menurut status / Contracts by status",
              "Contracts by life-cycle status.",
              [target(one("kawal_contracts_contracts", "status"), "{{status}}")],
              w=6, h=8, thresholds=[(None, "blue")]),
        table("Timbangan bertanda / Flagged weighings",
              "Weighings not yet cleared, by flag (for example over capacity or an unknown plate): their tonnage "
              "is not counted until the agency clears them.",
              [target(one("kawal_routes_weighings_flagged", "contract, flag", C))], w=24, h=7),
    ]
    variables = [
        query_variable("contract", "Kontrak / Contract", "label_values(kawal_routes_pickups, contract)"),
        query_variable("kecamatan", "Kecamatan", 'label_values(kawal_routes_pickups{contract=~"$contract"}, kecamatan)'),
    ]
    return dashboard("kawal-compliance", "Kepatuhan kontrak / Contract compliance",
                     "Service levels, tonnage, deductions, complaints, warnings and invoices of the waste-collection "
                     "contracts, from the evidence. Read only.",
                     ["kawal", "kepatuhan", "compliance", "auditor"], items, variables, "now-30d", "5m")


def _per_service(expr: str, legend: str) -> list[dict]:
    return [target(expr.replace("<s>", s), legend.replace("<s>", s)) for s in SERVICES]


def platform() -> dict:
    """For operators: is every process up, is every event flowing, are the apis fast."""
    rate = "[$__rate_interval]"
    items = [
        row("Kesehatan / Health"),
        panel("stat", "Proses hidup / Processes up",
              "1 when Prometheus scraped the process at its last attempt.",
              [target('up{job=~"contracts_.*|routes_.*|billing_.*"}', "{{job}} {{instance}}")],
              w=12, h=6, thresholds=[(None, "red"), (1, "green")],
              options={"textMode": "name", "colorMode": "background"}),
        panel("stat", "Pesan diparkir / Parked messages",
              "Messages that failed every retry; `kawal events parked list` shows them with their error.",
              _per_service("max(kawal_<s>_parked_messages)", "<s>"), w=6, h=6, thresholds=[(None, "green"), (1, "red")]),
        panel("stat", "Umur outbox tertua / Oldest unsent event",
              "Age of the oldest outbox row not yet confirmed by the broker; over 5 minutes alerts.",
              _per_service("max(kawal_<s>_outbox_oldest_age_seconds)", "<s>"), w=6, h=6, unit="s",
              thresholds=[(None, "green"), (60, "orange"), (300, "red")]),
        row("HTTP"),
        panel("timeseries", "Permintaan / Requests per second",
              "Requests per second by service.",
              _per_service(f"sum(rate(kawal_<s>_http_requests_total{rate}))", "<s>"), w=8, h=8, unit="reqps"),
        panel("timeseries", "Latensi / Latency p50 · p99",
              "Request latency quantiles per service, from the histogram.",
              _per_service(f"histogram_quantile(0.5, sum by (le) (rate(kawal_<s>_http_request_duration_seconds_bucket"
                           f"{rate})))", "<s> p50")
              + _per_service(f"histogram_quantile(0.99, sum by (le) (rate(kawal_<s>_http_request_duration_seconds"
                             f"_bucket{rate})))", "<s> p99"),
              w=8, h=8, unit="s"),
        panel("timeseries", "Galat / Errors (4xx, 5xx) per second",
              "Answers by status class; a 5xx is a bug or an outage (bad input answers 422).",
              _per_service(f'sum by (status) (rate(kawal_<s>_http_requests_total{{status=~"[45].."}}{rate})) '
                           f"or sum(rate(kawal_<s>_http_requests_total{rate})) * 0", "<s> {{status}}"),
              w=8, h=8, unit="reqps"),
        row("Peristiwa / Events"),
        panel("timeseries", "Diterbitkan / Published per second",
              "Events confirmed by the broker, by service.",
              _per_service(f"sum(rate(kawal_<s>_events_published_total{rate}))", "<s>"), w=8, h=8, unit="ops"),
        panel("timeseries", "Dikonsumsi / Consumed per second",
              "Events handled by each service's consumer, by outcome (applied, duplicate).",
              _per_service(f"sum by (outcome) (rate(kawal_<s>_events_consumed_total{rate}))", "<s> {{outcome}}"),
              w=8, h=8, unit="ops"),
        panel("timeseries", "Gagal dan diparkir / Failed and parked per second",
              "Handler failures sent to retry, and events parked after their last attempt (a counter appears with its "
              "first failure: until then the line is 0).",
              _per_service(f"sum(rate(kawal_<s>_events_failed_total{rate})) or vector(0)", "<s> gagal / failed")
              + _per_service(f"sum(rate(kawal_<s>_events_parked_total{rate})) or vector(0)", "<s> diparkir / parked"),
              w=8, h=8, unit="ops"),
        panel("timeseries", "Antrean outbox / Outbox backlog",
              "Outbox rows not yet published, by service.",
              _per_service("max(kawal_<s>_outbox_backlog)", "<s>"), w=6, h=8),
        panel("timeseries", "Umur outbox / Outbox oldest age",
              "Age of the oldest unsent row; it grows while the relay cannot publish.",
              _per_service("max(kawal_<s>_outbox_oldest_age_seconds)", "<s>"), w=6, h=8, unit="s",
              thresholds=[(None, "green"), (300, "red")], threshold_line=True),
        panel("timeseries", "Antrean konsumen / Consumer queue depth",
              "Ready messages on each service's quorum queue (the consumer's lag).",
              _per_service("max(kawal_<s>_consumer_queue_messages)", "<s>"), w=6, h=8),
        panel("timeseries", "Pesan diparkir / Parked messages",
              "Messages waiting in each service's parked queue for an operator.",
              _per_service("max(kawal_<s>_parked_messages)", "<s>"), w=6, h=8),
        row("Celery"),
        panel("timeseries", "Tugas / Tasks per second",
              "Compliance task runs by task and outcome (ok, error).",
              [target(f"sum by (task, outcome) (rate(kawal_routes_tasks_total{rate}))", "{{task}} {{outcome}}")],
              w=12, h=8, unit="ops"),
        panel("timeseries", "Durasi tugas / Task duration p50 · p99",
              "Duration quantiles of each compliance task.",
              [target(f"histogram_quantile(0.5, sum by (le, task) (rate(kawal_routes_task_duration_seconds_bucket"
                      f"{rate})))", "{{task}} p50"),
               target(f"histogram_quantile(0.99, sum by (le, task) (rate(kawal_routes_task_duration_seconds_bucket"
                      f"{rate})))", "{{task}} p99")],
              w=12, h=8, unit="s"),
    ]
    return dashboard("kawal-platform", "Platform", "Kawal's processes, HTTP, events and Celery, for operators.",
                     ["kawal", "platform", "operator"], items, [], "now-6h", "30s")


DASHBOARDS = {"compliance.json": compliance, "platform.json": platform}


def render(build) -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    for name, build in DASHBOARDS.items():
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as handle:
            handle.write(render(build))
        print(f"wrote {os.path.join(OUT, name)}")


if __name__ == "__main__":
    main()
