"""`kawal`: the one command-line tool (tokens, databases, seed, simulate, report, parked events, audit)."""

from __future__ import annotations

import sys

import click
import pika.exceptions
import psycopg
import requests
import sqlalchemy.exc

from kawal import commands
from shared.config import ConfigError

# What an operator can do something about gets one line, not a traceback.
_UNREACHABLE = (
    (
        requests.ConnectionError,
        "a Kawal service is not answering ({detail}); is it running? (`make up` or `make demo`)",
    ),
    (
        pika.exceptions.AMQPConnectionError,
        "RabbitMQ is not reachable ({detail}); check KAWAL_AMQP_URL and that the broker runs",
    ),
    (
        sqlalchemy.exc.OperationalError,
        "PostgreSQL is not reachable ({detail}); check the KAWAL_*_DATABASE_URL settings",
    ),
    (psycopg.OperationalError, "PostgreSQL is not reachable ({detail}); check the KAWAL_*_DATABASE_URL settings"),
)


class _Kawal(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ConfigError as error:  # a missing or unsafe setting (no JWT secret): name the variable
            click.secho(f"kawal: {error}", fg="red", err=True)
            sys.exit(1)
        except tuple(kind for kind, _ in _UNREACHABLE) as error:
            message = next(text for kind, text in _UNREACHABLE if isinstance(error, kind))
            detail = (
                str(getattr(error, "orig", None) or error).strip().splitlines()[0]
                if str(error).strip()
                else type(error).__name__
            )
            click.secho(f"kawal: {message.format(detail=detail[:200])}", fg="red", err=True)
            sys.exit(1)


@click.group(cls=_Kawal)
def main() -> None:
    """Kawal: evidence-based waste-collection contracts."""


for command in commands.ALL:
    main.add_command(command)
