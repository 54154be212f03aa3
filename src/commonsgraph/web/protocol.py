"""The SPARQL 1.1 Protocol, read and answered without a web framework.

`read_operation` turns a request (method, Content-Type, query string, body) into the query or
update it carries; `SparqlEndpoint` runs it with the service's limits and policies and gives the
results; `Reply` is the answer to write. The route (`web/sparql.py`) only moves bytes between
ASGI and these; the tests use them directly too. Errors are raised as our own
(`commonsgraph.errors`) and translated once, by `web/problems.py`.

The protocol's texts are UTF-8: a body that declares another charset, or whose bytes (raw, or
percent-decoded from a form or the query string) are not UTF-8, is refused (400). Relative
IRIs in a query or update resolve against the endpoint's public URL (`base`), whatever the
store: `sparqlcheck` writes them absolute before anything else reads the text.

Queries go to `Store.execute`, which stops them at their deadline and caps their results;
updates need a bearer token with a write role (checked by the route). Every text is read by
`sparqlcheck.check`, and only the text it re-emits is evaluated: its SERVICE endpoints and LOAD
sources, in normal form, are checked against their allow-lists before anything is evaluated, so
that nothing connects to an address that is not allowed; SERVICE calls then go through the
federation gateway (`federation.py`), which bounds each one, when queries run on this host. A
`LOAD SILENT` that policy refuses is skipped (SILENT: its failure is no error); a plain LOAD
that policy refuses refuses the whole update (403).
"""

from __future__ import annotations

import asyncio
import binascii
import itertools
import re
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from pyoxigraph import (
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    RdfFormat,
    parse_query_results,
)
from pyoxigraph import Store as MemoryStore

from commonsgraph import negotiation
from commonsgraph.config import Settings, allowed
from commonsgraph.errors import (
    InputError,
    NotAcceptable,
    NotAllowed,
    QuerySyntaxError,
    UnknownFormat,
)
from commonsgraph.federation import Gateway, check_loads, check_services
from commonsgraph.sparqlcheck import Checked, Reference, check
from commonsgraph.sparqllex import tokens
from commonsgraph.sparqltext import has_dataset_clause
from commonsgraph.store import LocalStore, QueryRequest, Serialized, Store
from commonsgraph.store.cache import ResultCache, ResultKey
from commonsgraph.store.local import query_syntax_error
from commonsgraph.store.remote import RemoteStore
from commonsgraph.vocab import PREFIXES
from commonsgraph.web.scheduler import Scheduler

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
PATH = "/sparql"

QUERY_PARAMETERS = {"query", "default-graph-uri", "named-graph-uri", "format", "output"}
UPDATE_PARAMETERS = {"update", "using-graph-uri", "using-named-graph-uri"}
ASK_TABLES = {
    QueryResultsFormat.CSV: ("_askResult", "\r\n"),
    QueryResultsFormat.TSV: ("?_askResult", "\n"),
}
"""ASK results in CSV and TSV (which the W3C defines for SELECT only), as Jena writes and reads
them: a header naming one variable, then `true` or `false`."""
CHECKED_TEXTS = 256
CHECKED_LENGTH = 16_384
"""The checked texts kept (`SparqlEndpoint.checked`): at most 256 × 16 K characters, twice
(the client's text and the re-emitted one)."""
SYNTAX_PROBE = "CREATE GRAPH <urn:commonsgraph:probe> ; CREATE GRAPH <urn:commonsgraph:probe> ;\n"
"""Put before an update to have the engine read it without running it (`check_syntax`)."""
_POSITION = re.compile(r"\bat \d+:\d+")
NO_OPERATION = "INSERT DATA { }"
"""What a skipped operation becomes (an update's operations are separated by `;`)."""
Dataset = tuple[tuple[NamedNode, ...], tuple[NamedNode, ...]]
"""Default graphs and named graphs."""


@dataclass
class Operation:
    """A protocol request, read: a query or an update, with its dataset and output format."""

    kind: str
    text: str
    parameters: dict[str, list[str]] = field(default_factory=dict)

    def graphs(self, name: str) -> tuple[NamedNode, ...]:
        found = []
        for value in self.parameters.get(name, []):
            try:
                found.append(NamedNode(value))
            except ValueError:
                raise InputError(f"{name} must be an absolute IRI, got {value!r}") from None
        return tuple(found)

    def dataset(self, default: str, named: str) -> Dataset | None:
        """The dataset the parameters `default` and `named` give, or None without them."""
        if default not in self.parameters and named not in self.parameters:
            return None
        return self.graphs(default), self.graphs(named)

    @property
    def format_name(self) -> str | None:
        names = self.parameters.get("format", []) + self.parameters.get("output", [])
        return names[0] if names else None


def media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"the {what} is not valid UTF-8 (byte {error.start})") from None


def percent_decoded(data: bytes) -> bytes:
    """`application/x-www-form-urlencoded` bytes decoded (`+` a space, `%XX` a byte), as
    `urllib.parse.unquote_to_bytes` does, but in C when every escape is well-formed (Python's
    loop over a BSBM query's 400 escapes took longer than the rest of reading the protocol):
    `%` becomes quoted-printable's `=` (a `=` itself becomes `=3D`) for `binascii.a2b_qp`. Its
    soft line breaks cannot occur without CR and LF; a malformed escape decodes to fewer than
    two bytes less, which the length shows, and then Python's loop decodes the whole."""
    data = data.replace(b"+", b" ")
    escapes = data.count(b"%")
    if not escapes:
        return data
    if b"\n" not in data and b"\r" not in data:
        decoded = binascii.a2b_qp(data.replace(b"=", b"=3D").replace(b"%", b"="))
        if len(decoded) == len(data) - 2 * escapes:
            return decoded
    return unquote_to_bytes(data)


def _fields(data: bytes, what: str, *, strict: bool = True) -> list[tuple[str, str]]:
    """The fields of `application/x-www-form-urlencoded` data, whose bytes, percent-decoded
    too, must be UTF-8 (`strict`: each field must hold a `=`; else a field without one has an
    empty value, and empty fields are skipped)."""
    _utf8(data, what)
    fields = []
    for part in data.split(b"&") if data else ():
        name, equals, value = part.partition(b"=")
        if strict and not equals:
            raise InputError(f"the {what} is not application/x-www-form-urlencoded")
        if not part:
            continue
        try:
            fields.append(
                (percent_decoded(name).decode("utf-8"), percent_decoded(value).decode("utf-8"))
            )
        except UnicodeDecodeError:
            raise InputError(f"the {what} is not valid UTF-8 once percent-decoded") from None
    return fields


def _charset(content_type: str, what: str) -> None:
    """Refuse a body that declares a charset other than UTF-8 (the protocol's only one)."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        charset = value.strip().strip('"').lower()
        if name.strip().lower() == "charset" and charset != "utf-8":
            raise InputError(f"the {what} must be UTF-8, not {charset or 'an empty charset'}")


def read_operation(
    method: str, content_type: str, query_string: bytes, body: bytes
) -> Operation | None:
    """The operation a protocol request carries, or None when it carries none (a GET or HEAD
    without one asks for the description)."""
    media = media_type(content_type)
    parameters: dict[str, list[str]] = {}
    for key, value in _fields(query_string, "query string", strict=False):
        parameters.setdefault(key, []).append(value)
    if method == "POST" and media == FORM:
        if "query" in parameters or "update" in parameters:
            raise InputError("a form POST carries its query or update in the body, not in the URL")
        _charset(content_type, "form")
        for key, value in _fields(body, "form"):
            parameters.setdefault(key, []).append(value)
    elif method == "POST" and media in (QUERY, UPDATE):
        if "query" in parameters or "update" in parameters:
            raise InputError(f"a {media} POST carries its operation in the body, not in the URL")
        kind = "query" if media == QUERY else "update"
        _charset(content_type, kind)
        parameters[kind] = [_utf8(body, kind)]
    elif method == "POST" and (media or body):
        raise UnknownFormat(
            f"unsupported Content-Type {media or '(none)'!r}: send {FORM}, {QUERY} or {UPDATE}"
        )
    queries, updates = parameters.get("query", []), parameters.get("update", [])
    if queries and updates:
        raise InputError("a request carries a query or an update, not both")
    if len(queries) > 1 or len(updates) > 1:
        raise InputError("a request carries one query or one update")
    if updates and method != "POST":
        raise InputError("updates must be sent with POST")
    if queries:
        conflicting = sorted(UPDATE_PARAMETERS & parameters.keys())
        if conflicting:
            raise InputError(f"{', '.join(conflicting)} cannot accompany a query")
        return Operation("query", queries[0], parameters)
    if updates:
        conflicting = sorted((QUERY_PARAMETERS - {"format", "output"}) & parameters.keys())
        if conflicting:
            raise InputError(f"{', '.join(conflicting)} cannot accompany an update")
        return Operation("update", updates[0], parameters)
    if method == "POST":
        raise InputError("the request carries no query and no update")
    return None


@dataclass(frozen=True)
class Reply:
    """An answer to write: its status, body and headers (Content-Length is the body's)."""

    status: int
    body: bytes = b""
    media_type: str | None = None

    @classmethod
    def results(cls, result: Serialized) -> Reply:
        """Query results (`web.semantics` says their charset)."""
        return cls(200, result.body, media_type(result.media_type))

    def headers(self) -> list[tuple[bytes, bytes]]:
        headers = [(b"content-length", str(len(self.body)).encode("latin-1"))]
        if self.media_type is not None:
            headers += [(b"content-type", self.media_type.encode("latin-1")), (b"vary", b"Accept")]
        return headers


def ask_table(body: bytes, results_format: QueryResultsFormat) -> bytes:
    """An ASK result (in JSON) as a CSV or TSV table: a header and one value."""
    answer = parse_query_results(body, format=QueryResultsFormat.JSON)
    if not isinstance(answer, QueryBoolean):
        raise QuerySyntaxError("expected an ASK query")
    header, newline = ASK_TABLES[results_format]
    return f"{header}{newline}{'true' if answer else 'false'}{newline}".encode()


class SparqlEndpoint:
    """Runs protocol operations against a store with the service's limits and policies.

    `gateway` bounds SERVICE calls when queries are evaluated on this host (the embedded
    store); without it, SERVICE calls are left to the store (a remote server makes them).
    Relative IRIs resolve against `base`, the endpoint's public URL.
    """

    def __init__(self, settings: Settings, store: Store, gateway: Gateway | None = None) -> None:
        self.settings = settings
        self.store = store
        self.gateway = gateway
        self.scheduler = Scheduler.from_settings(settings)
        # The data version changes with every write of the embedded store, and with every
        # write of a remote store made through any process of the deployment when they share
        # it (`RemoteStore.share_version`), as the cached pages count on.
        exact = isinstance(store, LocalStore) or (
            isinstance(store, RemoteStore) and store.shared is not None
        )
        self.results = ResultCache(settings.query_cache_bytes if exact else 0)
        self.base = settings.public_base + PATH.lstrip("/")
        self._checked: OrderedDict[tuple[str, bool], Checked] = OrderedDict()

    def checked(self, text: str, *, may_load: bool = False) -> Checked:
        """The text as it will be evaluated (`sparqlcheck.check`), its SERVICE and LOAD
        refused to anything but their allow-lists (and LOAD to all but `may_load`); a LOAD
        SILENT so refused is skipped. The same text is checked the same way: the last
        `CHECKED_TEXTS` texts of at most `CHECKED_LENGTH` characters are not read again (a
        client repeating a query spent most of its time here)."""
        key = (text, may_load)
        found = self._checked.get(key)
        if found is not None:
            self._checked.move_to_end(key)
            return found
        checked = self._check(text, may_load=may_load)
        if len(text) <= CHECKED_LENGTH:
            self._checked[key] = checked
            if len(self._checked) > CHECKED_TEXTS:
                self._checked.popitem(last=False)
        return checked

    def _check(self, text: str, *, may_load: bool) -> Checked:
        checked = check(text, PREFIXES, self.base)
        check_services(checked.services, self.settings.service_allowlist)
        refused = [load for load in checked.loads if not self._may_load(load, may_load)]
        if any(not load.silent for load in refused):
            check_syntax(checked)  # a malformed text is a 400 whatever it would load
            if not may_load:
                raise NotAllowed("LOAD is reserved to admin tokens")
            check_loads(refused, self.settings.load_allowlist)
        if refused:
            checked = check(_skipped(checked.text, refused), PREFIXES, self.base)
        return checked

    def _may_load(self, load: Reference, may_load: bool) -> bool:
        allowlist = self.settings.load_allowlist
        return may_load and load.iri is not None and allowed(load.iri, allowlist)

    @contextmanager
    def routed(self, checked: Checked) -> Iterator[str]:
        """The checked text to run, its SERVICE calls and LOADs through the gateway while the
        block runs (a remote store's server makes them itself); the engine's syntax errors point
        into the client's text."""
        route = (
            nullcontext(checked.text)
            if self.gateway is None
            else self.gateway.route(checked.text, checked.services, checked.loads)
        )
        try:
            with route as runnable:
                yield runnable
        except QuerySyntaxError as error:
            raise checked.relocate(error) from None

    async def answer(self, operation: Operation, accept: str | None, client: str) -> Serialized:
        """The results of a query operation, in the format the client accepts."""
        checked = self.checked(operation.text)
        form = checked.form
        results_format = negotiation.results_format(
            accept, operation.format_name if form in (None, "SELECT", "ASK") else None
        )
        graph_format = negotiation.graph_format(
            accept, operation.format_name if form in (None, "CONSTRUCT", "DESCRIBE") else None
        )
        if form in ("SELECT", "ASK") and results_format is None:
            raise NotAcceptable(
                "results are offered as "
                + ", ".join(f.media_type for f in negotiation.RESULTS_FORMATS)
            )
        if form in ("CONSTRUCT", "DESCRIBE") and graph_format is None:
            raise NotAcceptable(
                "graphs are offered as "
                + ", ".join(f.media_type for f in negotiation.GRAPH_FORMATS)
            )
        table = results_format if form == "ASK" and results_format in ASK_TABLES else None
        result = await self.evaluate(
            client,
            checked,
            QueryResultsFormat.JSON if table else results_format or QueryResultsFormat.JSON,
            graph_format or RdfFormat.TURTLE,
            dataset=operation.dataset("default-graph-uri", "named-graph-uri"),
        )
        if table is not None:
            return Serialized(ask_table(result.body, table), table.media_type)
        return result

    async def evaluate(
        self,
        client: str,
        query: str | Checked,
        results_format: QueryResultsFormat,
        graph_format: RdfFormat,
        *,
        dataset: Dataset | None = None,
    ) -> Serialized:
        """Run a query within the service's limits: its deadline, its result cap, the client's
        share of concurrent queries, and the SERVICE allow-list (a text is checked here; a
        `Checked` one was). `dataset` (default graphs, named graphs) comes from the protocol;
        without it, the query's own (FROM, FROM NAMED), else the store's default graph (the
        merge of the configured graphs, or the store's own: `store.union`). `client`: the
        address whose concurrent queries are counted."""
        checked = self.checked(query) if isinstance(query, str) else query
        if dataset is None and checked.declares_dataset:
            dataset = _from_clauses(checked)
        defaults, named = dataset if dataset is not None else (None, None)
        key = ResultKey(
            checked.text if not checked.services else "SERVICE",  # never kept
            None if defaults is None else tuple(str(g) for g in defaults),
            None if named is None else tuple(str(g) for g in named),
            results_format.media_type,
            graph_format.media_type,
        )
        async with self.scheduler.turn(client):  # a cached answer takes its turn too
            with self.routed(checked) as runnable:
                execution = QueryRequest(
                    query=runnable,
                    results_format=results_format,
                    graph_format=graph_format,
                    default_graphs=defaults,
                    named_graphs=named,
                    timeout=self.settings.query_timeout,
                    max_bytes=self.settings.max_result_bytes,
                )
                return await self.results.answer(
                    self.store.data_version, key, lambda: self.store.execute(execution)
                )

    async def update(self, operation: Operation, *, may_load: bool) -> None:
        """Apply an update operation (its client's token was checked: `may_load` if it is an
        admin's)."""
        checked = self.checked(operation.text, may_load=may_load)
        using = operation.dataset("using-graph-uri", "using-named-graph-uri")
        if using is not None and has_dataset_clause(checked.text):
            raise InputError(
                "using-graph-uri and using-named-graph-uri cannot accompany an update "
                "that has USING or WITH"
            )
        with self.routed(checked) as runnable:
            await asyncio.to_thread(self.store.update, runnable, using=using)


def check_syntax(checked: Checked) -> None:
    """Raise the engine's syntax error on an update, if any, without running it: an empty
    in-memory store reads the whole text before it runs its first operation, and the text
    follows `SYNTAX_PROBE`, whose second operation fails (so nothing of the text runs and its
    LOADs fetch nothing). The re-emitted text has no prologue (its prefixed names and relative
    IRIs are written whole), so it may follow another operation."""
    try:
        MemoryStore().update(SYNTAX_PROBE + checked.text)
    except SyntaxError as error:
        found = query_syntax_error(error)
        if found.line is not None and found.column is not None:  # the probe is line 1
            line = found.line - 1
            message = _POSITION.sub(f"at {line}:{found.column}", str(found), count=1)
            found = QuerySyntaxError(message, line, found.column)
        raise checked.relocate(found) from None
    except (OSError, RuntimeError):
        return  # the probe's failure: the text parses


def _from_clauses(checked: Checked) -> Dataset:
    """The dataset of a query's FROM and FROM NAMED clauses."""
    try:
        return (
            tuple(NamedNode(g) for g in checked.from_graphs),
            tuple(NamedNode(g) for g in checked.from_named),
        )
    except ValueError:
        raise InputError("FROM and FROM NAMED must name absolute IRIs") from None


def _skipped(text: str, loads: list[Reference]) -> str:
    """A checked update with the operations of `loads` (LOAD SILENT, in the text re-emitted by
    `sparqlcheck`) replaced by an operation that does nothing."""
    for load in sorted(loads, key=lambda load: load.start, reverse=True):
        start = text.rfind("LOAD", 0, load.start)
        end = load.end
        following = list(itertools.islice(tokens(text[end:]), 3))
        if following and following[0].kind == "word" and following[0].value == "INTO":
            last = following[-1]
            end += last.start + len(last.text)
        text = text[:start] + NO_OPERATION + text[end:]
    return text
