"""The dumps of the current data: gzipped N-Quads of every public graph, Turtle per graph, each
written once per data version (in the background of requests), with its size and digests for
the catalogue (`spdx:checksum`, `dcat:byteSize`)."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat

from commonsgraph.store import Store
from commonsgraph.vocab import Minter

LEVEL = 6
"""gzip's level for the dumps (the geography Turtle: 11.9 MB to 1.50 MB in 0.3 s; level 9 takes
twice as long for 4% less)."""
FULL = "commonsgraph.nq.gz"
"""The file name of the dump of every public graph, under /dumps/."""


@dataclass(frozen=True)
class DumpFile:
    """A written dump and what a catalogue says of it."""

    path: Path
    etag: str
    size: int
    sha1: str
    sha256: str


def dump_name(minter: Minter, graph: NamedNode) -> str:
    """The path of a graph's dump under /dumps/, without its extension: `graph/import/census`."""
    return "graph/" + graph.value.removeprefix(minter.graph("").value)


def _digests(path: Path) -> tuple[str, str]:
    sha1, sha256 = hashlib.sha1(usedforsecurity=False), hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            sha1.update(chunk)
            sha256.update(chunk)
    return sha1.hexdigest(), sha256.hexdigest()


class Dumps:
    """The dumps of the current data, written once per data version, in the background of
    requests (the service keeps answering while a dump is written)."""

    def __init__(self, store: Store, directory: Path, minter: Minter) -> None:
        self.store = store
        self.directory = directory
        self.minter = minter
        self._lock = threading.Lock()
        self._described: dict[Path, DumpFile] = {}

    def _version_dir(self) -> tuple[str, Path]:
        version = self.store.data_version() or "current"
        return version, self.directory / version.replace("/", "_")

    def _file(self, path: Path, etag: str) -> DumpFile:
        """The file written at `path`, its size and digests computed once (under the lock)."""
        known = self._described.get(path)
        if known is None:
            sha1, sha256 = _digests(path)
            known = DumpFile(path, etag, path.stat().st_size, sha1, sha256)
            self._described[path] = known
        return known

    def full(self) -> DumpFile:
        """The gzipped N-Quads of every public graph."""
        version, folder = self._version_dir()
        path = folder / FULL
        with self._lock:
            if not path.exists():
                self._clean(folder)
                folder.mkdir(parents=True, exist_ok=True)
                temporary = path.with_suffix(".partial")
                with gzip.open(temporary, "wb", LEVEL) as output:
                    self.store.dump(output, RdfFormat.N_QUADS)  # type: ignore[arg-type]
                temporary.rename(path)
            return self._file(path, f'"{version}"')

    def graph(self, name: str) -> DumpFile | None:
        """The Turtle of one public graph (`import/census`…); None if unknown."""
        try:
            graph = self.minter.graph(name)
        except ValueError:  # a name no IRI may hold (a space, a NUL…) names no graph
            return None
        if graph not in self.store.graphs():
            return None
        version, folder = self._version_dir()
        path = folder / "graph" / (name.replace("/", "__") + ".ttl")
        with self._lock:
            if not path.exists():
                self._clean(folder)
                path.parent.mkdir(parents=True, exist_ok=True)
                data = self.store.graph_data(graph, RdfFormat.TURTLE) or b""
                temporary = path.with_suffix(".partial")
                temporary.write_bytes(data)
                temporary.rename(path)
            return self._file(path, f'"{version}-{name}"')

    def written_size(self, name: str | None) -> int | None:
        """The size of a dump already written for the current data (`name` None: the whole
        graph's), without writing it; None when it is not written yet."""
        _, folder = self._version_dir()
        path = (
            folder / FULL if name is None else folder / "graph" / (name.replace("/", "__") + ".ttl")
        )
        try:
            return path.stat().st_size
        except OSError:
            return None

    def gzipped(self, path: Path) -> Path:
        """The gzipped copy of a dump written by `graph`, written once (next to it)."""
        zipped = path.with_name(path.name + ".gz")
        with self._lock:
            if not zipped.exists():
                temporary = zipped.with_suffix(".partial")
                with path.open("rb") as source, gzip.open(temporary, "wb", LEVEL) as output:
                    shutil.copyfileobj(source, output)
                temporary.rename(zipped)
        return zipped

    def _clean(self, keep: Path) -> None:
        if self.directory.is_dir():
            for old in self.directory.iterdir():
                if old != keep:
                    shutil.rmtree(old, ignore_errors=True)
        self._described = {path: d for path, d in self._described.items() if keep in path.parents}
