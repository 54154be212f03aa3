"""The database of the service's state: its configuration, its schema, the import of the data
files an older deployment has, leases and the shared data version (SQLite here;
test_several_machines.py runs PostgreSQL)."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import NamedNode
from sqlalchemy import create_engine, event, func, select

from commonsgraph.cli import main
from commonsgraph.config import Settings
from commonsgraph.contributions import Ledger
from commonsgraph.database import FILE, Database, database_url
from commonsgraph.database.tables import legacy_import, token
from commonsgraph.errors import ConfigError, DataSyntaxError
from commonsgraph.harvest import HarvestLedger, Source, SourceRegistry
from commonsgraph.reconcile import ReconciliationLedger
from commonsgraph.store import lexical
from commonsgraph.tokens import TokenStore

LEGACY = Path(__file__).parent / "fixtures" / "legacy-data"
PLACE = "https://w3id.org/commonsgraph/tiers-lieu/la-ruche"


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    """A copy of a data directory written before the database."""
    data = tmp_path / "var"
    shutil.copytree(LEGACY, data)
    return data


def secrets() -> dict[str, str]:
    found: dict[str, str] = json.loads((LEGACY / "secrets.json").read_text())
    return found


def test_nothing_an_older_deployment_has_is_lost_on_the_first_start(legacy: Path) -> None:
    before = {p.name: p.read_bytes() for p in legacy.glob("*.sqlite3")}
    database = Database.open(Settings(data_dir=legacy))
    try:
        tokens = TokenStore(database)
        curator = tokens.verify(secrets()["curator"])
        assert curator is not None
        assert (curator.role, curator.label) == ("curator", "Camille")
        assert tokens.verify(secrets()["contributor"]) is not None
        [gone] = [t for t in tokens.list() if t.label == "gone"]
        assert gone.revoked is not None

        ledger = Ledger(database)
        pending, accepted = ledger.find()
        assert (pending.id, pending.status) == ("c0ffee01", "pending")
        assert (accepted.id, accepted.status, accepted.reviewer_label) == (
            "c0ffee02", "accepted", "Camille",
        )  # fmt: skip
        assert accepted.notes == ["une note"]
        assert accepted.source == "l'export de mai"
        assert [lexical(t.object) for t in ledger.data("c0ffee02")] == ["La Ruche é"]
        [superseded] = ledger.superseded("c0ffee02")
        assert lexical(superseded.object) == "Vieux"

        harvests = HarvestLedger(database)
        status = harvests.status("reseau-x")
        assert (status.records, status.published, status.quarantined, status.etag) == (
            3, 2, 1, '"v1"',
        )  # fmt: skip
        [quarantined] = harvests.quarantine("reseau-x")
        assert quarantined.record == "https://x.example/1"
        assert [lexical(t.object) for t in quarantined.statements] == ["Nulle part"]

        [link] = ReconciliationLedger(database).all()
        assert (link.status, link.decided_by_label, link.ours) == (
            "confirmed", "Camille", NamedNode(PLACE),
        )  # fmt: skip
        assert (link.evidence.similarity, link.evidence.distance) == (1.0, 12.5)
    finally:
        database.close()
    # the files are left as they were
    assert {p.name: p.read_bytes() for p in legacy.glob("*.sqlite3") if p.name != FILE} == before


def test_the_files_are_imported_once(legacy: Path) -> None:
    settings = Settings(data_dir=legacy)
    first = Database.open(settings)
    TokenStore(first).create("reader", "after the move")
    first.close()
    again = Database.open(settings)  # a restart: nothing imported twice, nothing lost
    try:
        labels = sorted(t.label for t in TokenStore(again).list())
        assert labels == ["Camille", "Réseau Tela", "after the move", "gone"]
        with again.transaction() as connection:
            assert connection.scalar(select(func.count()).select_from(legacy_import)) == 4
    finally:
        again.close()


def test_a_half_done_import_is_done_again_whole(legacy: Path) -> None:
    """A file that cannot be read stops the import before anything of it is kept."""
    (legacy / "harvests.sqlite3").write_bytes(b"not a database at all" * 100)
    with pytest.raises(DataSyntaxError, match=r"harvests\.sqlite3"):
        Database.open(Settings(data_dir=legacy))
    shutil.copy(LEGACY / "harvests.sqlite3", legacy / "harvests.sqlite3")
    database = Database.open(Settings(data_dir=legacy))
    try:
        assert HarvestLedger(database).status("reseau-x").published == 2
        assert len(TokenStore(database).list()) == 3
    finally:
        database.close()


def test_the_command_line_imports_another_data_directory(legacy: Path, tmp_path: Path) -> None:
    """A machine's files brought into a database that already serves (here a fresh one)."""
    other = tmp_path / "other"
    runner = CliRunner()
    upgraded = runner.invoke(main, ["--data-dir", str(other), "db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "schema at revision 0002" in upgraded.output
    imported = runner.invoke(main, ["--data-dir", str(other), "db", "import", str(legacy)])
    assert imported.exit_code == 0, imported.output
    assert "tokens.sqlite3: 3 row(s) imported" in imported.output
    assert "contributions.sqlite3: 2 row(s) imported" in imported.output
    listed = runner.invoke(main, ["--data-dir", str(other), "token", "list"])
    assert "Camille" in listed.output
    assert "Réseau Tela" in listed.output
    again = runner.invoke(main, ["--data-dir", str(other), "db", "import", str(legacy)])
    assert "nothing to import" in again.output


def test_db_status_says_where_and_which_revision(tmp_path: Path) -> None:
    runner = CliRunner()
    before = runner.invoke(main, ["--data-dir", str(tmp_path), "db", "status"])
    assert before.exit_code == 0, before.output
    assert "revision none" in before.output
    assert FILE in before.output
    runner.invoke(main, ["--data-dir", str(tmp_path), "db", "upgrade"])
    after = runner.invoke(main, ["--data-dir", str(tmp_path), "db", "status"])
    assert "revision 0002" in after.output


def test_the_password_is_given_apart_and_never_shown(tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("s3cr3t-word\n")
    settings = Settings.from_env(
        {
            "COMMONSGRAPH_DATABASE": "postgresql://commons@db.internal:5432/graph",
            "COMMONSGRAPH_DATABASE_PASSWORD_FILE": str(secret),
        }
    )
    assert settings.database_password == "s3cr3t-word"
    url = database_url(settings)
    assert (url.drivername, url.password, url.host) == (
        "postgresql+psycopg",
        "s3cr3t-word",
        "db.internal",
    )
    assert "s3cr3t" not in repr(settings)
    database = Database(create_engine(url))  # not connected: only shown
    assert "s3cr3t" not in repr(database)
    assert "***" in repr(database)
    given = Settings.from_env(
        {"COMMONSGRAPH_DATABASE": "postgresql://c@h/g", "COMMONSGRAPH_DATABASE_PASSWORD": "x y"}
    )
    assert database_url(given).password == "x y"


@pytest.mark.parametrize("url", ["mysql://h/db", "not a url", "oracle://x"])
def test_a_database_we_do_not_speak_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="COMMONSGRAPH_DATABASE"):
        database_url(Settings(database=url))


def test_the_default_is_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    assert database_url(Settings(data_dir=tmp_path)).database == str(tmp_path / FILE)
    assert database_url(Settings(data_dir=None)).database is None  # memory


def test_a_lease_has_one_holder_until_it_runs_out() -> None:
    database = Database.memory()
    assert database.hold("schedule", "a", 60)
    assert not database.hold("schedule", "b", 60)
    assert database.hold("schedule", "a", 60)  # renewed
    assert database.hold("expired", "a", -1)
    assert database.hold("expired", "b", 60)  # a's ran out
    database.release("schedule", "a")
    assert database.hold("schedule", "b", 60)


def test_the_data_version_counts_writes() -> None:
    database = Database.memory()
    first = database.version()
    assert database.bump() == first + 1 == database.version()


def test_a_file_databases_version_is_read_without_a_query_until_a_commit(
    tmp_path: Path,
) -> None:
    """Two databases on one file, as two processes: each sees the other's bumps at once, and
    a read opens no transaction (SQLite's own change counter says when to read again)."""
    one = Database.open(Settings(data_dir=tmp_path))
    two = Database.open(Settings(data_dir=tmp_path))
    statements: list[str] = []
    event.listen(one.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        assert one.version() == two.version() == 0
        for expected in (1, 2, 3):
            assert two.bump() == expected
            assert one.version() == expected == two.version()
        one.bump()
        assert two.version() == 4
        statements.clear()
        assert [one.version() for _ in range(100)] == [4] * 100
        assert statements == []
    finally:
        one.close()
        two.close()


def test_the_schema_is_the_tables_module() -> None:
    """The revisions make what `tables` describes (no drift between the two)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from commonsgraph.database.tables import metadata

    database = Database.memory()
    with database.transaction() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        assert connection.scalar(select(func.count()).select_from(token)) == 0


def test_sources_toml_is_read_in_whenever_it_changes(tmp_path: Path) -> None:
    database = Database.memory()
    file = tmp_path / "sources.toml"
    registry = SourceRegistry(database, file)
    file.write_text(
        '[sources.a]\nkind = "rdf"\nurl = "https://a.example/d.ttl"\n'
        '[sources.b]\nkind = "rdf"\nurl = "https://b.example/d.ttl"\n'
    )
    assert [s.name for s in registry.all()] == ["a", "b"]
    registry.add(Source("by-hand", "rdf", "https://c.example/d.ttl"))
    # the file edited: b no longer declared, a changed; what the file never declared stays
    file.write_text('[sources.a]\nkind = "rdf"\nurl = "https://a.example/v2.ttl"\n')
    assert {s.name: s.url for s in registry.all()} == {
        "a": "https://a.example/v2.ttl",
        "by-hand": "https://c.example/d.ttl",
    }
    # another process (here another registry) sees the same sources, without the file
    assert [s.name for s in SourceRegistry(database).all()] == ["a", "by-hand"]
    registry.remove("a")  # removed until the file changes again
    assert [s.name for s in registry.all()] == ["by-hand"]
    file.write_text("[sources.x\n")
    with pytest.raises(DataSyntaxError, match=r"sources\.toml"):
        registry.all()
