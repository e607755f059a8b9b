"""schemathesis against each service's own OpenAPI document, on a real gunicorn, as each role.

`make test` runs a short, seeded pass (tests/integration/hardening/test_schemathesis.py); `make fuzz` runs
`python -m tests.support.fuzz --minutes 10`, the same checks with a time budget and fresh random data."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from typing import Iterator

import requests

from shared import auth, config
from tests.support import databases
from tests.support.system import ROOT, free_ports

BIN = os.path.dirname(sys.executable)
LOGS: dict[str, str] = {}  # base URL -> its gunicorn log, while it serves
ROLES = ("dinas", "contractor", "auditor")
# what the issue asks: no server error; status codes, content types, headers and bodies as documented
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
          "response_schema_conformance")


@contextmanager
def serving(service: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """The service's API under gunicorn (two workers) on a free port; yields its base URL."""
    port = free_ports(1)[0]
    log = tempfile.NamedTemporaryFile(prefix=f"kawal-fuzz-{service}-", suffix=".log", delete=False)
    # a generous timeout: on a machine shared with other suites a slow answer is load, not a finding
    process = subprocess.Popen([os.path.join(BIN, "gunicorn"), "-w", "2", "--timeout", "120",
                                "-b", f"127.0.0.1:{port}", f"services.{service}.app:create_app()"], cwd=ROOT,
                               env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    LOGS[url] = log.name
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{service} did not start:\n{open(log.name).read()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.unlink(log.name)
        LOGS.pop(url, None)


def server_log(url: str, chars: int = 6000) -> str:
    """The tail of a serving() process's log (its tracebacks, when schemathesis found a server error)."""
    with open(LOGS[url], encoding="utf-8", errors="replace") as handle:
        return handle.read()[-chars:]


def token(role: str) -> str:
    return auth.mint(role, sub=f"fuzz-{role}", contractor_id=str(uuid.uuid4()) if role == "contractor" else None)


def run(url: str, role: str, max_examples: int | None = None, max_time: float | None = None,
        seed: int | None = None) -> subprocess.CompletedProcess:
    """One schemathesis run; exit code 0 means it found nothing."""
    args = [os.path.join(BIN, "st"), "run", f"{url}/openapi.json", "--checks", CHECKS, "--no-color",
            "--header", f"Authorization: Bearer {token(role)}", "--workers", "1", "--request-timeout", "60",
            # one worker: Python 3.11's ast.parse (hypothesis describes lambdas with it) is not thread-safe
            "--generation-database", "none", "--suppress-health-check", "all"]
    if max_examples:
        args += ["--max-examples", str(max_examples)]
    if max_time:
        args += ["--max-time", str(int(max_time))]
    if seed is not None:
        args += ["--seed", str(seed)]
    with tempfile.TemporaryDirectory(prefix="kawal-fuzz-") as scratch:  # its reports stay out of the checkout
        return subprocess.run(args, cwd=scratch, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0, help="total budget, shared by services and roles")
    parser.add_argument("--service", action="append", choices=config.SERVICES)
    options = parser.parse_args()
    services = options.service or list(config.SERVICES)
    share = options.minutes * 60 / (len(services) * len(ROLES))
    failed = 0
    for service in services:
        # fresh kawal_<service>_<suffix> databases: fuzzing as dinas writes, never into a demo's database
        url = databases.fresh_service_database(service, os.environ.get("KAWAL_TEST_DB_SUFFIX", "fuzz"))
        with serving(service, {f"KAWAL_{service.upper()}_DATABASE_URL": url}) as url:
            for role in ROLES:
                done = run(url, role, max_time=share)
                summary = "\n".join(done.stdout.splitlines()[-12:])
                print(f"== {service} as {role}: exit {done.returncode}\n{summary}", flush=True)
                if done.returncode != 0:
                    failed += 1
                    print(done.stdout[-20000:], flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
