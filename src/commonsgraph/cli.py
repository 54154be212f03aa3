"""The `commonsgraph` command: parse arguments, call the library, print, set the exit code.

Exit codes: 0 success, 1 the command ran but found problems (violations), 2 bad input or usage,
3 the store is unavailable (locked by another process).
"""

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
from pyoxigraph import QueryResultsFormat, RdfFormat
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from commonsgraph.bundled import load_bundled
from commonsgraph.config import Settings
from commonsgraph.contributions import STATUSES, Contributions
from commonsgraph.errors import CommonsGraphError, Conflict, InputError, NotFound, StoreError
from commonsgraph.federation import federated
from commonsgraph.harvest import KINDS as HARVEST_KINDS
from commonsgraph.harvest import Source, SourceRegistry
from commonsgraph.importers.base import ImportReport
from commonsgraph.partners import Partners
from commonsgraph.queries import (
    GRAPH_OUTPUTS,
    SELECT_OUTPUTS,
    SPARQL_TEXT,
    NamedQuery,
    Output,
    load_queries,
)
from commonsgraph.reconcile import STATUSES as RECONCILIATION_STATUSES
from commonsgraph.reconcile import SearchReport
from commonsgraph.store import Store, open_store
from commonsgraph.tokens import Token, TokenStore
from commonsgraph.validation import (
    Finding,
    ValidationPool,
    ValidationReport,
    Validator,
    neighbourhood,
)
from commonsgraph.vocab import Minter, compact

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

OUTPUTS = {output.name: output for output in (*SELECT_OUTPUTS, *GRAPH_OUTPUTS)}


def fail(message: str, code: int) -> None:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    sys.exit(code)


@contextmanager
def opened(settings: Settings) -> Iterator[Store]:
    """The store, with the project's own graphs loaded, closed afterwards.

    Errors become exit codes."""
    try:
        store = open_store(settings)
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


@click.group()
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
            f"commonsgraph: {store.triple_count():,} statements "
            f"in {settings.store_path or 'memory'}; "
            f"serving on http://{settings.host}:{settings.port}/"
        )
        uvicorn.run(
            create_app(settings, store),
            host=settings.host,
            port=settings.port,
            log_level="info",
            access_log=settings.access_log,
        )


# -- import --------------------------------------------------------------------------------------


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


def print_report(report: ImportReport) -> None:
    table = Table(title=f"import {report.source}", show_header=False, title_justify="left")
    table.add_row("files", ", ".join(report.files))
    table.add_row("rows read", f"{report.rows_read:,}")
    for label, count in report.created.most_common():
        table.add_row(f"created: {label}", f"{count:,}")
    for fact, count in sorted(report.facts.items()):
        table.add_row(fact, f"{count:,}")
    table.add_row("rows skipped", f"{len(report.skipped):,}")
    table.add_row("warnings", f"{len(report.warnings):,}")
    for change in report.changes:
        table.add_row(
            f"graph {change.graph}",
            f"{change.total:,} statements (+{change.added:,} −{change.removed:,})",
        )
    console.print(table)
    for note in report.skipped:
        console.print(f"[yellow]skipped[/] {note}", highlight=False)
    shown = report.warnings[:20]
    for note in shown:
        console.print(f"[dim]warning[/] {note}", highlight=False)
    if len(report.warnings) > len(shown):
        console.print(f"[dim]… and {len(report.warnings) - len(shown)} more warnings[/]")


@main.group(name="import")
def import_() -> None:
    """Import open data (see the README for where to download each dataset)."""


def _run_import(
    settings: Settings, label: str, run: Callable[..., ImportReport | list[ImportReport]]
) -> None:
    with opened(settings) as store, progress_bar(label) as advance:
        result = run(store, Minter(settings.base_iri), advance)
        store.optimize()
    for report in result if isinstance(result, list) else [result]:
        print_report(report)


existing = click.Path(exists=True, path_type=Path)


@import_.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def census(settings: Settings, path: Path) -> None:
    """The 2019 census of tiers-lieux (cget-tiers-lieux-2019.csv). Needs `import geo` first."""
    from commonsgraph.importers.census import import_census

    _run_import(
        settings,
        "census",
        lambda store, minter, advance: import_census(store, minter, path, advance),
    )


@import_.command()
@click.argument("paths", nargs=-1, required=True, type=existing)
@click.pass_obj
def geo(settings: Settings, paths: tuple[Path, ...]) -> None:
    """Communes, départements, régions and EPCI (the four JSON files, or their folder)."""
    from commonsgraph.importers.geo import import_geo

    _run_import(
        settings,
        "geo",
        lambda store, minter, advance: import_geo(store, minter, list(paths), advance),
    )


@import_.command()
@click.argument("paths", nargs=-1, required=True, type=existing)
@click.pass_obj
def programmes(settings: Settings, paths: tuple[Path, ...]) -> None:
    """Programme communes: the Petites Villes de Demain CSV and the Action Cœur de Ville GeoJSON
    (the files, or their folder). Needs `import geo` first."""
    from commonsgraph.importers.communes import CommuneIndex
    from commonsgraph.importers.programmes import import_programme

    files = [f for p in paths for f in (sorted(p.iterdir()) if p.is_dir() else [p])]

    def run(
        store: Store, minter: Minter, advance: Callable[[int, int], None]
    ) -> list[ImportReport]:
        communes = CommuneIndex.from_store(store, minter)
        return [import_programme(store, minter, f, communes, advance) for f in files]

    _run_import(settings, "programmes", run)


@import_.command()
@click.argument("paths", nargs=-1, required=True, type=existing)
@click.pass_obj
def licences(settings: Settings, paths: tuple[Path, ...]) -> None:
    """Licence facts: the SPDX list (JSON), the choosealicense folder and the Creative Commons
    RDF folder (or the folder holding the three)."""
    from commonsgraph.importers.licences import import_licences

    _run_import(
        settings,
        "licences",
        lambda store, minter, advance: import_licences(store, minter, list(paths), advance),
    )


@import_.command(name="all")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_obj
def import_all(settings: Settings, folder: Path) -> None:
    """Every dataset, in order, from a folder laid out like ../shared/data (geo/, programmes/,
    licences/, tiers-lieux/cget-tiers-lieux-2019.csv)."""
    from commonsgraph.importers.census import import_census
    from commonsgraph.importers.communes import CommuneIndex
    from commonsgraph.importers.geo import import_geo
    from commonsgraph.importers.licences import import_licences
    from commonsgraph.importers.programmes import import_programme

    def run(
        store: Store, minter: Minter, advance: Callable[[int, int], None]
    ) -> list[ImportReport]:
        reports = [import_geo(store, minter, [folder / "geo"], advance)]
        communes = CommuneIndex.from_store(store, minter)
        for path in sorted((folder / "programmes").iterdir()):
            reports.append(import_programme(store, minter, path, communes, advance))
        reports.append(import_licences(store, minter, [folder / "licences"], advance))
        census = folder / "tiers-lieux" / "cget-tiers-lieux-2019.csv"
        reports.append(import_census(store, minter, census, advance))
        return reports

    _run_import(settings, "all", run)


# -- query and stats -----------------------------------------------------------------------------


@main.command()
@click.argument("sparql")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", *OUTPUTS]),
    default="table",
    show_default=True,
    help="table for people; json/xml/csv/tsv for SELECT and ASK; "
    "turtle/ntriples/jsonld/rdfxml for CONSTRUCT and DESCRIBE.",
)
@click.pass_obj
def query(settings: Settings, sparql: str, fmt: str) -> None:
    """Run a SPARQL query on the public graph (the project's prefixes are predeclared)."""
    from commonsgraph.sparqltext import query_form

    form = query_form(sparql)
    with opened(settings) as store:
        if fmt == "table" and form == "SELECT":
            print_rows(store.select(sparql))
            return
        if fmt == "table" and form == "ASK":
            console.print("yes" if store.ask(sparql) else "no")
            return
        write(_serialized(store, sparql, OUTPUTS.get(fmt)))


def _serialized(store: Store, sparql: str, output: Output | None) -> bytes:
    """The results of a query in an output format (the default of its kind if None)."""
    results = output.results if output and output.results else QueryResultsFormat.JSON
    graph = output.graph if output and output.graph else RdfFormat.TURTLE
    return store.serialize_query(sparql, results_format=results, graph_format=graph).body


def write(body: bytes) -> None:
    sys.stdout.buffer.write(body)
    if not body.endswith(b"\n"):
        sys.stdout.buffer.write(b"\n")


def print_rows(rows: list[dict[str, Any]]) -> None:
    columns = list(dict.fromkeys(name for row in rows for name in row))
    table = Table(*columns)
    for row in rows:
        table.add_row(*(_cell(row.get(name)) for name in columns))
    console.print(table)
    console.print(f"{len(rows)} row(s)")


def _cell(term: Any) -> str:
    if term is None:
        return ""
    return term.value if hasattr(term, "value") else str(term)


# -- named queries -------------------------------------------------------------------------------


@main.group()
def queries() -> None:
    """The named queries of queries/ (also at /api/queries)."""


def _named_queries(settings: Settings) -> dict[str, NamedQuery]:
    try:
        return {q.name: q for q in load_queries(settings.resource("queries"))}
    except InputError as error:
        fail(str(error), 2)
        raise  # unreachable: fail exits


@queries.command(name="list")
@click.option("--tag", help="Only the queries with this tag (legal, researchers, partners…).")
@click.pass_obj
def queries_list(settings: Settings, tag: str | None) -> None:
    """Every named query: name, title, parameters (with defaults), tags."""
    for query in _named_queries(settings).values():
        if tag is not None and tag not in query.tags:
            continue
        console.print(f"[bold]{query.name}[/]  {query.label('en')}", highlight=False)
        for p in query.parameters:
            default = f" = {p.default}" if p.default is not None else ""
            needed = " (required)" if p.required else ""
            console.print(f"    --{p.name} {p.type}{default}{needed}", highlight=False)


@queries.command(
    name="run", context_settings={"ignore_unknown_options": True, "allow_extra_args": True}
)
@click.argument("name")
@click.option(
    "--format",
    "fmt",
    default="table",
    show_default=True,
    help="table for people, or a format the query offers (json, csv, tsv, xml, geojson, "
    "turtle, jsonld…; sparql prints the query that would run).",
)
@click.pass_context
def queries_run(ctx: click.Context, name: str, fmt: str) -> None:
    """Run the named query NAME; give its parameters as options: --commons fab-manager."""
    settings: Settings = ctx.obj
    named = _named_queries(settings)
    if name not in named:
        fail(f"there is no named query {name!r}; `commonsgraph queries list` lists them", 2)
    query = named[name]
    try:
        given = _options(ctx.args)
        output = None if fmt == "table" else query.output(fmt)
        text = query.prepared(given, settings.base_iri)
    except InputError as error:
        fail(str(error), 2)
        return
    if output is SPARQL_TEXT:
        write(text.encode("utf-8"))
        return
    with opened(settings) as store, federated(settings, text) as runnable:  # SERVICE bounded
        if output is None and query.form == "SELECT":
            print_rows(store.select(runnable))
            return
        body = _serialized(store, runnable, output)
    write(query.shape(output, body) if output else body)


def _options(arguments: list[str]) -> dict[str, str]:
    """`--name value` and `--name=value` pairs, as given after a named query's name."""
    given: dict[str, str] = {}
    pending = list(arguments)
    while pending:
        argument = pending.pop(0)
        if not argument.startswith("--") or len(argument) == 2:
            raise InputError(f"unexpected argument {argument!r}: give parameters as --name value")
        name, equals, value = argument[2:].partition("=")
        if not equals:
            if not pending:
                raise InputError(f"--{name} needs a value")
            value = pending.pop(0)
        if name in given:
            raise InputError(f"--{name} is given more than once")
        given[name] = value
    return given


@main.command()
@click.pass_obj
def stats(settings: Settings) -> None:
    """Statements per named graph and resources per class."""
    from commonsgraph.stats import class_counts, graph_counts

    with opened(settings) as store:
        graphs = graph_counts(store)
        classes = class_counts(store)
        total = store.triple_count()
    table = Table(
        "graph", "title", "statements", "loaded", title="named graphs", title_justify="left"
    )
    for count in graphs:
        info = count.info
        loaded = info.generated.strftime("%Y-%m-%d %H:%M") if info.generated else ""
        name = info.graph.value.removeprefix(settings.base_iri)
        table.add_row(name, info.title or "", f"{count.statements:,}", loaded)
    table.add_row("[bold]all", "", f"[bold]{total:,}", "")
    console.print(table)
    table = Table("class", "label", "resources", title="resources per class", title_justify="left")
    for cls in classes:
        table.add_row(compact(cls.cls.value), cls.label or "", f"{cls.resources:,}")
    console.print(table)


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


# -- contributions -------------------------------------------------------------------------------


@main.group(name="contributions")
def contributions_() -> None:
    """Review contributions from the terminal (the service must not hold the store)."""


def _operator() -> Token:
    """Whoever runs the command: an admin, named after the system user."""
    user = getpass.getuser()
    return Token(f"cli-{user}", "admin", f"{user} (command line)", datetime.now(UTC))


@contextmanager
def _workflow(settings: Settings) -> Iterator[Contributions]:
    with opened(settings) as store:
        workflow = Contributions.open(store, settings)
        try:
            yield workflow
        finally:
            workflow.close()


@contributions_.command(name="list")
@click.option("--status", type=click.Choice(STATUSES), help="Only those with this status.")
@click.pass_obj
def contributions_list(settings: Settings, status: str | None) -> None:
    """Contributions, oldest first."""
    with _workflow(settings) as workflow:
        found = workflow.ledger.find(status=status)
    table = Table("id", "status", "contributor", "submitted", "statements", "violations")
    for c in found:
        violations = sum(1 for f in c.findings if f.severity == "Violation")
        table.add_row(
            c.id,
            c.status,
            c.contributor_label or c.contributor,
            c.submitted.strftime("%Y-%m-%d %H:%M"),
            str(c.statements),
            str(violations),
        )
    console.print(table)
    console.print(f"{len(found)} contribution(s)")


@contributions_.command(name="show")
@click.argument("contribution_id")
@click.option("--lang", default="en", type=click.Choice(["en", "fr"]), show_default=True)
@click.pass_obj
def contributions_show(settings: Settings, contribution_id: str, lang: str) -> None:
    """A contribution: who, when, its report by resource, and what it changes."""
    with _workflow(settings) as workflow:
        c = workflow.get(contribution_id, _operator())
        changes = workflow.changes(c) if c.status in ("pending", "invalid") else []
    console.print(f"[bold]contribution {c.id}[/]: {c.status}", highlight=False)
    console.print(
        f"by {c.contributor_label or c.contributor}, {c.submitted:%Y-%m-%d %H:%M} UTC, "
        f"{c.statements} statements ({c.media_type}), licence {compact(c.licence)}"
        + (f", from {c.source}" if c.source else ""),
        highlight=False,
    )
    if c.reviewer:
        console.print(
            f"reviewed by {c.reviewer_label or c.reviewer}" + (f": {c.reason}" if c.reason else "")
        )
    print_findings(c.findings, lang)
    for change in changes:
        console.print(
            f"[bold]{compact(change.subject.value)}[/]"
            + (" (new)" if change.is_new else "")
            + f": {len(change.added)} added, {len(change.removed)} removed, "
            f"{change.unchanged} unchanged, {change.kept} kept from sources",
            highlight=False,
        )
        for t in change.added:
            console.print(f"  + {compact(t.predicate.value)} {_cell(t.object)}", highlight=False)
        for q in change.removed:
            console.print(f"  - {compact(q.predicate.value)} {_cell(q.object)}", highlight=False)


@contributions_.command(name="accept")
@click.argument("contribution_id")
@click.pass_obj
def contributions_accept(settings: Settings, contribution_id: str) -> None:
    """Publish a pending contribution."""
    with _workflow(settings) as workflow:
        c = workflow.accept(contribution_id, _operator())
    console.print(f"contribution {c.id} accepted: {workflow.graph(c).value}", highlight=False)


@contributions_.command(name="reject")
@click.argument("contribution_id")
@click.option("--reason", required=True, help="Why (the contributor reads it).")
@click.pass_obj
def contributions_reject(settings: Settings, contribution_id: str, reason: str) -> None:
    """Reject a pending contribution."""
    with _workflow(settings) as workflow:
        c = workflow.reject(contribution_id, _operator(), reason)
    console.print(f"contribution {c.id} rejected")


@contributions_.command(name="revert")
@click.argument("contribution_id")
@click.pass_obj
def contributions_revert(settings: Settings, contribution_id: str) -> None:
    """Withdraw an accepted contribution from the public graph."""
    with _workflow(settings) as workflow:
        c = workflow.revert(contribution_id, _operator())
    console.print(f"contribution {c.id} reverted")


# -- partner sources and harvests ----------------------------------------------------------------


@main.group()
def source() -> None:
    """Partner sources to harvest (kept in <data dir>/sources.toml)."""


def _registry(settings: Settings) -> SourceRegistry:
    if settings.data_dir is None:
        fail("sources are kept in the data directory; there is none", 2)
    assert settings.data_dir is not None
    return SourceRegistry(settings.data_dir / "sources.toml")


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, equals, field = value.partition("=")
        if not equals or not key.strip() or not field.strip():
            fail(f"{option} takes NAME=VALUE, got {value!r}", 2)
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
    try:
        _registry(settings).add(declared)
    except InputError as error:
        fail(str(error), 2)
    console.print(f"source {name} declared: `commonsgraph harvest {name}` harvests it")


@source.command(name="remove")
@click.argument("name")
@click.option("--drop", is_flag=True, help="Also drop its harvested graph, status and quarantine.")
@click.pass_obj
def source_remove(settings: Settings, name: str, drop: bool) -> None:
    """Forget a source (its harvested graph stays public unless --drop)."""
    try:
        _registry(settings).remove(name)
    except (InputError, NotFound) as error:
        fail(str(error), 2)
    if drop:
        with _partners(settings) as partners:
            partners.harvester.drop(name)
    console.print(f"source {name} removed" + (", its harvest dropped" if drop else ""))


@source.command(name="list")
@click.pass_obj
def source_list(settings: Settings) -> None:
    """The sources and how their last harvests went."""
    with _partners(settings) as partners:
        harvester = partners.harvester
        table = Table("name", "kind", "url", "last success", "records", "quarantined", "last error")
        for item in harvester.registry.all():
            status = harvester.ledger.status(item.name)
            error = "" if status.healthy else (status.last_error or "")
            success = f"{status.last_success:%Y-%m-%d %H:%M}" if status.last_success else "never"
            table.add_row(
                item.name, item.kind, item.url, success, str(status.published),
                str(status.quarantined), error,
            )  # fmt: skip
    console.print(table)


@contextmanager
def _partners(settings: Settings) -> Iterator[Partners]:
    with opened(settings) as store:
        pool = ValidationPool(Validator.of_project(settings))
        partners = Partners.open(store, settings, pool)
        try:
            yield partners
        finally:
            partners.close()
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
        fail("give a source NAME or --all", 2)
    with _partners(settings) as partners:
        harvested = partners.harvest(name, full)
    for report in harvested.reports:
        if report.error:
            errors.print(f"[bold red]{report.source}[/]: {report.error}", highlight=False)
        elif report.unchanged:
            console.print(f"{report.source}: unchanged since the last harvest")
        else:
            change = report.change
            console.print(
                f"{report.source}: {report.records} record(s), {report.published} published, "
                f"{report.quarantined} quarantined"
                + ("" if report.full else " (changes since the last harvest)")
                + (f"; +{change.added} -{change.removed} statements" if change else "")
                + f" in {report.seconds:.1f} s",
                highlight=False,
            )
            for note in report.notes[:10]:
                console.print(f"  {note}", highlight=False)
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
        f"reconciliation: {len(found.found)} candidate link(s) among {found.harvested:,} "
        f"harvested and {found.ours:,} of our resources ({recorded.new} new, "
        f"{recorded.dropped} no longer found); `commonsgraph reconcile list` shows them",
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
@click.option("--lang", type=click.Choice(["fr", "en"]), default="en")
@click.pass_obj
def reconcile_list(settings: Settings, status: str | None, lang: str) -> None:
    """The candidates, the best first."""
    with _partners(settings) as partners:
        found = partners.reconciliation.candidates(status)
    table = Table("id", "score", "status", "ours", "theirs", "why")
    for c in found:
        table.add_row(
            c.id, f"{c.score:.2f}", c.status, f"{c.ours_label}\n{compact(c.ours.value)}",
            f"{c.theirs_label}\n{compact(c.theirs.value)}", "; ".join(c.evidence.reasons(lang)),
        )  # fmt: skip
    console.print(table)


@reconcile.command(name="confirm")
@click.argument("candidate")
@click.pass_obj
def reconcile_confirm(settings: Settings, candidate: str) -> None:
    """Publish a candidate link."""
    with _partners(settings) as partners:
        c = partners.reconciliation.confirm(candidate, _operator())
    console.print(f"{c.ours.value} owl:sameAs {c.theirs.value}: published", highlight=False)


@reconcile.command(name="dismiss")
@click.argument("candidate")
@click.option("--reason", default="", help="Why they are not the same.")
@click.pass_obj
def reconcile_dismiss(settings: Settings, candidate: str, reason: str) -> None:
    """Not the same: never proposed again (a confirmed link is withdrawn)."""
    with _partners(settings) as partners:
        c = partners.reconciliation.dismiss(candidate, _operator(), reason)
    console.print(f"candidate {c.id} dismissed", highlight=False)


# -- validation ----------------------------------------------------------------------------------


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option(
    "--graph", "graph_name", help="Validate a stored graph (e.g. import/census) instead of a file."
)
@click.option("--lang", default="en", type=click.Choice(["en", "fr"]), show_default=True)
@click.pass_obj
def validate(settings: Settings, path: Path | None, graph_name: str | None, lang: str) -> None:
    """Validate an RDF file (or a stored graph) against the shapes, with what it refers to in the
    store. Exit code 0: conforms; 1: violations; 2: unreadable input."""
    from commonsgraph.rdfio import parse_triples

    if (path is None) == (graph_name is None):
        fail("give a FILE or --graph NAME", 2)
    with opened(settings) as store:
        if path is not None:
            data = parse_triples(path, base_iri=settings.base_iri)
        else:
            graph = Minter(settings.base_iri).graph(str(graph_name))
            data = store.construct(
                "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": graph}
            )
            if not data:
                fail(f"no graph named {graph.value}", 2)
        validator = Validator.of_project(settings)
        report = validator.validate(data, neighbourhood(store, data))
    print_findings(report.findings, lang)
    sys.exit(0 if report.conforms else 1)


def print_findings(findings: list[Finding], lang: str) -> None:
    """A validation report, one finding a line, and its verdict."""
    for finding in findings:
        colour = {"Violation": "red", "Warning": "yellow"}.get(finding.severity, "blue")
        where = f" {finding.path}" if finding.path else ""
        value = f" = {finding.value}" if finding.value else ""
        console.print(
            f"[{colour}]{finding.severity}[/] {finding.focus}{where}{value}: "
            f"{finding.message(lang)}",
            highlight=False,
        )
    report = ValidationReport(findings)
    counts = report.counts()
    console.print(
        f"{'conforms' if report.conforms else 'does not conform'}: "
        f"{counts['Violation']} violation(s), {counts['Warning']} warning(s), "
        f"{counts['Info']} info(s)"
    )
