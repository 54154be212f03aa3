"""What the commands share: the `commonsgraph` group, the store they open, exit codes and
printing."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from click.decorators import FC
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from commonsgraph import i18n
from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings, environment_language
from commonsgraph.database import Database
from commonsgraph.errors import (
    CommonsGraphError,
    ConfigError,
    Conflict,
    InputError,
    NotFound,
    StoreError,
)
from commonsgraph.safetext import printable, redact
from commonsgraph.store import Store, open_store
from commonsgraph.tokens import Token
from commonsgraph.validation import (
    Finding,
    ValidationReport,
)

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def language() -> str:
    """The language of the command line's frames: `COMMONSGRAPH_LANG`, else the locale's."""
    return i18n.of_locale(environment_language())


def lang_option(whose: str) -> Callable[[FC], FC]:
    """`--lang`: the language of `whose` output, one of the interface's (default: the locale's)."""
    return click.option(
        "--lang",
        type=click.Choice(i18n.LANGUAGES),
        default=language,
        help=f"{whose} language (default: the locale's).",
    )


def frame(key: str, **values: object) -> str:
    """A frame of the command line in its language, filled with `values` (numbers, whole or
    not, written as the language writes them), as plain text: for click's messages and `fail`,
    which escape what they print themselves."""
    lang = language()
    shown = {
        name: i18n.number(value, lang)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else str(value)
        for name, value in values.items()
    }
    return i18n.frames(lang)[key].format(**shown)


def say(key: str, **values: object) -> str:
    """A frame of the command line in its language, filled with `values` (numbers written as
    the language writes them; everything escaped: data is never read as rich markup)."""
    return frame(
        key,
        **{
            name: value
            if isinstance(value, int | float) and not isinstance(value, bool)
            else escape(str(value))
            for name, value in values.items()
        },
    )


def amount(value: int | float) -> str:
    """A number as the command line's language writes it (`347 934`, `0,85`)."""
    return i18n.number(value, language())


def word(key: str) -> str:
    """A word of the interface (`i18n.WORDS`: a status, a role) in the command line's language
    (the project's own words: no markup in them)."""
    return i18n.words(language())[key]


def headed(*columns: str, **options: Any) -> Table:
    """A table whose headers are frames (`column_…` keys) in the command line's language."""
    return Table(*(say(column) for column in columns), **options)


def fail(message: str, code: int) -> None:
    errors.print(f"[bold red]{say('error')}[/] {escape(message)}", highlight=False)
    sys.exit(code)


@contextmanager
def opened(settings: Settings) -> Iterator[Store]:
    """The store, with the project's own graphs loaded, closed afterwards.

    Errors become exit codes."""
    try:
        store = open_store(settings)
    except ConfigError as error:  # the store's endpoints (store.endpoints)
        fail(str(error), 2)
    except StoreError as error:
        fail(str(error), 3)
    try:
        if load_bundled(store, settings):
            store.optimize()
        yield store
    except (InputError, NotFound, Conflict) as error:
        fail(str(error), 2)
    except CommonsGraphError as error:
        fail(str(error), 3)
    finally:
        store.close()


@contextmanager
def database(settings: Settings) -> Iterator[Database]:
    """The deployment's database, up to date, closed afterwards (exit code 3 when it is
    unavailable)."""
    try:
        opened = Database.open(settings)
    except StoreError as error:
        fail(str(error), 3)
    except CommonsGraphError as error:
        fail(str(error), 2)
    try:
        yield opened
    finally:
        opened.close()


class Commands(click.Group):
    """The `commonsgraph` group: arguments are text, checked before any command reads them.

    An argument that holds a NUL or bytes that are not UTF-8 (which Python passes on as lone
    surrogates) cannot be a path, a query or a name; it is refused (exit code 2) instead of
    failing with a traceback wherever it is first encoded."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for position, argument in enumerate(args, start=1):
            if "\x00" in argument or any("\ud800" <= c <= "\udfff" for c in argument):
                shown = printable(redact(argument))
                raise click.UsageError(
                    frame("not_text", position=position, argument=shown[:60]), ctx
                )
        return super().parse_args(ctx, args)


@click.group(cls=Commands)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the store lives (env COMMONSGRAPH_DATA_DIR, default ./var).",
)
@click.option("--base-iri", help="Canonical base of the IRIs (env COMMONSGRAPH_BASE_IRI).")
@click.version_option(package_name="commonsgraph")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, base_iri: str | None) -> None:
    """commonsgraph: an open knowledge graph of tiers-lieux and their commons."""
    try:
        settings = Settings.from_env()
        if data_dir is not None:
            settings = replace(settings, data_dir=data_dir)
        if base_iri is not None:
            settings = replace(settings, base_iri=base_iri)
    except CommonsGraphError as error:
        fail(str(error), 2)
    ctx.obj = settings


def cell(term: Any) -> str:
    """A term as text for a table or a line (escaped: data is never read as rich markup)."""
    if term is None:
        return ""
    return escape(term.value if hasattr(term, "value") else str(term))


def terminal_token() -> Token:
    """Whoever runs the command: an admin, named after the system user."""
    user = getpass.getuser()
    return Token(f"cli-{user}", "admin", f"{user} (command line)", datetime.now(UTC))


def print_findings(findings: list[Finding], lang: str) -> None:
    """A validation report, one finding a line, and its verdict."""
    for finding in findings:
        colour = {"Violation": "red", "Warning": "yellow"}.get(finding.severity, "blue")
        where = f" {finding.path}" if finding.path else ""
        value = f" = {finding.value}" if finding.value else ""
        severity = i18n.words(lang).get(f"severity_{finding.severity}", finding.severity)
        console.print(
            f"[{colour}]{escape(severity)}[/] "
            + escape(f"{finding.focus}{where}{value}: {finding.message(lang)}"),
            highlight=False,
        )
    report = ValidationReport(findings)
    counts = report.counts()
    console.print(
        say(
            "verdict",
            verdict=say("conforms" if report.conforms else "does_not_conform"),
            violations=counts["Violation"],
            warnings=counts["Warning"],
            infos=counts["Info"],
        )
    )
