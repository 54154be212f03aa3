"""The command line, run as a user would (CliRunner, and a real `serve` process)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest
from click.testing import CliRunner

from commonsgraph.cli import main
from commonsgraph.cli.base import console
from commonsgraph.database import Database

from .servers import commonsgraph_server, free_port, wait_until_up


def run(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "var"), *args])
    return result.exit_code, result.output


def test_query_prints_a_table(tmp_path: Path) -> None:
    code, output = run(
        tmp_path,
        "query",
        "SELECT ?name WHERE { ?n a cg:Network ; rdfs:label ?name } ORDER BY ?name",
    )
    assert code == 0
    assert "France Tiers-Lieux" in output
    assert "row(s)" in output


def test_query_in_a_chosen_format(tmp_path: Path) -> None:
    code, output = run(
        tmp_path, "query", "--format", "csv", "SELECT ?n WHERE { ?n a cg:Network } LIMIT 1"
    )
    assert code == 0
    assert output.splitlines()[0] == "n"
    code, output = run(
        tmp_path, "query", "--format", "ntriples", "CONSTRUCT WHERE { ?n a cg:Network }"
    )
    assert code == 0
    assert "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>" in output


def test_a_bad_query_exits_2_with_its_position(tmp_path: Path) -> None:
    code, output = run(tmp_path, "query", "SELECT * WHERE { ?s ?p }")
    assert code == 2
    assert "1:" in output


def test_stats_lists_graphs_and_classes(tmp_path: Path) -> None:
    code, output = run(tmp_path, "stats")
    assert code == 0
    assert "graph/seed" in output
    assert "cg:TiersLieu" in output


def test_validate_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.ttl"
    good.write_text(
        '@prefix cg: <https://w3id.org/commonsgraph/ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n<tiers-lieu/x> a cg:TiersLieu ; rdfs:label "X" ; cg:typology <scheme/typology/fablab> .\n'
    )
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix cg: <https://w3id.org/commonsgraph/ns#> .\n<tiers-lieu/y> a cg:TiersLieu ; cg:typology <scheme/typology/unknown> .\n"
    )
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> .\n")
    code, output = run(tmp_path, "validate", str(good))
    assert code == 0, output
    code, output = run(tmp_path, "validate", "--lang", "fr", str(bad))
    assert code == 1
    assert "un tiers-lieu doit avoir un nom" in output
    assert "typologie inconnue" in output
    code, output = run(tmp_path, "validate", str(broken))
    assert code == 2
    assert "broken.ttl, line 1" in output


def test_import_errors_exit_2_naming_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "census.csv").write_text("ID,NOM\n1,x\n")
    code, output = run(tmp_path, "import", "geo", str(tmp_path))
    assert code == 2
    assert "missing geo file" in output
    code, output = run(tmp_path, "import", "census", str(tmp_path / "census.csv"))
    assert code == 2
    assert "census.csv, line 1: missing column(s)" in output


def test_census_before_geo_says_what_to_do(tmp_path: Path, shared_data: Path) -> None:
    code, output = run(
        tmp_path, "import", "census", str(shared_data / "tiers-lieux" / "cget-tiers-lieux-2019.csv")
    )
    assert code == 2
    assert "import geo" in output


def test_serve_starts_a_real_server_on_an_embedded_store(tmp_path: Path) -> None:
    with commonsgraph_server(tmp_path / "var") as url:
        assert httpx.get(f"{url}/health", timeout=120).json()["statements"] > 1000
        query = httpx.get(
            f"{url}/sparql", params={"query": "ASK { ?p a cg:TiersLieu }"}, timeout=120
        )
        assert query.json()["boolean"] is True
    assert (tmp_path / "var" / "store").is_dir()


def test_serve_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    """A kept-alive connection does not hold the stop: the app's shutdown runs (its query
    workers end), the process exits 0 and the store is free for the next opener (SIGTERM: every
    test's `commonsgraph_server` checks the exit code)."""
    port = free_port()
    env = {**os.environ, "COMMONSGRAPH_DATA_DIR": str(tmp_path / "var")}
    env["COMMONSGRAPH_PORT"] = str(port)
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "commonsgraph", "serve"],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/health", process, log)
        # a kept-alive connection stays open over the stop
        with httpx.Client(timeout=120) as client:
            query = client.get(f"{url}/sparql", params={"query": "ASK { ?p a cg:TiersLieu }"})
            assert query.json()["boolean"] is True
            children = psutil.Process(process.pid).children(recursive=True)
            assert children, "the query workers run under the served process"
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=120) == 0, log.read_text()
        _, alive = psutil.wait_procs(children, timeout=120)
        assert not alive, "no worker outlives the service"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "serving on" in log.read_text()
    code, printed = run(tmp_path, "query", "ASK { ?p a cg:TiersLieu }")
    assert code == 0, printed


def test_contributions_are_reviewed_from_the_terminal(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from commonsgraph.bundled import load_bundled
    from commonsgraph.config import Settings
    from commonsgraph.contributions import Contributions
    from commonsgraph.store import LocalStore
    from commonsgraph.tokens import Token

    settings = Settings(data_dir=tmp_path / "var", base_iri="https://w3id.org/commonsgraph/")
    store = LocalStore(settings.store_path)
    load_bundled(store, settings)
    workflow = Contributions.open(store, settings, Database.open(settings))
    who = Token("c0ffee00", "contributor", "Réseau Tela", datetime.now(UTC))
    place = b"""<tiers-lieu/le-lieu> a <https://w3id.org/commonsgraph/ns#TiersLieu> ;
        <http://www.w3.org/2000/01/rdf-schema#label> "Le Lieu" ;
        <https://w3id.org/commonsgraph/ns#typology> <scheme/typology/coworking> ;
        <http://schema.org/containedInPlace> <commune/23096> ."""
    first = workflow.submit(place, "text/turtle", who)[0].id
    second = workflow.submit(place.replace(b"le-lieu", b"autre-lieu"), "text/turtle", who)[0].id
    workflow.close()
    store.close()

    code, output = run(tmp_path, "contributions", "list", "--status", "pending")
    assert code == 0
    assert first in output
    assert "2 contribution(s)" in output
    code, output = run(tmp_path, "contributions", "show", first, "--lang", "fr")
    assert code == 0
    assert "pending" in output
    assert "+ rdfs:label Le Lieu" in output
    code, output = run(tmp_path, "contributions", "accept", first)
    assert code == 0
    assert f"graph/contribution/{first}" in output
    code, output = run(tmp_path, "contributions", "accept", first)
    assert code == 2
    assert "only a pending one" in output
    code, output = run(tmp_path, "contributions", "reject", second, "--reason", "doublon")
    assert code == 0
    code, output = run(
        tmp_path, "query", "ASK { <https://w3id.org/commonsgraph/tiers-lieu/le-lieu> ?p ?o }"
    )
    assert "yes" in output
    code, output = run(tmp_path, "contributions", "revert", first)
    assert code == 0
    code, output = run(tmp_path, "contributions", "show", "nope")
    assert code == 2


def test_an_import_summary_keeps_every_particular_warning_and_groups_the_repeated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from commonsgraph.cli.data import warning_lines
    from commonsgraph.importers.base import Note

    monkeypatch.setenv("COMMONSGRAPH_LANG", "en")
    warnings = [Note("c.csv", line, "no typology in the source") for line in range(10, 20)]
    warnings.insert(3, Note("c.csv", 849, "corrected COUNTRY from '' to 'BE'"))
    warnings += [Note("c.csv", 314, "WEB is an e-mail address"), Note("c.csv", None, "x")]
    assert warning_lines(warnings) == [
        "c.csv: no typology in the source: 10 rows (lines 10, 11, 12, 13, 14…)",
        "c.csv:849: corrected COUNTRY from '' to 'BE'",
        "c.csv:314: WEB is an e-mail address",
        "c.csv: x",
    ]
    monkeypatch.setenv("COMMONSGRAPH_LANG", "fr")
    many = [Note("c.csv", line, "no typology in the source") for line in range(1, 1201)]
    assert warning_lines(many) == [
        "c.csv : no typology in the source : 1\u202f200 lignes (lignes 1, 2, 3, 4, 5…)"
    ]


# -- the command line's language -------------------------------------------------------------


def run_in(tmp_path: Path, environ: dict[str, str], *args: str) -> tuple[int, str]:
    """Run a command with these environment variables (the language's), the others unset."""
    unset: dict[str, str | None] = dict.fromkeys(
        ("COMMONSGRAPH_LANG", "LC_ALL", "LC_MESSAGES", "LANG")
    )
    # the console was made at import, its width read then (a test worker's is 80): the
    # width asked for is given to it for the run
    previous = console.width
    console.width = int(environ.get("COLUMNS", previous))
    try:
        result = CliRunner(env={**unset, **environ}).invoke(
            main, ["--data-dir", str(tmp_path / "var"), *args]
        )
    finally:
        console.width = previous
    return result.exit_code, result.output


FIXTURES = Path(__file__).parent / "fixtures"


def test_the_command_line_speaks_french_when_asked_or_when_the_locale_is_french(
    tmp_path: Path,
) -> None:
    for environ in ({"COMMONSGRAPH_LANG": "fr"}, {"LANG": "fr_FR.UTF-8"}, {"LC_ALL": "fr_BE"}):
        code, output = run_in(tmp_path, environ, "validate", str(FIXTURES / "bad-place.ttl"))
        assert code == 1, output
        assert "non conforme :" in output, output
        assert "violation(s)" in output
        assert "avertissement(s)" in output
        code, output = run_in(tmp_path, environ, "query", "SELECT * WHERE { ?s ?p }")
        assert code == 2
        assert output.startswith("erreur :"), output
    code, output = run_in(
        tmp_path, {"LANG": "fr_FR.UTF-8"}, "query", "SELECT ?n WHERE { ?n a cg:Network }"
    )
    assert code == 0
    assert "ligne(s)" in output
    code, output = run_in(tmp_path, {"COMMONSGRAPH_LANG": "fr"}, "import", "abroad")
    assert code == 0, output
    assert "import abroad" in output
    assert "lignes lues" in output
    assert "créés : " in output
    assert "énoncés (+" in output
    code, output = run_in(tmp_path, {"COMMONSGRAPH_LANG": "fr"}, "contributions", "list")
    assert code == 0, output
    assert "statut" in output
    assert "0 contribution(s)" in output


def test_the_command_line_speaks_english_otherwise(tmp_path: Path) -> None:
    for environ in ({}, {"LANG": "C.UTF-8"}, {"LANG": "de_DE.UTF-8"}, {"COMMONSGRAPH_LANG": "en"},
                    {"LANG": "fr_FR.UTF-8", "COMMONSGRAPH_LANG": "en"},
                    {"LANG": "fr_FR.UTF-8", "LC_ALL": "C"}):  # fmt: skip
        code, output = run_in(tmp_path, environ, "validate", str(FIXTURES / "bad-place.ttl"))
        assert code == 1, output
        assert "does not conform:" in output, (environ, output)
        code, output = run_in(tmp_path, environ, "query", "SELECT * WHERE { ?s ?p }")
        assert output.startswith("error:"), output
    code, output = run_in(tmp_path, {"LANG": "C.UTF-8"}, "import", "abroad")
    assert code == 0, output
    assert "rows read" in output
    assert "statements (+" in output
    # `--lang` still chooses the report's language whatever the locale
    code, output = run_in(
        tmp_path, {"LANG": "C"}, "validate", "--lang", "fr", str(FIXTURES / "bad-place.ttl")
    )
    assert "does not conform:" in output  # the frame, the locale's
    assert "violation https://w3id.org/commonsgraph/tiers-lieu/broken" in output
    assert "typologie inconnue" in output  # the findings, French


# a terminal wide enough for the tables' headers not to wrap, whatever the length of the paths
# and addresses in their rows (a test worker's temporary directories are longer)
FRENCH = {"COMMONSGRAPH_LANG": "fr", "COLUMNS": "1000"}
ENGLISH = {"COMMONSGRAPH_LANG": "en", "COLUMNS": "1000"}


def test_stats_in_french_and_in_english(tmp_path: Path) -> None:
    code, output = run_in(tmp_path, FRENCH, "stats")
    assert code == 0, output
    assert "graphes nommés" in output
    assert "ressources par classe" in output
    for frame in ("graphe", "titre", "énoncés", "chargé le", "tous", "classe", "libellé"):
        assert frame in output, (frame, output)
    assert "graph/seed" in output
    code, output = run_in(tmp_path, ENGLISH, "stats")
    assert code == 0, output
    assert "named graphs" in output
    assert "resources per class" in output
    for frame in ("graph", "title", "statements", "loaded", "all", "class", "label"):
        assert frame in output, (frame, output)
    assert "graphes nommés" not in output


def test_sources_tokens_and_the_database_in_french(tmp_path: Path) -> None:
    def french(*args: str) -> str:
        code, output = run_in(tmp_path, FRENCH, *args)
        assert code == 0, output
        return output

    added = french("source", "add", "reseau-x", "--kind", "rdf", "--url", "http://x.test/d.ttl")
    assert "source reseau-x déclarée : `commonsgraph harvest reseau-x` la moissonne" in added
    listed = french("source", "list")
    for frame in ("nom", "dernier succès", "en quarantaine", "dernière erreur", "jamais"):
        assert frame in listed, (frame, listed)
    assert "source reseau-x retirée" in french("source", "remove", "reseau-x")
    assert "jeton" in french("token", "create", "--role", "curator", "--label", "[b]Camille[/b]")
    tokens = french("token", "list")
    for frame in ("rôle", "libellé", "créé le", "révoqué le", "curateur", "[b]Camille[/b]"):
        assert frame in tokens, (frame, tokens)
    assert "schéma à la révision 0002" in french("db", "status")
    candidates = french("reconcile", "list")
    for frame in ("score", "statut", "chez nous", "chez eux", "pourquoi"):
        assert frame in candidates, (frame, candidates)
    assert "(obligatoire)" in french("queries", "list")
    code, output = run_in(tmp_path, FRENCH, "harvest")
    assert code == 2
    assert output.startswith("erreur : donnez le NOM d'une source ou --all"), output
    code, output = run_in(tmp_path, FRENCH, "queries", "run", "nowhere")
    assert code == 2
    assert "il n'y a pas de requête nommée 'nowhere'" in output


def test_sources_tokens_and_the_database_in_english(tmp_path: Path) -> None:
    def english(*args: str) -> str:
        code, output = run_in(tmp_path, ENGLISH, *args)
        assert code == 0, output
        return output

    added = english("source", "add", "reseau-x", "--kind", "rdf", "--url", "http://x.test/d.ttl")
    assert "source reseau-x declared: `commonsgraph harvest reseau-x` harvests it" in added
    listed = english("source", "list")
    for frame in ("name", "last success", "quarantined", "last error", "never"):
        assert frame in listed, (frame, listed)
    assert "source reseau-x removed" in english("source", "remove", "reseau-x")
    assert "(curator) created" in english("token", "create", "--role", "curator")
    tokens = english("token", "list")
    for frame in ("role", "label", "created", "revoked", "curator"):
        assert frame in tokens, (frame, tokens)
    assert "schema at revision 0002" in english("db", "status")
    assert "ours" in english("reconcile", "list")
    assert "(required)" in english("queries", "list")
    code, output = run_in(tmp_path, ENGLISH, "harvest")
    assert code == 2
    assert output.startswith("error: give a source NAME or --all"), output
