"""`source`, `harvest` and `reconcile`: partner platforms, their harvests, and links to ours."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.markup import escape

from commonsgraph.cli.base import (
    amount,
    console,
    database,
    errors,
    fail,
    frame,
    headed,
    lang_option,
    main,
    opened,
    say,
    terminal_token,
    word,
)
from commonsgraph.config import Settings
from commonsgraph.errors import DataSyntaxError, InputError, NotFound
from commonsgraph.harvest import KINDS as HARVEST_KINDS
from commonsgraph.harvest import Source, SourceRegistry
from commonsgraph.partners import Partners
from commonsgraph.reconcile import STATUSES as RECONCILIATION_STATUSES
from commonsgraph.reconcile import SearchReport
from commonsgraph.safetext import redact
from commonsgraph.validation import (
    ValidationPool,
    Validator,
)
from commonsgraph.vocab import compact

# -- partner sources and harvests ----------------------------------------------------------------


@main.group()
def source() -> None:
    """Partner sources to harvest (kept in the database; <data dir>/sources.toml is read in
    when it changes)."""


@contextmanager
def _registry(settings: Settings) -> Iterator[SourceRegistry]:
    with database(settings) as state:
        directory = settings.data_dir
        yield SourceRegistry(state, None if directory is None else directory / "sources.toml")


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, equals, field = value.partition("=")
        if not equals or not key.strip() or not field.strip():
            fail(frame("pair_expected", option=option, value=repr(value)), 2)
        pairs[key.strip()] = field.strip()
    return pairs


@source.command(name="add")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice(HARVEST_KINDS))
@click.option("--url", required=True, help="The endpoint, dump or feed.")
@click.option("--mapping", help="sparql, rdf: pair (built in) or a CONSTRUCT query file.")
@click.option("--licence", help="The partner's licence: an SPDX id or an IRI.")
@click.option("--title", default="", help="A name for people.")
@click.option("--field", "fields", multiple=True, help="Feeds: OURS=THEIRS, e.g. label=nom.")
@click.option("--typology", "typologies", multiple=True, help='Feeds: "THEIR VALUE=notation".')
@click.option("--records", help="json: the dotted path of the list of records.")
@click.pass_obj
def source_add(
    settings: Settings,
    name: str,
    kind: str,
    url: str,
    mapping: str | None,
    licence: str | None,
    title: str,
    fields: tuple[str, ...],
    typologies: tuple[str, ...],
    records: str | None,
) -> None:
    """Declare (or redeclare) a source."""
    declared = Source(
        name, kind, url, title, licence, mapping, _pairs(fields, "--field"),
        _pairs(typologies, "--typology"), records,
    )  # fmt: skip
    with _registry(settings) as registry:
        try:
            registry.add(declared)
        except (InputError, DataSyntaxError) as error:
            fail(str(error), 2)
    console.print(say("source_declared", name=name), highlight=False)


@source.command(name="remove")
@click.argument("name")
@click.option("--drop", is_flag=True, help="Also drop its harvested graph, status and quarantine.")
@click.pass_obj
def source_remove(settings: Settings, name: str, drop: bool) -> None:
    """Forget a source (its harvested graph stays public unless --drop)."""
    with _registry(settings) as registry:
        try:
            registry.remove(name)
        except (InputError, NotFound, DataSyntaxError) as error:
            fail(str(error), 2)
    if drop:
        with _partners(settings) as partners:
            partners.harvester.drop(name)
    console.print(
        say("source_removed_dropped" if drop else "source_removed", name=name), highlight=False
    )


@source.command(name="list")
@click.pass_obj
def source_list(settings: Settings) -> None:
    """The sources and how their last harvests went."""
    with _partners(settings) as partners:
        harvester = partners.harvester
        table = headed(
            "column_name", "column_kind", "column_url", "column_last_success", "column_records",
            "column_quarantined", "column_last_error",
        )  # fmt: skip
        for item in harvester.registry.all():
            status = harvester.ledger.status(item.name)
            error = "" if status.healthy else redact(status.last_error or "")
            success = (
                f"{status.last_success:%Y-%m-%d %H:%M}" if status.last_success else say("never")
            )
            table.add_row(
                escape(item.name), item.kind, escape(item.shown_url), success,
                amount(status.published), amount(status.quarantined),
                escape(error),
            )  # fmt: skip
    console.print(table)


@contextmanager
def _partners(settings: Settings) -> Iterator[Partners]:
    with opened(settings) as store, database(settings) as state:
        pool = ValidationPool(Validator.of_project(settings))
        try:
            yield Partners.open(store, settings, pool, state)
        finally:
            pool.close()


@main.command()
@click.argument("name", required=False)
@click.option("--all", "every", is_flag=True, help="Every declared source (for cron).")
@click.option("--full", is_flag=True, help="Ask for everything, not only what changed.")
@click.pass_obj
def harvest(settings: Settings, name: str | None, every: bool, full: bool) -> None:
    """Harvest a partner source (or --all), then look for candidate links to our resources.
    Exit code 1 when a partner failed: its previous harvest is kept."""
    if (name is None) == (not every):
        fail(frame("source_or_all"), 2)
    with _partners(settings) as partners:
        harvested = partners.harvest(name, full)
    for report in harvested.reports:
        if report.error:
            errors.print(
                f"[bold red]{report.source}[/]: {escape(redact(report.error))}", highlight=False
            )
        elif report.unchanged:
            console.print(say("harvest_unchanged", source=report.source), highlight=False)
        else:
            change = report.change
            console.print(
                say(
                    "harvest_done",
                    source=report.source,
                    records=report.records,
                    published=report.published,
                    quarantined=report.quarantined,
                )
                + ("" if report.full else say("harvest_changes_only"))
                + (
                    say("harvest_statements", added=change.added, removed=change.removed)
                    if change
                    else ""
                )
                + say("harvest_seconds", seconds=round(report.seconds, 1)),
                highlight=False,
            )
            for note in report.notes[:10]:
                console.print(f"  {escape(note)}", highlight=False)
    if harvested.search is not None:
        print_search(harvested.search)
    sys.exit(1 if harvested.failed else 0)


# -- reconciliation ------------------------------------------------------------------------------


@main.group()
def reconcile() -> None:
    """Candidate owl:sameAs links between harvested resources and ours."""


def print_search(search: SearchReport) -> None:
    found, recorded = search.search, search.recorded
    console.print(
        say(
            "reconciliation_found",
            found=len(found.found),
            harvested=found.harvested,
            ours=found.ours,
            new=recorded.new,
            dropped=recorded.dropped,
        ),
        highlight=False,
    )


@reconcile.command(name="search")
@click.pass_obj
def reconcile_search(settings: Settings) -> None:
    """Look for candidates in the store as it is."""
    with _partners(settings) as partners:
        print_search(partners.reconciliation.search())


@reconcile.command(name="list")
@click.option("--status", type=click.Choice(RECONCILIATION_STATUSES))
@lang_option("The reasons'")
@click.pass_obj
def reconcile_list(settings: Settings, status: str | None, lang: str) -> None:
    """The candidates, the best first."""
    with _partners(settings) as partners:
        found = partners.reconciliation.candidates(status)
    table = headed(
        "column_id", "column_score", "column_status", "column_ours", "column_theirs", "column_why"
    )
    for c in found:
        table.add_row(
            c.id, amount(round(c.score, 2)), word(f"status_{c.status}"),
            escape(f"{c.ours_label}\n{compact(c.ours.value)}"),
            escape(f"{c.theirs_label}\n{compact(c.theirs.value)}"),
            escape("; ".join(c.evidence.reasons(lang))),
        )  # fmt: skip
    console.print(table)


@reconcile.command(name="confirm")
@click.argument("candidate")
@click.pass_obj
def reconcile_confirm(settings: Settings, candidate: str) -> None:
    """Publish a candidate link."""
    with _partners(settings) as partners:
        c = partners.reconciliation.confirm(candidate, terminal_token())
    console.print(
        say("same_as_published", ours=c.ours.value, theirs=c.theirs.value), highlight=False
    )


@reconcile.command(name="dismiss")
@click.argument("candidate")
@click.option("--reason", default="", help="Why they are not the same.")
@click.pass_obj
def reconcile_dismiss(settings: Settings, candidate: str, reason: str) -> None:
    """Not the same: never proposed again (a confirmed link is withdrawn)."""
    with _partners(settings) as partners:
        c = partners.reconciliation.dismiss(candidate, terminal_token(), reason)
    console.print(say("candidate_dismissed", id=c.id), highlight=False)
