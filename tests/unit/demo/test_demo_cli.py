"""`kawal demo` wired into the CLI: status and stop when nothing runs say so and succeed, a stale pid file is no demo."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from kawal.cli import main
from kawal.demo.instance import Demo


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    monkeypatch.setenv("KAWAL_DEMO_HOME", str(tmp_path))
    monkeypatch.setenv("KAWAL_DEMO_NAME", "demo_cli")
    return Demo.configured()


def test_the_demo_group_lists_its_commands():
    result = CliRunner().invoke(main, ["demo", "--help"])
    assert result.exit_code == 0
    for command in ("start", "stop", "reset", "status"):
        assert command in result.output


def test_status_and_stop_when_nothing_runs(nowhere):
    runner = CliRunner()
    status = runner.invoke(main, ["demo", "status"])
    assert (status.exit_code, "The demo is not running" in status.output) == (0, True), status.output
    stop = runner.invoke(main, ["demo", "stop"])
    assert (stop.exit_code, "The demo is not running" in stop.output) == (0, True), stop.output
    assert not nowhere.run_dir.exists()  # nothing written when nothing ran


def test_a_pid_file_of_a_finished_or_foreign_process_is_no_demo(nowhere):
    nowhere.run_dir.mkdir(parents=True)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    nowhere.pid_file.write_text(finished.stdout)
    assert nowhere.pid() is None
    nowhere.pid_file.write_text(f"{os.getpid()}\n")  # alive, but pytest, not a kawal supervisor
    assert CliRunner().invoke(main, ["demo", "status"]).output.startswith("Demo tidak berjalan")
    stop = CliRunner().invoke(main, ["demo", "stop"])
    assert stop.exit_code == 0 and not nowhere.pid_file.exists()  # the stale file is gone, nothing was signalled


def test_the_demo_renames_config_databases_and_vhost_without_repeating_them(nowhere, monkeypatch):
    monkeypatch.delenv("KAWAL_ROUTES_DATABASE_URL", raising=False)
    monkeypatch.delenv("KAWAL_ROUTES_MIGRATE_DATABASE_URL", raising=False)
    assert nowhere.database_url("routes").database == "kawal_routes_demo_cli"
    assert nowhere.database_url("routes").username == "kawal_routes_app"
    assert nowhere.migration_url("routes").username == "postgres"
    monkeypatch.setenv("KAWAL_ROUTES_DATABASE_URL", nowhere.database_url("routes").render_as_string(False))
    assert nowhere.database_url("routes").database == "kawal_routes_demo_cli"  # applied twice, renamed once
    assert nowhere.broker_env()["KAWAL_AMQP_URL"].endswith("/kawal_demo_cli")


def test_postgresql_not_answering_is_one_line_not_a_traceback(nowhere, monkeypatch):
    for service in ("contracts", "routes", "billing", "portal"):  # a port nothing listens on
        monkeypatch.setenv(f"KAWAL_{service.upper()}_MIGRATE_DATABASE_URL",
                           f"postgresql+psycopg://postgres@127.0.0.1:1/kawal_{service}")
    result = CliRunner().invoke(main, ["demo", "reset"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1, result.output
    assert result.output.startswith("kawal: PostgreSQL is not reachable")
