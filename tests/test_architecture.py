"""Dependencies point one way: cli -> web -> {store, importers, validation…} -> {config, errors, vocab}."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "commonsgraph"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize(
    ("library", "allowed"),
    [
        ("fastapi", ("web",)),
        ("starlette", ("web",)),
        ("uvicorn", ("cli",)),
        ("click", ("cli",)),
        ("rich", ("cli",)),
        ("pyshacl", ()),  # tests only: tests/test_shacl.py compares it with shacl.py
        ("rdflib", ("shacl.py",)),
        # HTTP clients: the remote store, SERVICE calls and harvests only
        ("httpx", ("store/remote.py", "store/transport.py", "federation.py", "harvest/fetch.py")),
        ("http.client", ("store/transport.py",)),  # the remote store's queries
        ("httptools", ("store/looptransport.py",)),  # and its public ones, from the event loop
        ("SPARQLWrapper", ()),  # tests only: a client of our endpoint
        # the service's state: the database package, and the one module per concept on it
        (
            "sqlalchemy",
            (
                "database",
                "tokens.py",
                "contributions/ledger.py",
                "harvest/ledger.py",
                "harvest/sources.py",
                "reconcile/ledger.py",
            ),
        ),
        ("alembic", ("database",)),
        # the data files before the database; SQLite's change counter of the data version; the
        # search index (FTS5, a file per process: read in __init__, written in tables)
        (
            "sqlite3",
            (
                "database/legacy.py",
                "database/version.py",
                "textindex/__init__.py",
                "textindex/tables.py",
            ),
        ),
        # SQLAlchemy's driver for PostgreSQL, named in database/ only; its notifications
        ("psycopg", ("database/version.py",)),
        ("pycountry", ("territories.py",)),  # ISO 3166 codes and names
    ],
)
def test_libraries_stay_in_their_module(library: str, allowed: tuple[str, ...]) -> None:
    for path in modules():
        relative = path.relative_to(SRC).as_posix()
        if any(relative == a or relative.startswith(a + "/") for a in allowed):
            continue
        assert not any(
            name == library or name.startswith(library + ".") for name in imports_of(path)
        ), relative


def test_lower_layers_do_not_import_upper_ones() -> None:
    lower = (
        "store",
        "database",
        "importers",
        "validation.py",
        "graphs.py",
        "vocab.py",
        "config.py",
        "errors.py",
        "sparqltext.py",
        "rdfio",
        "kinds.py",
    )
    for path in modules():
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith(lower):
            for name in imports_of(path):
                assert not name.startswith(("commonsgraph.web", "commonsgraph.cli")), (
                    f"{relative} imports {name}"
                )


def test_only_config_reads_the_environment() -> None:
    for path in modules():
        if path.name != "config.py":
            assert "os.environ" not in path.read_text(), path


def test_media_types_and_extensions_are_mapped_by_the_format_registry() -> None:
    """One registry (`formats.py`) maps media types and file extensions to formats; the query
    workers map back the media types the service sends them (they import pyoxigraph only)."""
    allowed = ("formats.py", "store/pool.py")
    for path in modules():
        relative = path.relative_to(SRC).as_posix()
        if relative not in allowed:
            text = path.read_text()
            assert "from_media_type(" not in text, relative
            assert "from_extension(" not in text, relative


MODULE_ROUTERS = (
    "contributions",
    "partners",
    "resources",
    "search",
    "reconcile",
    "lists",
    "feeds",
)
"""The surfaces whose routes are declared at module level (the others still build theirs)."""


def test_routers_are_declared_at_module_level() -> None:
    """A surface's routes live on a module-level `router` and name what they need as
    dependencies (`web/state.py`): no function builds routes out of closures over its
    arguments."""
    for stem in MODULE_ROUTERS:
        tree = ast.parse((SRC / "web" / f"{stem}.py").read_text())
        assigned = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        assert "router" in assigned, f"{stem}.py has no module-level router"
    for path in sorted((SRC / "web").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                returns = ast.unparse(node.returns) if node.returns else ""
                if path.stem in MODULE_ROUTERS:
                    assert "APIRouter" not in returns, f"{path.name}: {node.name}"
                nested = [
                    inner
                    for inner in ast.walk(node)
                    if inner is not node
                    and isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef)
                    and any("router." in ast.unparse(d) for d in inner.decorator_list)
                ]
                if path.stem in MODULE_ROUTERS:
                    assert not nested, f"{path.name}: {node.name} declares routes inside it"
