"""Settings: the only place that reads the environment."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from commonsgraph import iris
from commonsgraph.errors import ConfigError

DEFAULT_BASE_IRI = "https://w3id.org/commonsgraph/"
STANDARD = "default"
"""In COMMONSGRAPH_DEFAULT_GRAPHS: the store's own default graph (the standard setting)."""
MIN_QUERY_MEMORY = 128 * 2**20
SECRETS = ("database_password", "store_password")
"""Settings also read from the file `COMMONSGRAPH_<NAME>_FILE` names (a container secret)."""
EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+"
)
"""An e-mail address as COMMONSGRAPH_CONTACT_EMAIL takes it (ASCII, a dotted host)."""


def _resources_dir() -> Path:
    """Where the project's own files (ontology/, data/, shapes/, queries/) are.

    In a wheel they are packaged under commonsgraph/resources; in a source checkout (and an
    editable install) they are at the repository root.
    """
    packaged = Path(__file__).parent / "resources"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]


def _words(value: str) -> tuple[str, ...]:
    return tuple(part for part in value.replace(",", " ").split() if part)


LANGUAGE_VARIABLES = ("COMMONSGRAPH_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def environment_language(env: Mapping[str, str] | None = None) -> str:
    """The language the environment asks the command line for: `COMMONSGRAPH_LANG`, else the
    locale's (`LC_ALL`, then `LC_MESSAGES`, then `LANG`, as POSIX reads them), as a lower-case
    code (`fr` for `fr_FR.UTF-8`, `c` for `C.UTF-8`); '' when none is set."""
    env = os.environ if env is None else env
    for name in LANGUAGE_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            return value.replace("-", "_").split("_", 1)[0].split(".", 1)[0].lower()
    return ""


@dataclass(frozen=True)
class Settings:
    """Everything commonsgraph can be configured with (see the README's table).

    Build it with `Settings.from_env()` in programs, or directly in tests.
    """

    data_dir: Path | None = Path("var")
    """Where the embedded store lives (`<data_dir>/store`); None keeps everything in memory."""
    base_iri: str = DEFAULT_BASE_IRI
    """The canonical base of every IRI the project mints."""
    store: str | None = None
    """A remote SPARQL 1.1 store instead of the embedded one: the base URL of its engine's
    endpoints (`store_profile`), e.g. `http://127.0.0.1:7878` for `oxigraph serve`; never
    with credentials in it (`store_user`)."""
    store_profile: str = "oxigraph"
    """The remote store's engine, for its URL layout and its departures from the protocols:
    `oxigraph` (/query, /update, /store), `virtuoso` (/sparql, /sparql-graph-crud), `fuseki`
    (under the dataset: /query, /update, /data) or `generic` (the base URL answers queries and
    updates; the Graph Store URL is given apart)."""
    store_query_url: str = ""
    """The remote store's query endpoint, when not the profile's."""
    store_update_url: str = ""
    """The remote store's update endpoint, when not the profile's."""
    store_graph_store_url: str = ""
    """The remote store's Graph Store endpoint, when not the profile's."""
    store_replicas: tuple[str, ...] = ()
    """Query URLs of read replicas of the remote store: queries go to them in turn, writes
    to the primary; see `store_read_primary`."""
    store_read_primary: float = 10.0
    """Seconds during which queries go to the primary after this process wrote to the store
    or saw the shared data version change (a replica is assumed to apply a write within
    them: read-your-writes, and no page cached from a replica that lags)."""
    store_user: str = ""
    """The user the remote store is logged in with (HTTP Basic, or Digest with
    `store_digest`)."""
    store_password: str = field(default="", repr=False)
    """Its password, given apart from the URL (COMMONSGRAPH_STORE_PASSWORD, or read from the
    file COMMONSGRAPH_STORE_PASSWORD_FILE names); never logged."""
    store_digest: bool = False
    """HTTP Digest authentication (Virtuoso's /sparql-auth) instead of Basic."""
    store_connections: int = 32
    """HTTP connections to the remote store kept open for reuse (keep-alive) per server."""
    store_connect_timeout: float = 5.0
    """Seconds to open a connection to the remote store."""
    store_timeout: float = 60.0
    """Seconds any request to the remote store may take, at least `query_timeout` + 5 (public
    queries stop at `query_timeout`)."""
    database: str = ""
    """The database of the service's own state (tokens, contributions, harvests,
    reconciliation) that every process of a deployment shares: a `postgresql://user@host/name`
    URL; empty, SQLite at `<data_dir>/commonsgraph.sqlite3` (in memory without a data dir)."""
    database_password: str = field(default="", repr=False)
    """The database's password, given apart from its URL (COMMONSGRAPH_DATABASE_PASSWORD, or
    read from the file COMMONSGRAPH_DATABASE_PASSWORD_FILE names); never logged."""
    host: str = "127.0.0.1"
    port: int = 8000
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks (CIDR) of the reverse proxies in front of the service: only
    requests from them have their client taken from X-Forwarded-For (see `web/clients.py`)."""
    public_url: str = ""
    """The deployment's public base URL (`https://graph.example.org/`): every absolute URL the
    service writes (the JSON-LD context, Location headers, the SPARQL endpoint in descriptions)
    starts with it, whatever `Host` a request names. Empty: `http://{host}:{port}/`."""
    query_timeout: float = 30.0
    """Seconds a public query may run before it is stopped."""
    query_workers: int = field(default_factory=lambda: min(8, (os.cpu_count() or 1) + 1))
    """Processes that run public queries (each can be stopped at its deadline): one more than
    the cores, so that no core idles while the service process hands out answers and jobs, and
    no more, since each worker reads the store through its own RocksDB instance and caches
    (measured on the BSBM explore mix, in one process: 1.78 ms of CPU per query on one instance,
    1.86 on two, 2.0 on three, 2.1 on four; served at 8 clients on 2 cores, in two runs side by
    side, 3 workers answered 0.95× and 0.93× Oxigraph's queries/s, 4 workers 0.92× both times, 2
    workers 0.90×: fewer leave a core idle). Also how many public queries run at once with a
    remote store."""
    max_queries_per_client: int = 0
    """Public queries one client may run at once: its share of the query workers, kept below
    their number so that one client cannot take them all; 0: half of them, rounded up (at
    least 1)."""
    max_waiting_per_client: int = 32
    """Queries one client may have waiting for its turn (a burst is queued, not refused); past
    it, a 503 with Retry-After."""
    max_waiting_queries: int = 256
    """Queries waiting for their turn, all clients together; past it, a 503 with Retry-After."""
    max_query_memory_bytes: int = 512 * 2**20
    """Memory one query worker may use (its data segment, RLIMIT_DATA): a query that needs
    more is stopped with a 422 problem and its worker replaced; 0: no limit."""
    query_busy_wait: float = 0.004
    """While a single query runs, seconds the service and its query worker keep polling after
    the answer instead of sleeping (on virtual machines waking a sleeping process costs more
    than a small query); see `store.awake` and `store.pool` (a remote store's server is not
    ours: the service alone polls). 0: never busy-wait."""
    query_cache_bytes: int = 32 * 2**20
    """Bytes of serialized answers to public read queries kept until the data changes (see
    `store.cache`; embedded store only); 0: none kept."""
    max_result_bytes: int = 50_000_000
    max_body_bytes: int = 10_000_000
    max_upload_statements: int = 100_000
    """Statements one contribution may hold."""
    max_graph_store_statements: int = 50_000
    """Statements one Graph Store PUT or POST may hold (replacing a graph costs the service
    about 4 KB per statement while it runs: 50,000 peak near 350 MB, 100,000 near 600 MB)."""
    max_harvest_statements: int = 100_000
    """Statements one harvest may read from a partner (before mapping), and one file read by
    the command line."""
    max_literal_chars: int = 100_000
    """Characters one literal may hold, in any RDF read from outside (contributions, the Graph
    Store, harvests, files): longer ones are refused while reading."""
    max_rdf_depth: int = 64
    """Nesting levels of JSON-LD objects and arrays, or of RDF/XML elements, in any RDF read
    from outside: checked before the parser sees the input (pyoxigraph's JSON-LD parser
    recurses, and crashes the process a few thousand levels deep)."""
    max_jsonld_memory: int = 512_000_000
    """Bytes of memory the child process that reads JSON-LD may use (JSON-LD is read apart
    from the service: its parser holds the whole document, about 25 times its size)."""
    contribution_licence: str = "CC-BY-4.0"
    """The licence (SPDX id) a contribution is granted under when it names none."""
    require_second_reviewer: bool = True
    """A curator may not accept or reject a contribution uploaded with their own token:
    another curator reviews it (four eyes before anything is published). Off: one curator
    may review their own uploads (a deployment with a single curator)."""
    harvest_timeout: float = 60.0
    """Seconds a partner has to send a whole harvest."""
    max_harvest_bytes: int = 100_000_000
    """Bytes one harvest may fetch."""
    harvest_every: float = 0.0
    """Seconds between the service's harvests of every source; 0: only on demand."""
    service_allowlist: tuple[str, ...] = ()
    """Endpoints a query may reach with SERVICE (exact IRIs, or prefixes ending with '*')."""
    service_timeout: float = 10.0
    """Seconds one SERVICE call may take, from connecting to the last byte of its answer."""
    max_service_bytes: int = 10_000_000
    """Bytes one SERVICE call may answer."""
    load_allowlist: tuple[str, ...] = ()
    """Sources an admin may LOAD (exact IRIs, or prefixes ending with '*')."""
    tile_url: str = ""
    """Map background tiles ({z}/{x}/{y}), drawn over the countries' outlines the service
    holds; empty (the default): no tile server is called, maps show the outlines and their
    points (e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`, with its usage policy)."""
    tile_attribution: str = "© OpenStreetMap contributors"
    contact_email: str = ""
    """The address the DCAT-AP catalogue gives as its contact point's `vcard:hasEmail` (data
    portals import it as the datasets' contact); empty: the contact point has only a name and
    a web page."""
    access_log: bool = False
    """Log every request (a reverse proxy usually does; it costs a tenth of a small query)."""
    default_graphs: tuple[str, ...] = ()
    """A query's default graph: empty, the merge of every public graph; IRIs, the merge of
    those graphs (the store keeps the merge in its own default graph, see `store.union`);
    `default` (alone), the store's own default graph, written by updates without GRAPH, as in
    the SPARQL specifications and most engines (the standard setting)."""
    resources_dir: Path = field(default_factory=_resources_dir)

    def __post_init__(self) -> None:
        if not self.base_iri.startswith(("http://", "https://")) or not self.base_iri.endswith("/"):
            raise ConfigError(
                "COMMONSGRAPH_BASE_IRI must be an http(s) IRI ending with '/', "
                f"got {self.base_iri!r}"
            )
        if not 0 < self.port < 65536:
            raise ConfigError(f"the port must be between 1 and 65535, got {self.port}")
        if self.public_url:
            _check_public_url(self.public_url)
        for name in ("store", "store_query_url", "store_update_url", "store_graph_store_url"):
            if getattr(self, name):
                _check_store_url(f"COMMONSGRAPH_{name.upper()}", getattr(self, name))
        for replica in self.store_replicas:
            _check_store_url("COMMONSGRAPH_STORE_REPLICAS", replica)
        for name in ("query_timeout", "query_workers", "max_result_bytes", "max_body_bytes",
                     "max_waiting_queries", "max_upload_statements",
                     "max_graph_store_statements", "max_harvest_statements",
                     "max_literal_chars", "max_rdf_depth", "max_jsonld_memory",
                     "service_timeout", "max_service_bytes",
                     "harvest_timeout", "max_harvest_bytes", "store_connections",
                     "store_connect_timeout", "store_timeout"):  # fmt: skip
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        if not 0 <= self.max_queries_per_client <= self.query_workers:
            raise ConfigError(
                "max_queries_per_client must be between 1 and query_workers "
                f"({self.query_workers}), or 0 for half of them; got {self.max_queries_per_client}"
            )
        if self.query_cache_bytes < 0:
            raise ConfigError(
                f"query_cache_bytes must be 0 or positive, got {self.query_cache_bytes}"
            )
        if self.max_waiting_per_client < 0:
            raise ConfigError(
                f"max_waiting_per_client must be 0 or positive, got {self.max_waiting_per_client}"
            )
        if self.max_query_memory_bytes and self.max_query_memory_bytes < MIN_QUERY_MEMORY:
            raise ConfigError(
                f"max_query_memory_bytes must be 0 (no limit) or at least {MIN_QUERY_MEMORY:,} "
                f"(a query worker needs about 100 MB before it runs a query), "
                f"got {self.max_query_memory_bytes:,}"
            )
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ConfigError(
                    f"COMMONSGRAPH_TRUSTED_PROXIES takes IP addresses or networks, got {proxy!r}"
                ) from None
        if not 0 <= self.query_busy_wait <= 0.1:
            raise ConfigError(
                f"query_busy_wait must be between 0 and 0.1 seconds, got {self.query_busy_wait}"
            )
        for name in ("service_allowlist", "load_allowlist"):
            for entry in getattr(self, name):
                _check_allowed_entry(f"COMMONSGRAPH_{name.upper()}", entry)
        if STANDARD in self.default_graphs and len(self.default_graphs) > 1:
            raise ConfigError(
                f"COMMONSGRAPH_DEFAULT_GRAPHS: {STANDARD!r} (the store's own default graph) "
                f"stands alone, got {' '.join(self.default_graphs)!r}"
            )
        for graph in self.default_graphs:
            if graph != STANDARD and not iris.split(graph).scheme:
                raise ConfigError(
                    f"COMMONSGRAPH_DEFAULT_GRAPHS takes absolute IRIs or {STANDARD!r}, "
                    f"got {graph!r}"
                )
        if self.store_read_primary < 0:
            raise ConfigError(
                f"store_read_primary must be 0 or positive, got {self.store_read_primary}"
            )
        if self.contact_email and not EMAIL.fullmatch(self.contact_email):
            raise ConfigError(
                "COMMONSGRAPH_CONTACT_EMAIL must be an e-mail address (name@host), "
                f"got {self.contact_email[:80]!r}"
            )
        if self.harvest_every < 0:
            raise ConfigError(
                f"harvest_every must be 0 (off) or positive, got {self.harvest_every}"
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the COMMONSGRAPH_* variables (from `os.environ` unless `env` is given)."""
        env = os.environ if env is None else env
        parsers: dict[str, Callable[[str], Any]] = {
            "data_dir": lambda v: None if v == ":memory:" else Path(v),
            "base_iri": str,
            "store": lambda v: v or None,
            "store_profile": str,
            "store_query_url": str,
            "store_update_url": str,
            "store_graph_store_url": str,
            "store_replicas": _words,
            "store_read_primary": float,
            "store_user": str,
            "store_password": str,
            "store_digest": _flag,
            "store_connections": int,
            "store_connect_timeout": float,
            "store_timeout": float,
            "database": str,
            "database_password": str,
            "host": str,
            "port": int,
            "public_url": str,
            "query_timeout": float,
            "query_workers": int,
            "query_busy_wait": float,
            "query_cache_bytes": int,
            "max_result_bytes": int,
            "max_body_bytes": int,
            "max_queries_per_client": int,
            "max_waiting_per_client": int,
            "max_waiting_queries": int,
            "trusted_proxies": _words,
            "max_query_memory_bytes": int,
            "max_upload_statements": int,
            "max_graph_store_statements": int,
            "max_harvest_statements": int,
            "max_literal_chars": int,
            "max_rdf_depth": int,
            "max_jsonld_memory": int,
            "contribution_licence": str,
            "require_second_reviewer": _flag,
            "harvest_timeout": float,
            "max_harvest_bytes": int,
            "harvest_every": float,
            "service_allowlist": _words,
            "service_timeout": float,
            "max_service_bytes": int,
            "load_allowlist": _words,
            "default_graphs": _graphs,
            "tile_url": str,
            "tile_attribution": str,
            "contact_email": str,
            "access_log": _flag,
        }
        changes: dict[str, Any] = {}
        for item in fields(cls):
            variable = f"COMMONSGRAPH_{item.name.upper()}"
            if item.name in parsers and variable in env:
                try:
                    changes[item.name] = parsers[item.name](env[variable])
                except ValueError:
                    kind = {int: "an integer", _flag: "1 or 0"}.get(parsers[item.name], "a number")
                    raise ConfigError(f"{variable} must be {kind}, got {env[variable]!r}") from None
        for secret in SECRETS:
            secret_file = env.get(f"COMMONSGRAPH_{secret.upper()}_FILE")
            if secret_file and secret not in changes:
                try:
                    changes[secret] = Path(secret_file).read_text("utf-8").rstrip("\r\n")
                except (OSError, UnicodeDecodeError) as error:
                    reason = error.__class__.__name__
                    raise ConfigError(
                        f"COMMONSGRAPH_{secret.upper()}_FILE cannot be read: {reason}"
                    ) from None
        return replace(cls(), **changes)

    @property
    def client_share(self) -> int:
        """Public queries one client may run at once (`max_queries_per_client`, resolved)."""
        return self.max_queries_per_client or max(1, (self.query_workers + 1) // 2)

    @property
    def public_base(self) -> str:
        """The public base URL: `public_url`, or the address `serve` listens on (a wildcard
        address names this host's loopback)."""
        if self.public_url:
            return self.public_url
        wildcard = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}  # noqa: S104 (read, not bound)
        host = wildcard.get(self.host, self.host)
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    @property
    def standard_default_graph(self) -> bool:
        """Whether a query's default graph is the store's own (DEFAULT_GRAPHS=default)."""
        return self.default_graphs == (STANDARD,)

    @property
    def store_path(self) -> Path | None:
        return None if self.data_dir is None else self.data_dir / "store"

    def resource(self, *parts: str) -> Path:
        """A path inside the project's own files, e.g. `resource("data", "seed.ttl")`."""
        return self.resources_dir.joinpath(*parts)


def _check_store_url(variable: str, url: str) -> None:
    """A store URL is http(s) and holds no credentials (such a URL is never echoed)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (read to check it)
    except ValueError:
        raise ConfigError(f"{variable} must be an http(s) URL") from None
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            f"{variable} must not hold credentials: give them in COMMONSGRAPH_STORE_USER and "
            "COMMONSGRAPH_STORE_PASSWORD (or COMMONSGRAPH_STORE_PASSWORD_FILE)"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{variable} must be an http(s) URL, got {url!r}")


def _check_public_url(url: str) -> None:
    """A public base URL is an origin: http(s), a host, perhaps a port, and the path `/`."""
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        port_ok = False
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.path != "/"
        or parts.query
        or parts.fragment
        or not port_ok
        or any(c.isspace() for c in url)
    ):
        raise ConfigError(
            "COMMONSGRAPH_PUBLIC_URL must be an http(s) URL of a host, with the path '/' "
            f"(the service cannot be served under a sub-path), got {url!r}"
        )


def _graphs(value: str) -> tuple[str, ...]:
    """IRIs, or the word `default` in any case (the SPARQL keyword DEFAULT)."""
    return tuple(STANDARD if word.lower() == STANDARD else word for word in _words(value))


def _flag(value: str) -> bool:
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if value.strip().lower() in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(value)


def _check_allowed_entry(variable: str, entry: str) -> None:
    """An allow-list entry is an absolute http(s) IRI, or a prefix ending with '*' that holds
    at least the authority and a slash (`https://partner.example*` would also allow
    `https://partner.example.evil.net/`)."""
    parts = iris.split(entry.removesuffix("*"))
    if parts.scheme not in ("http", "https") or not parts.authority:
        raise ConfigError(f"{variable}: {entry!r} is not an absolute http(s) IRI")
    if entry.endswith("*") and not parts.path.startswith("/"):
        raise ConfigError(
            f"{variable}: the prefix {entry!r} must end its host with a slash, "
            f"e.g. {parts.scheme}://{parts.authority}/*"
        )


def allowed(iri: str, allowlist: tuple[str, ...]) -> bool:
    """Whether an IRI is on an allow-list of exact IRIs and prefixes ending with '*', both
    compared in their normal form (`iris.normalize`: `…/p/../x` is not under `…/p/`)."""
    iri = iris.normalize(iri)
    for entry in allowlist:
        if entry.endswith("*"):
            if iri.startswith(iris.normalize(entry[:-1])):
                return True
        elif iri == iris.normalize(entry):
            return True
    return False
