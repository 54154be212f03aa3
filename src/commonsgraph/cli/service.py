"""`serve` and `token`: running the service and the tokens that open its writes."""

from __future__ import annotations

import asyncio
import signal
from dataclasses import replace

import click
from rich.table import Table

from commonsgraph.cli.base import console, fail, main, opened
from commonsgraph.config import Settings
from commonsgraph.errors import CommonsGraphError
from commonsgraph.tokens import TokenStore


@main.command()
@click.option("--host", help="Interface to listen on (env COMMONSGRAPH_HOST, default 127.0.0.1).")
@click.option("--port", type=int, help="Port (env COMMONSGRAPH_PORT, default 8000).")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Serve the graph over HTTP from the embedded store."""
    from commonsgraph.web import create_app

    settings = replace(settings, host=host or settings.host, port=port or settings.port)
    with opened(settings) as store:
        console.print(
            f"commonsgraph: {store.triple_count():,} statements "
            f"in {settings.store_path or 'memory'}; "
            f"serving on http://{settings.host}:{settings.port}/"
        )
        asyncio.run(_serve(create_app(settings, store), settings))


async def _serve(app: object, settings: Settings) -> None:
    """Granian's embedded server on this process's event loop: the app (its lifespan, its
    requests) runs on this thread, granian's Rust threads do the sockets and HTTP/1.1. SIGINT and
    SIGTERM stop it cleanly (open exchanges end, then the app's lifespan shutdown runs)."""
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server.embed import Server

    server = Server(
        target=app,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,  # with the lifespan (query workers, gateway, schedules)
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(keep_alive=True),
        websockets=False,
        backlog=1024,  # the kernel's queue of connections not yet accepted
        backpressure=256,  # exchanges in the app at once; the scheduler queues the queries
        log_level=LogLevels.warning,  # the startup line above says where it serves
        log_access=settings.access_log,
    )  # the app decides who the client is (web/clients.py): granian reads no proxy headers
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, server.stop)
    await server.serve()


# -- tokens --------------------------------------------------------------------------------------


def _tokens(settings: Settings) -> TokenStore:
    if settings.data_dir is None:
        fail("tokens need a data directory (COMMONSGRAPH_DATA_DIR)", 2)
    assert settings.data_dir is not None
    return TokenStore(settings.data_dir / "tokens.sqlite3")


@main.group()
def token() -> None:
    """API tokens (bearer secrets with a role) for writes."""


@token.command(name="create")
@click.option(
    "--role", required=True, type=click.Choice(["reader", "contributor", "curator", "admin"])
)
@click.option("--label", default="", help="Who or what the token is for.")
@click.pass_obj
def token_create(settings: Settings, role: str, label: str) -> None:
    """Create a token; its secret is shown once and stored hashed."""
    tokens = _tokens(settings)
    created, secret = tokens.create(role, label)
    tokens.close()
    console.print(f"token {created.id} ({created.role}) created; its secret, shown only now:")
    print(secret)


@token.command(name="revoke")
@click.argument("token_id")
@click.pass_obj
def token_revoke(settings: Settings, token_id: str) -> None:
    """Revoke a token by its id (the part after 'cg_' in the secret)."""
    tokens = _tokens(settings)
    try:
        revoked = tokens.revoke(token_id)
    except CommonsGraphError as error:
        fail(str(error), 2)
    finally:
        tokens.close()
    console.print(f"token {revoked.id} ({revoked.role}) revoked")


@token.command(name="list")
@click.pass_obj
def token_list(settings: Settings) -> None:
    """The tokens, without their secrets."""
    tokens = _tokens(settings)
    table = Table("id", "role", "label", "created", "revoked")
    for item in tokens.list():
        revoked = item.revoked.strftime("%Y-%m-%d %H:%M") if item.revoked else ""
        table.add_row(
            item.id, item.role, item.label, item.created.strftime("%Y-%m-%d %H:%M"), revoked
        )
    tokens.close()
    console.print(table)
