"""A throwaway PostgreSQL cluster for the tests: Debian's `postgresql` (scripts/test installs
it when missing), initialised in a temporary directory, started on a free loopback port as a
user who is not root (PostgreSQL refuses root), stopped and removed after. Each test gets a
database of its own in it (`Cluster.database`)."""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from .servers import free_port

USER = "commons"


@dataclass(frozen=True)
class Cluster:
    port: int
    password: str

    def url(self, name: str) -> str:
        """The database's URL, without its password (given apart, as a deployment does)."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"

    def database(self) -> str:
        """A new empty database: its URL."""
        name = f"test_{secrets.token_hex(6)}"
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=USER, password=self.password,
            dbname="postgres", autocommit=True,
        ) as connection:  # fmt: skip
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)


def binaries() -> Path | None:
    """The directory of the newest installed PostgreSQL's programs."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(found[-1]).parent if found else None


@contextmanager
def postgres_cluster() -> Iterator[Cluster]:
    """A running cluster; the test is skipped only when PostgreSQL is not installed."""
    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (scripts/test installs Debian's postgresql)")
    run_as: list[str] = []
    directory = Path(tempfile.mkdtemp(prefix="commonsgraph-pg-"))
    if os.getuid() == 0:  # PostgreSQL will not run as root: as its own system user
        owner = pwd.getpwnam("postgres")
        os.chown(directory, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    password = secrets.token_urlsafe(16)
    port = free_port()
    data, log = directory / "data", directory / "log"
    try:
        secret = directory / "password"
        secret.write_text(password)
        if run_as:
            os.chown(secret, owner.pw_uid, owner.pw_gid)
        subprocess.run(
            [*run_as, str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--pwfile", str(secret),
             "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-sync"],
            check=True, capture_output=True,
        )  # fmt: skip
        options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={directory} -c fsync=off"
        subprocess.run(
            [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
             "-w", "-t", "60", "start"],
            check=True, capture_output=True,
        )  # fmt: skip
        try:
            yield Cluster(port, password)
        finally:
            subprocess.run(
                [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                check=False, capture_output=True,
            )  # fmt: skip
    finally:
        shutil.rmtree(directory, ignore_errors=True)
