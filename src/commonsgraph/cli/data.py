"""`import`, `query`, `queries`, `stats` and `validate`: the data and what it says."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from pyoxigraph import QueryResultsFormat, RdfFormat
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from commonsgraph.cli.base import (
    amount,
    cell,
    console,
    fail,
    frame,
    headed,
    lang_option,
    language,
    main,
    opened,
    print_findings,
    say,
)
from commonsgraph.config import Settings
from commonsgraph.errors import InputError
from commonsgraph.federation import federated
from commonsgraph.i18n import number
from commonsgraph.importers.base import ImportReport, Note
from commonsgraph.legal.named import LegalQueries
from commonsgraph.queries import (
    GRAPH_OUTPUTS,
    SELECT_OUTPUTS,
    SPARQL_TEXT,
    NamedQuery,
    Output,
    load_queries,
)
from commonsgraph.store import Store
from commonsgraph.validation import (
    Validator,
    neighbourhood,
)
from commonsgraph.vocab import Minter, compact

OUTPUTS = {output.name: output for output in (*SELECT_OUTPUTS, *GRAPH_OUTPUTS)}

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
    lang = language()
    table = Table(
        title=say("import_of", source=report.source), show_header=False, title_justify="left"
    )
    table.add_row(say("files"), escape(", ".join(report.files)))
    table.add_row(say("rows_read"), number(report.rows_read, lang))
    for label, count in report.created.most_common():
        table.add_row(say("created", what=label), number(count, lang))
    for fact, count in sorted(report.facts.items()):
        table.add_row(escape(fact), number(count, lang))
    table.add_row(say("rows_skipped"), number(len(report.skipped), lang))
    table.add_row(say("warnings"), number(len(report.warnings), lang))
    for change in report.changes:
        table.add_row(
            say("graph", graph=change.graph),
            say(
                "statements_changed",
                total=change.total,
                added=change.added,
                removed=change.removed,
            ),
        )
    console.print(table)
    for note in report.skipped:
        console.print(f"[yellow]{say('skipped')}[/] {escape(str(note))}", highlight=False)
    for line in warning_lines(report.warnings):
        console.print(f"[dim]{say('warning')}[/] {escape(line)}", highlight=False)


def warning_lines(warnings: list[Note], shown: int = 5) -> list[str]:
    """Each warning on its line, except that one said of many rows ("no typology in the
    source") is said once with its count and first lines: what is particular to a row
    (a correction, coordinates in the wrong country…) is never lost among the repeated."""
    by_message: dict[str, list[Note]] = {}
    for note in warnings:
        by_message.setdefault(note.message, []).append(note)
    lines = []
    for message, notes in by_message.items():
        if len(notes) <= shown:
            lines += [str(note) for note in notes]
            continue
        where = ", ".join(str(note.line) for note in notes[:shown] if note.line is not None)
        lines.append(
            frame(
                "repeated_warning",
                file=notes[0].file,
                message=message,
                count=len(notes),
                lines=where,
            )
        )
    return lines


@main.group(name="import")
def import_() -> None:
    """Import open data (see the README for where to download each dataset)."""


def _run_import(
    settings: Settings, label: str, run: Callable[..., ImportReport | list[ImportReport]]
) -> None:
    with opened(settings) as store, progress_bar(say("importing", what=label)) as advance:
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
@click.pass_obj
def abroad(settings: Settings) -> None:
    """Countries (France, Belgium, Spain) and the ISO 3166-2 regions and provinces of Belgium
    and Spain, from pycountry (no file to download)."""
    from commonsgraph.importers.abroad import import_abroad

    _run_import(settings, "abroad", import_abroad)


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
    from commonsgraph.rdfio import ReadLimits

    _run_import(
        settings,
        "licences",
        lambda store, minter, advance: import_licences(
            store, minter, list(paths), advance, limits=ReadLimits.files(settings)
        ),
    )


@import_.command(name="all")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_obj
def import_all(settings: Settings, folder: Path) -> None:
    """Every dataset, in order, from a folder laid out like ../shared/data (geo/, programmes/,
    licences/, tiers-lieux/cget-tiers-lieux-2019.csv), and the units abroad (pycountry)."""
    from commonsgraph.importers.abroad import import_abroad
    from commonsgraph.importers.census import import_census
    from commonsgraph.importers.communes import CommuneIndex
    from commonsgraph.importers.geo import import_geo
    from commonsgraph.importers.licences import import_licences
    from commonsgraph.importers.programmes import import_programme
    from commonsgraph.rdfio import ReadLimits

    def run(
        store: Store, minter: Minter, advance: Callable[[int, int], None]
    ) -> list[ImportReport]:
        reports = [
            import_geo(store, minter, [folder / "geo"], advance),
            import_abroad(store, minter, advance),
        ]
        communes = CommuneIndex.from_store(store, minter)
        for path in sorted((folder / "programmes").iterdir()):
            reports.append(import_programme(store, minter, path, communes, advance))
        licences = [folder / "licences"]
        reports.append(
            import_licences(store, minter, licences, advance, limits=ReadLimits.files(settings))
        )
        census = folder / "tiers-lieux" / "cget-tiers-lieux-2019.csv"
        reports.append(import_census(store, minter, census, advance))
        return reports

    _run_import(settings, "all", run)


def _sheet_command(kind: str, help_text: str) -> None:
    """`import {kind} PATH`: one filled-in template of data/templates/."""

    @import_.command(name=kind, help=help_text)
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.pass_obj
    def command(settings: Settings, path: Path) -> None:
        from commonsgraph.importers.sheets import import_sheet
        from commonsgraph.importers.templates import TEMPLATES

        validator = Validator.of_project(settings)
        _run_import(
            settings,
            kind,
            lambda store, minter, advance: import_sheet(
                store, minter, TEMPLATES[kind], path, validator, advance
            ),
        )


for _kind, _help in (
    (
        "projects",
        "Projects and their stage history (data/templates/projects.csv). Needs the places, "
        "territories and actors they name: `import geo` first.",
    ),
    (
        "offers",
        "Funding offers: funder, eligibility, amounts, period (data/templates/offers.csv).",
    ),
    (
        "grants",
        "Grants awarded: funder, funded project or place, amount, date, offer "
        "(data/templates/grants.csv). Needs `import projects` and `import offers` first.",
    ),
    (
        "articles",
        "Articles, interviews and place studies (data/templates/articles.csv).",
    ),
    (
        "dossiers",
        "Dossiers: ordered collections of articles (data/templates/dossiers.csv). Needs "
        "`import articles` first.",
    ),
):
    _sheet_command(_kind, _help + " Each refused row is reported with its line, column and why.")


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
    from commonsgraph.sparqlcheck import query_form

    form = query_form(sparql)
    with opened(settings) as store, federated(settings, sparql) as runnable:  # SERVICE bounded
        if fmt == "table" and form == "SELECT":
            print_rows(store.select(runnable))
            return
        if fmt == "table" and form == "ASK":
            console.print(say("yes") if store.ask(runnable) else say("no"))
            return
        write(serialized(store, runnable, OUTPUTS.get(fmt)))


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
        console.print(
            f"[bold]{escape(query.name)}[/]  {escape(query.label(language()))}", highlight=False
        )
        for p in query.parameters:
            default = f" = {p.default}" if p.default is not None else ""
            needed = say("required") if p.required else ""
            console.print(escape(f"    --{p.name} {p.type}{default}") + needed, highlight=False)


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
        fail(frame("no_named_query", name=repr(name)), 2)
    query = named[name]
    try:
        given = _options(ctx.args)
        output = None if fmt == "table" else query.output(fmt)
        text = query.prepared(given, settings.base_iri)  # checks the parameters
    except InputError as error:
        fail(str(error), 2)
        return
    if output is SPARQL_TEXT and query.engine is None:
        write(text.encode("utf-8"))
        return
    with opened(settings) as store:
        if query.engine is not None:  # the legal engine computes the rows from the store
            text = LegalQueries(store, settings.base_iri).prepared(query, given)
            if output is SPARQL_TEXT:
                write(text.encode("utf-8"))
                return
        with federated(settings, text) as runnable:  # SERVICE bounded
            if output is None and query.form == "SELECT":
                print_rows(store.select(runnable))
                return
            body = serialized(store, runnable, output)
    write(query.shape(output, body) if output else body)


def _options(arguments: list[str]) -> dict[str, str]:
    """`--name value` and `--name=value` pairs, as given after a named query's name."""
    given: dict[str, str] = {}
    pending = list(arguments)
    while pending:
        argument = pending.pop(0)
        if not argument.startswith("--") or len(argument) == 2:
            raise InputError(frame("unexpected_argument", argument=repr(argument)))
        name, equals, value = argument[2:].partition("=")
        if not equals:
            if not pending:
                raise InputError(frame("needs_value", name=name))
            value = pending.pop(0)
        if name in given:
            raise InputError(frame("given_twice", name=name))
        given[name] = value
    return given


@main.command()
@click.pass_obj
def stats(settings: Settings) -> None:
    """Statements per named graph and resources per class."""
    from commonsgraph.stats import class_counts, graph_counts

    lang = language()
    with opened(settings) as store:
        graphs = graph_counts(store)
        classes = class_counts(store, lang)
        total = store.triple_count()
    table = headed(
        "column_graph", "column_title", "column_statements", "column_loaded",
        title=say("named_graphs"), title_justify="left",
    )  # fmt: skip
    for count in graphs:
        info = count.info
        loaded = info.generated.strftime("%Y-%m-%d %H:%M") if info.generated else ""
        name = info.graph.value.removeprefix(settings.base_iri)
        title = info.title_in(lang) or ""
        table.add_row(escape(name), escape(title), amount(count.statements), loaded)
    table.add_row(f"[bold]{say('all_graphs')}", "", f"[bold]{amount(total)}", "")
    console.print(table)
    table = headed(
        "column_class", "column_label", "column_resources",
        title=say("resources_per_class"), title_justify="left",
    )  # fmt: skip
    for cls in classes:
        table.add_row(
            escape(compact(cls.cls.value)), escape(cls.label or ""), amount(cls.resources)
        )
    console.print(table)


# -- validation ----------------------------------------------------------------------------------


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option(
    "--graph", "graph_name", help="Validate a stored graph (e.g. import/census) instead of a file."
)
@lang_option("The report's")
@click.pass_obj
def validate(settings: Settings, path: Path | None, graph_name: str | None, lang: str) -> None:
    """Validate an RDF file (or a stored graph) against the shapes, with what it refers to in the
    store. Exit code 0: conforms; 1: violations; 2: unreadable input."""
    from commonsgraph.rdfio import ReadLimits, parse_triples

    if (path is None) == (graph_name is None):
        fail(frame("file_or_graph"), 2)
    with opened(settings) as store:
        if path is not None:
            data = parse_triples(
                path, limits=ReadLimits.files(settings), base_iri=settings.base_iri
            )
        else:
            graph = Minter(settings.base_iri).graph(str(graph_name))
            data = store.construct(
                "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": graph}
            )
            if not data:
                fail(frame("no_graph", graph=graph.value), 2)
        validator = Validator.of_project(settings)
        report = validator.validate(data, neighbourhood(store, data))
    print_findings(report.findings, lang)
    sys.exit(0 if report.conforms else 1)


def serialized(store: Store, sparql: str, output: Output | None) -> bytes:
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
        table.add_row(*(cell(row.get(name)) for name in columns))
    console.print(table)
    console.print(say("rows", count=len(rows)))
