"""ruff and mypy stay clean on shared/ and services/ (the same as `make lint`)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing_in_shared_and_services():
    result = _run("ruff", "check", "--no-cache", "shared", "services", "kawal")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_shared_services_and_the_cli_are_formatted_by_ruff():
    result = _run("ruff", "format", "--check", "--no-cache", "shared", "services", "kawal")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_ruff_would_report_a_real_defect(tmp_path):
    (tmp_path / "bad.py").write_text("import os\n\n\ndef f():\n    return undefined_name\n")
    result = _run("ruff", "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(tmp_path / "bad.py"))
    assert result.returncode == 1 and "F401" in result.stdout and "F821" in result.stdout


def test_mypy_finds_no_type_error_in_shared_and_services():
    result = _run("mypy")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
