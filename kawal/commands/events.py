"""`kawal events parked list|replay`: what the consumers parked, and sending it back once the cause is fixed."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from shared import config, parked

console = Console()


@click.group()
def events() -> None:
    """Integration events: topology, parked messages, republishing the outbox."""


@events.command("declare")
@click.option("--users", is_flag=True, help="Also create one broker user per service with least permissions.")
@click.option(
    "--env-file",
    default=None,
    help="With --users: write each service's KAWAL_<SERVICE>_AMQP_URL here "
    "(kept passwords are reused; source it before starting processes).",
)
@click.option(
    "--user-prefix", default="kawal-", show_default=True, help="With --users: user names are PREFIX<service>."
)
def declare(users: bool, env_file: str | None, user_prefix: str) -> None:
    """Declare the exchange, every service's queues and bindings and the delivery-limit policies, as an
    administrator (KAWAL_AMQP_ADMIN_URL, else KAWAL_AMQP_URL), before any process starts."""
    declare_topology(users, env_file, user_prefix)


def declare_topology(users: bool, env_file: str | None, user_prefix: str = "kawal-", say=console.print) -> None:
    """What `kawal events declare` does (`kawal demo` too, on its own vhost); `say` gets each progress line, while
    a failure to declare users and policies is always printed."""
    import importlib

    import pika

    from shared import brokerusers, topology

    admin_url = config.amqp_admin_url()
    connection = pika.BlockingConnection(topology.parameters(admin_url, "kawal.declare"))
    try:
        channel = connection.channel()
        try:
            topology.declare_exchange(channel)
        except pika.exceptions.ChannelClosedByBroker as error:
            if error.reply_code != 406:
                raise
            # An exchange from an older Kawal (no alternate exchange): replace it; the bindings follow below.
            channel = connection.channel()
            channel.exchange_delete(config.events().exchange)
            say(f"replaced {config.events().exchange} (declared by an older version)")
        for service in config.SERVICES:
            handlers = importlib.import_module(f"services.{service}.handlers").HANDLERS
            topology.declare_service(channel, service, handlers)
            channel = connection.channel()
            say(f"{service}: queue bound to {len(handlers)} event types")
    finally:
        topology.close_quietly(connection)
    # Users, permissions and the delivery-limit policies in one import (each rabbitmqctl call costs seconds).
    from services.routes.celery_app import BROKER_RESOURCES

    wanted = (
        {"contracts": None, "routes": BROKER_RESOURCES, "billing": None, config.PORTAL: brokerusers.NO_RIGHTS}
        if users
        else {}
    )  # the portal only checks the broker is there
    try:
        declared = brokerusers.declare_users(
            admin_url, wanted, prefix=user_prefix, env_file=env_file, policies_for=config.SERVICES
        )
    except Exception as error:  # noqa: BLE001 - no rabbitmqctl rights and no management API: say so, go on
        console.print(
            f"[red]could not declare the delivery-limit policies{' and broker users' if users else ''} "
            f"({error}); run this as the broker's administrator (root for rabbitmqctl, or "
            f"KAWAL_RABBITMQ_MANAGEMENT_URL). Queues declared by this version still carry the limit; "
            f"processes without their own URL connect with KAWAL_AMQP_URL[/]"
        )
        if env_file:  # `make up` sources it: keep what an earlier run wrote, or leave it empty
            brokerusers.write_env_file(env_file, brokerusers.read_env_file(env_file))
        return
    say(f"delivery limit {topology.DELIVERY_LIMIT} on every service queue (policy)")
    for user in declared:
        say(f"{user.service}: broker user {user.name} (least permissions)")
    if env_file:
        say(f"wrote {env_file}: source it so each process connects as its own service's user")


@events.group("parked")
def parked_group() -> None:
    """Messages a consumer gave up on after its last attempt."""


@parked_group.command("list")
@click.option(
    "--service",
    "services",
    multiple=True,
    type=click.Choice(config.SERVICES),
    help="One service (repeatable); all by default.",
)
def parked_list(services: tuple[str, ...]) -> None:
    """Show parked messages (they stay parked)."""
    table = Table(title="Parked events / Event tertahan")
    for column in ("service", "id", "type", "attempts", "error", "parked at"):
        table.add_column(column, overflow="fold")
    total = 0
    for service in services or config.SERVICES:
        for message in parked.browse(config.amqp_url(service), service):
            total += 1
            table.add_row(
                service,
                message.id or "-",
                message.type or "-",
                str(message.attempts),
                message.error,
                message.parked_at or "-",
            )
    console.print(table)
    console.print(f"{total} parked")


@parked_group.command("replay")
@click.option("--service", required=True, type=click.Choice(config.SERVICES))
@click.option("--id", "event_id", default=None, help="The event id to replay.")
@click.option("--all", "replay_all", is_flag=True, help="Replay every parked message of the service.")
def parked_replay(service: str, event_id: str | None, replay_all: bool) -> None:
    """Send parked messages back to the service's queue for a fresh set of attempts."""
    if bool(event_id) == replay_all:
        raise click.UsageError("give exactly one of --id EVENT_ID or --all")
    replayed = parked.replay(config.amqp_url(service), service, event_id=event_id)
    for message in replayed:
        console.print(f"replayed {message.id} ({message.type})")
    if event_id and not replayed:
        console.print(f"[red]no parked message with id {event_id} in {service}.parked[/]")
        raise SystemExit(1)
    console.print(f"{len(replayed)} replayed to {service}")


@events.command("republish")
@click.option("--service", required=True, type=click.Choice(config.SERVICES), help="The producing service.")
@click.option("--since", required=True, help="An outbox position (seq, an integer) or an ISO 8601 instant.")
@click.option("--type", "types", multiple=True, help="Only these event types (repeatable).")
def republish(service: str, since: str, types: tuple[str, ...]) -> None:
    """Send kept outbox rows again from SEQ or TIME (a new read model, a consumer that lost its queue); the service's
    events process publishes them in order; consumers drop what they already applied."""
    from datetime import datetime

    from shared import db, outbox

    since_seq = since_time = None
    if since.isdigit():
        since_seq = int(since)
    else:
        try:
            since_time = datetime.fromisoformat(since)
        except ValueError:
            raise click.BadParameter("an outbox seq (integer) or an ISO 8601 instant", param_hint="--since")
        if since_time.tzinfo is None:
            raise click.BadParameter("give the instant with its offset (e.g. +07:00)", param_hint="--since")
    with db.unit_of_work(config.database_url(service)) as session:
        count, first, last = outbox.republish(session, since_seq=since_seq, since=since_time, types=types)
    if count:
        console.print(f"{service}: {count} outbox rows (seq {first}..{last}) marked for the relay to send again")
    else:
        console.print(
            f"{service}: nothing kept from {since} (retention deletes sent rows after {config.retention().days:g} days)"
        )
