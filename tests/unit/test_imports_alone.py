"""Every module of shared/, services/ and kawal/ imports on its own: no import circle waits for the right order."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("shared", "services", "kawal")

# One interpreter per module would cost a minute; instead a fresh interpreter loads the third-party libraries
# once and forks a child per module, which imports that module with none of ours loaded yet.
_CHECK = r"""
import importlib, os, sys, traceback
for library in ("flask", "sqlalchemy", "celery", "kombu", "pika", "marshmallow", "prometheus_client", "alembic"):
    try:
        importlib.import_module(library)
    except ImportError:
        pass
assert not [m for m in sys.modules if m.split(".")[0] in ("shared", "services", "kawal")]
failed = []
for name in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(name)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    if os.waitpid(pid, 0)[1] != 0:
        failed.append(name)
print("FAILED", *failed)
"""


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if any(part.endswith("migrations") for part in parts[:-1]):  # Alembic runs these
                continue
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_of_ours_imports_alone_in_a_fresh_interpreter():
    modules = _modules()
    assert len(modules) > 100 and "services.routes.celery_app" in modules
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", _CHECK, *modules], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    assert result.stdout.split() == ["FAILED"], result.stderr[-4000:]


def test_a_module_that_fails_to_import_is_reported(tmp_path):
    (tmp_path / "circle_a.py").write_text("from circle_b import B\nA = 1\n")
    (tmp_path / "circle_b.py").write_text("from circle_a import A\nB = 1\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", _CHECK, "circle_a", "json"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["FAILED", "circle_a"]
