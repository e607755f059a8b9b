"""requirements.lock pins every dependency pyproject.toml names, inside pyproject's ranges (`make lock` renews it)."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line):
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return [Requirement(name) for name in names]


def test_every_declared_dependency_is_pinned_in_the_lock_within_its_range():
    pins = _pins()
    stale = [str(r) for r in _declared()
             if canonicalize_name(r.name) not in pins or not r.specifier.contains(pins[canonicalize_name(r.name)])]
    assert stale == [], f"run `make lock`: {stale}"


def test_the_lock_pins_the_transitive_dependencies_too():
    pins = _pins()
    assert {"werkzeug", "kombu", "amqp", "vine"} <= set(pins)
    assert len(pins) > len(_declared())
