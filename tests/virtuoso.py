"""A throwaway Virtuoso 7 for the tests: Debian's `virtuoso-opensource` (scripts/test installs
it when missing), its database in a temporary directory, its SQL and HTTP ports free loopback
ports, stopped and removed after. The anonymous SPARQL user may update, as a deployment behind
a firewall allows (a public one gives its writers an account and /sparql-auth), and does not
see Virtuoso's own graphs."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .servers import free_port, running

BINARY = Path("/usr/bin/virtuoso-t")
ISQL = Path("/usr/bin/isql-vt")
GRANTS = (
    'GRANT SPARQL_UPDATE TO "SPARQL";',
    'GRANT EXECUTE ON DB.DBA.SPARQL_INSERT_DICT_CONTENT TO "SPARQL";',
    'GRANT EXECUTE ON DB.DBA.SPARQL_DELETE_DICT_CONTENT TO "SPARQL";',
    "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 7);",
)
PRIVATE = "http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs"
SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
)
PRIVATE_GRAPHS = (
    f"DB.DBA.RDF_GRAPH_GROUP_CREATE('{PRIVATE}', 1);",
    *(f"DB.DBA.RDF_GRAPH_GROUP_INS('{PRIVATE}', '{graph}');" for graph in SYSTEM_GRAPHS),
    "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 0, 1);",
)
"""Virtuoso's own graphs made private to its SPARQL user, as the README says a deployment
does: its default graph, and the graphs it lists, are then the data's alone."""


def config(directory: Path, sql_port: int, http_port: int) -> str:
    return f"""[Database]
DatabaseFile = {directory}/virtuoso.db
ErrorLogFile = {directory}/virtuoso.log
LockFile = {directory}/virtuoso.lck
TransactionFile = {directory}/virtuoso.trx
xa_persistent_file = {directory}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {directory}/virtuoso-temp.db
TransactionFile = {directory}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 0
CaseMode = 2
DirsAllowed = ., {directory}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 0
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
"""


def isql(sql_port: int, *statements: str) -> None:
    """Run SQL statements as dba (the password of a fresh database)."""
    subprocess.run(
        [str(ISQL), f"127.0.0.1:{sql_port}", "dba", "dba", "VERBOSE=OFF", "BANNER=OFF",
         f"EXEC={' '.join(statements)}"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip


@contextmanager
def virtuoso_server() -> Iterator[str]:
    """A running Virtuoso: its base URL (its SPARQL endpoint is `<base>/sparql`); the test is
    skipped only when Virtuoso is not installed."""
    if not BINARY.exists():
        pytest.skip("Virtuoso is not installed (scripts/test installs virtuoso-opensource)")
    directory = Path(tempfile.mkdtemp(prefix="commonsgraph-virtuoso-"))
    sql_port, http_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(config(directory, sql_port, http_port))
    base = f"http://127.0.0.1:{http_port}"
    try:
        command = [str(BINARY), "+foreground", "+configfile", str(ini)]
        with running(command, f"{base}/sparql?query=ASK%7B%7D", directory / "stdout.log"):
            isql(sql_port, *GRANTS, *PRIVATE_GRAPHS)
            yield base
    finally:
        shutil.rmtree(directory, ignore_errors=True)
