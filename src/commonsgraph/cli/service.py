"""`serve` and `token`: running the service and the tokens that open its writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import click
from rich.markup import escape

from commonsgraph.cli.base import (
    console,
    database,
    fail,
    frame,
    headed,
    main,
    opened,
    say,
    word,
)
from commonsgraph.config import Settings
from commonsgraph.errors import CommonsGraphError
from commonsgraph.tokens import TokenStore


@main.command()
@click.option("--host", help="Interface to listen on (env COMMONSGRAPH_HOST, default 127.0.0.1).")
@click.option("--port", type=int, help="Port (env COMMONSGRAPH_PORT, default 8000).")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Serve the graph over HTTP from the embedded store."""
    import uvicorn

    from commonsgraph.web import create_app

    settings = replace(settings, host=host or settings.host, port=port or settings.port)
    with opened(settings) as store:
        console.print(
            say(
                "serving",
                count=store.triple_count(),
                where=settings.store_path or frame("in_memory"),
                url=f"http://{settings.host}:{settings.port}/",
            ),
            highlight=False,
        )
        uvicorn.run(
            create_app(settings, store),
            host=settings.host,
            port=settings.port,
            log_level="info",
            access_log=settings.access_log,
            proxy_headers=False,  # the app decides who the client is (web/clients.py)
        )


# -- tokens --------------------------------------------------------------------------------------


@contextmanager
def _tokens(settings: Settings) -> Iterator[TokenStore]:
    if settings.data_dir is None and not settings.database:
        fail(frame("tokens_need_database"), 2)
    with database(settings) as state:
        yield TokenStore(state)


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
    with _tokens(settings) as tokens:
        created, secret = tokens.create(role, label)
    console.print(say("token_created", id=created.id, role=word(f"role_{created.role}")))
    print(secret)


@token.command(name="revoke")
@click.argument("token_id")
@click.pass_obj
def token_revoke(settings: Settings, token_id: str) -> None:
    """Revoke a token by its id (the part after 'cg_' in the secret)."""
    with _tokens(settings) as tokens:
        try:
            revoked = tokens.revoke(token_id)
        except CommonsGraphError as error:
            fail(str(error), 2)
    console.print(say("token_revoked", id=revoked.id, role=word(f"role_{revoked.role}")))


@token.command(name="list")
@click.pass_obj
def token_list(settings: Settings) -> None:
    """The tokens, without their secrets."""
    with _tokens(settings) as tokens:
        listed = tokens.list()
    table = headed("column_id", "column_role", "column_label", "column_created", "column_revoked")
    for item in listed:
        revoked = item.revoked.strftime("%Y-%m-%d %H:%M") if item.revoked else ""
        table.add_row(
            item.id,
            word(f"role_{item.role}"),
            escape(item.label),
            item.created.strftime("%Y-%m-%d %H:%M"),
            revoked,
        )
    console.print(table)
