"""`db`: the database of the service's own state (tokens, contributions, harvests,
reconciliation): its schema and the data files of the layout before it."""

from __future__ import annotations

from pathlib import Path

import click

from commonsgraph.cli.base import console, database, fail, main, say
from commonsgraph.config import Settings
from commonsgraph.database import Database, database_url
from commonsgraph.database.legacy import import_files
from commonsgraph.errors import CommonsGraphError
from commonsgraph.harvest import SourceRegistry


@main.group(name="db")
def db() -> None:
    """The database of the service's state (COMMONSGRAPH_DATABASE, or SQLite in the data
    directory)."""


@db.command(name="upgrade")
@click.pass_obj
def db_upgrade(settings: Settings) -> None:
    """Bring the schema up to date and import the data directory's older data files (the
    service does it too when it starts)."""
    with database(settings) as opened:
        revision = opened.revision()
    console.print(say("schema_at", where=_where(settings), revision=revision), highlight=False)


@db.command(name="status")
@click.pass_obj
def db_status(settings: Settings) -> None:
    """Where the database is and its schema's revision (none before `db upgrade`)."""
    try:
        opened = Database.open(settings, upgrade=False)
        try:
            revision = opened.revision()
        finally:
            opened.close()
    except CommonsGraphError as error:
        fail(str(error), 3)
    console.print(
        say("schema_at", where=_where(settings), revision=revision or say("no_revision")),
        highlight=False,
    )


@db.command(name="import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_obj
def db_import(settings: Settings, directory: Path) -> None:
    """Import the data files (tokens.sqlite3, contributions.sqlite3, harvests.sqlite3,
    reconciliation.sqlite3, sources.toml) of another data directory, e.g. a machine's before it
    joins a shared PostgreSQL. A file is imported once (sources.toml again when it changed);
    rows already there are kept."""
    with database(settings) as opened:
        try:
            imported = import_files(opened, directory)
            toml = directory / "sources.toml"
            known = len(SourceRegistry(opened, toml).all()) if toml.is_file() else None
        except CommonsGraphError as error:
            fail(str(error), 2)
    for item in imported:
        console.print(say("rows_imported", file=item.file, rows=item.rows), highlight=False)
    if known is not None:
        console.print(say("sources_read", file=toml, count=known), highlight=False)
    if not imported and known is None:
        console.print(say("nothing_to_import", directory=directory), highlight=False)


def _where(settings: Settings) -> str:
    return database_url(settings).render_as_string(hide_password=True)
