"""deploy/systemd: one unit per Procfile process, running its command, restarted whenever it dies; files current."""
from __future__ import annotations

import configparser
import importlib.util
import os
import shlex

import pytest

from tests.unit.deploy import catalogue

SYSTEMD = catalogue.path("deploy", "systemd")
_spec = importlib.util.spec_from_file_location("systemd_generate", os.path.join(SYSTEMD, "generate.py"))
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(os.path.join(SYSTEMD, name))
    return parser


def test_the_committed_units_are_what_the_generator_writes_from_the_procfile():
    for name, text in generate.files().items():
        with open(os.path.join(SYSTEMD, name), encoding="utf-8") as handle:
            assert handle.read() == text, f"{name} is stale: run python deploy/systemd/generate.py"


@pytest.mark.parametrize("process", sorted(catalogue.procfile()))
def test_every_procfile_process_is_a_unit_running_the_procfile_command_and_always_restarted(process):
    env, argv = catalogue.procfile()[process]
    unit = _unit(f"kawal-{catalogue.compose_name(process)}.service")
    service = unit["Service"]
    exec_argv = shlex.split(service["ExecStart"])
    assert exec_argv == [f"{generate.PREFIX}/.venv/bin/{argv[0]}", *argv[1:]]
    assert service["Restart"] == "always" and service["RestartSec"] == "1"
    assert service["KillMode"] == "control-group" and service["User"] == "kawal"
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"
    assert "kawal-migrate.service" in unit["Unit"]["After"]
    assert unit["Install"]["WantedBy"] == "kawal.target"
    for key, value in env.items():
        assert f"{key}={value}" in open(os.path.join(SYSTEMD, f"kawal-{catalogue.compose_name(process)}.service")).read()


def test_the_target_starts_every_process_and_the_migration():
    wants = set(_unit("kawal.target")["Unit"]["Wants"].split())
    assert wants == {f"kawal-{catalogue.compose_name(p)}.service" for p in catalogue.procfile()} | {"kawal-migrate.service"}
