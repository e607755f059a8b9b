"""The CLI says in one line which server it cannot reach instead of printing a traceback."""
from __future__ import annotations

from click.testing import CliRunner

from kawal.cli import main


def test_report_against_a_service_that_is_down_names_it_in_one_line(monkeypatch):
    # port 9 (discard) has no listener here: the report's first API call is refused
    for service in ("contracts", "routes", "billing"):
        monkeypatch.setenv(f"KAWAL_{service.upper()}_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("KAWAL_JWT_SECRET", "x" * 40)
    result = CliRunner().invoke(main, ["report", "--month", "2026-10"])
    assert result.exit_code == 1, result.output
    assert "is not answering" in result.output
    assert "Traceback" not in result.output
