"""The demo's own world: its databases (kawal_<service>_<name>), its broker vhost (kawal_<name>) and users, its
processes under `kawal supervise`, and the files it keeps in .run/. Every address comes from shared.config: the demo
only renames the databases and the vhost, so `make up`'s databases are never touched by a reset."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL, make_url

from shared import brokerusers, config, migrations

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent  # kawal, gunicorn and celery of the environment running this
# at a day in a few seconds, a real second is hours of simulated time: the beat's periodic tasks run often
BEAT = {
    "KAWAL_SWEEP_INTERVAL_SECONDS": "1",
    "KAWAL_EVALUATE_DAYS_INTERVAL_SECONDS": "2",
    "KAWAL_EVALUATE_MONTHS_INTERVAL_SECONDS": "3",
    "KAWAL_SCHEDULE_AHEAD_INTERVAL_SECONDS": "30",
}
WEB = (*config.SERVICES, config.PORTAL)  # every process with a /readyz


class DemoError(RuntimeError):
    """Something the person running the demo can act on; the CLI prints it as one line."""


@dataclass(frozen=True)
class Demo:
    name: str
    home: Path  # the processes' working directory; .run/ lives here

    @classmethod
    def configured(cls) -> "Demo":
        settings = config.demo()
        return cls(settings.name, Path(settings.home) if settings.home else ROOT)

    # files
    @property
    def run_dir(self) -> Path:
        return self.home / ".run"

    def _file(self, suffix: str) -> Path:
        return self.run_dir / f"{self.name}{suffix}"

    @property
    def pid_file(self) -> Path:
        return self._file(".pid")

    @property
    def log_file(self) -> Path:
        return self._file(".log")

    @property
    def env_file(self) -> Path:
        """`source` it to run kawal commands against the demo (its clock, databases and vhost)."""
        return self._file(".env")

    @property
    def broker_env_file(self) -> Path:
        return self._file("-broker.env")

    @property
    def epoch_file(self) -> Path:
        """Written when the city is seeded: from then on the demo's clock runs (kawal/demo/clockplan.py)."""
        return self._file("-clock-epoch")

    @property
    def state_file(self) -> Path:
        return self._file("-supervisor.json")

    # databases and broker, derived from shared.config
    def _renamed(self, url: str) -> URL:
        parsed = make_url(url)
        suffix = f"_{self.name}"
        database = parsed.database or ""
        return parsed.set(database=database if database.endswith(suffix) else database + suffix)

    def migration_url(self, service: str) -> URL:
        return self._renamed(config.migration_database_url(service))

    def database_url(self, service: str) -> URL:
        return self._renamed(config.database_url(service))

    @property
    def vhost(self) -> str:
        return f"kawal_{self.name}"

    @property
    def user_prefix(self) -> str:
        return f"kawal-{self.name}-"

    def broker_env(self) -> dict[str, str]:
        """Where every process and the demo's kawal commands reach the broker: the demo's vhost (each service as its
        own user once the reset declared them)."""
        return {
            "KAWAL_AMQP_URL": brokerusers.with_vhost(config.amqp_url(), self.vhost),
            "KAWAL_AMQP_ADMIN_URL": brokerusers.with_vhost(config.amqp_admin_url(), self.vhost),
            **brokerusers.read_env_file(str(self.broker_env_file)),
        }

    def database_env(self) -> dict[str, str]:
        env = {}
        for service in config.DATABASES:
            env[f"KAWAL_{service.upper()}_DATABASE_URL"] = self.database_url(service).render_as_string(False)
            env[f"KAWAL_{service.upper()}_MIGRATE_DATABASE_URL"] = self.migration_url(service).render_as_string(False)
        return env

    # processes
    def pid(self) -> int | None:
        """The supervisor's pid while it runs (a stale pid file, or a pid reused by another program, is None)."""
        try:
            pid = int(self.pid_file.read_text().strip())
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            return None
        # `kawal supervise`; for an instant after its start the `kawal demo start` it is forked from, or nothing yet
        # (the kernel shows an empty command line while the new program is being loaded)
        ours = any(os.path.basename(part) == b"kawal" for part in command) or not any(command)
        return pid if ours and _alive(pid) else None

    def ports(self) -> dict[str, int]:
        """Every port the demo's processes bind: the APIs, the portal and each process's /metrics."""
        return {
            **{s: config.port(s) for s in WEB},
            **{f"{p} /metrics": config.metrics_port(p) for p in config.DEFAULT_METRICS_PORTS},
        }


def taken_ports(ports: dict[str, int]) -> dict[str, int]:
    taken = {}
    for what, port in ports.items():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                taken[what] = port
    return taken


def city_size(demo: Demo) -> dict[str, int] | None:
    """What an earlier run left: pickups and invoices (None when the databases are not there yet)."""
    found = {}
    for service, table, label in (
        ("routes", "pickups", "jadwal / pickups"),
        ("billing", "invoices", "tagihan / invoices"),
    ):
        url = demo.migration_url(service).set(drivername="postgresql").render_as_string(False)
        try:
            with psycopg.connect(url, connect_timeout=5) as conn:
                row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - constants
                found[label] = row[0] if row else 0
        except psycopg.errors.UndefinedTable:
            found[label] = 0
        except psycopg.OperationalError as error:
            if "does not exist" in str(error):
                return None
            raise
    return found


def recreate_databases(demo: Demo, say=lambda line: None) -> list[str]:
    """Drop and create every demo database, then migrate it to head; returns their names."""
    names = []
    for service in config.DATABASES:
        url = demo.migration_url(service)
        admin = url.set(database="postgres", drivername="postgresql").render_as_string(False)
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{url.database}"')
        migrations.upgrade(service, url.render_as_string(False))
        say(f"{url.database}: dibuat ulang dan dimigrasi / recreated and migrated")
        names.append(str(url.database))
    return names


def recreate_vhost(demo: Demo) -> None:
    """The demo's vhost emptied: no event, retry or Celery task of the old city left to be consumed."""
    try:
        brokerusers.recreate_vhost(config.amqp_admin_url(), demo.vhost)
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:  # requests' errors are OSErrors too
        raise DemoError(
            f"could not recreate the broker vhost {demo.vhost} ({error}); run as the broker's "
            "administrator (root for rabbitmqctl, or KAWAL_RABBITMQ_MANAGEMENT_URL)"
        ) from error


def remove_run_files(demo: Demo) -> None:
    """What the old run left in .run/: its clock and epoch, the beat's last-run times, its berita acara."""
    for path in [
        demo.env_file,
        demo.epoch_file,
        demo.run_dir / "celerybeat-schedule",
        *demo.run_dir.glob("berita-acara-*.pdf"),
    ]:
        path.unlink(missing_ok=True)


def jwt_secret() -> str:
    """KAWAL_JWT_SECRET, else this checkout's development secret (scripts/jwt-secret.sh makes it once)."""
    return (
        os.environ.get("KAWAL_JWT_SECRET")
        or subprocess.run(
            ["bash", str(ROOT / "scripts" / "jwt-secret.sh")], check=True, capture_output=True, text=True
        ).stdout.strip()
    )


def write_env_file(demo: Demo, env: dict[str, str]) -> None:
    demo.run_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(demo.env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # the secret and broker passwords
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# `kawal demo start` wrote this: source it to run kawal commands against the running demo\n")
        for name, value in env.items():
            handle.write(f"export {name}='{value}'\n")


def start_supervisor(demo: Demo, env: dict[str, str]) -> subprocess.Popen:
    """Every Procfile process under `kawal supervise`, in the background, leading its own process group."""
    (demo.run_dir / "prom").mkdir(parents=True, exist_ok=True)
    with open(demo.log_file, "wb") as log:
        process = subprocess.Popen(
            [str(VENV_BIN / "kawal"), "supervise", "-f", str(ROOT / "Procfile"), "--state", str(demo.state_file)],
            cwd=demo.home,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    demo.pid_file.write_text(f"{process.pid}\n")
    return process


def log_tail(demo: Demo, lines: int = 15) -> str:
    try:
        return "\n".join(demo.log_file.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def stop(demo: Demo, timeout: float = 30.0) -> int | None:
    """SIGTERM the supervisor's group (it stops every process it runs), SIGKILL what is left after the timeout;
    returns the pid stopped, or None when nothing ran."""
    pid = demo.pid()
    if pid is not None:
        _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            _signal_group(pid, signal.SIGKILL)
    demo.pid_file.unlink(missing_ok=True)
    return pid


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0]
    except OSError:
        return False
    return state != "Z"
