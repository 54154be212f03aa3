"""The errors commonsgraph raises, translated once where a third-party library is called.

    CommonsGraphError
    ├── InputError              the caller's input is wrong; a 4xx, or exit code 2 in the CLI
    │   ├── ParameterError      a named parameter (of a query, of a request) is wrong
    │   ├── QuerySyntaxError    a SPARQL query or update that does not parse (line, column)
    │   ├── DataSyntaxError     an RDF, CSV or JSON input that does not parse (source, line, column)
    │   ├── UnknownFormat       a media type, file extension or format name we do not handle
    │   ├── NotAcceptable       none of the formats a client accepts can represent the answer
    │   ├── NotAllowed          a policy refuses it (SERVICE or LOAD of a non-allowed address,
    │   │                       a sign-in form posted from another site)
    │   ├── TooLarge            a request body over the configured cap
    │   ├── ResultTooLarge      query results over the configured cap
    │   └── QueryMemoryExceeded a query needed more memory than a query worker may use
    ├── NotFound                the resource, graph or file asked for does not exist
    │   └── UnknownLicence      a licence id no source knows (with the closest known ids)
    ├── Conflict                the request does not fit the current state (a contribution
    │                           already reviewed, a revert that a later contribution prevents)
    ├── PartnerError            a partner source is down, slow, or sends what we cannot take
    │   └── ServiceCallError    a partner endpoint called with SERVICE failed
    ├── StoreError              the store cannot do what it was asked
    │   ├── StoreLocked         another process holds the store directory
    │   ├── QueryTimeout        a query ran past its deadline and was stopped
    │   └── Overloaded          too many queries at once (retry after a delay)
    └── ConfigError             the configuration is invalid

No HTTP status codes here: the web layer maps these classes to problems (web/problems.py) and the
CLI to exit codes (cli/base.py).
"""

from __future__ import annotations


class CommonsGraphError(Exception):
    """Base of every error commonsgraph raises on purpose."""


class InputError(CommonsGraphError):
    """The input given by the caller is invalid."""


class ParameterError(InputError):
    """A named parameter has a wrong type or value; the problem names it."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"parameter {name!r}: {message}")
        self.parameter = name


class QuerySyntaxError(InputError):
    """A SPARQL query or update that does not parse."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class DataSyntaxError(InputError):
    """Input data (RDF, CSV, JSON) that does not parse or does not have the expected shape."""

    def __init__(
        self,
        source: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        where = source
        if line is not None:
            where += f", line {line}"
            if column is not None:
                where += f", column {column}"
        super().__init__(f"{where}: {message}")
        self.source = source
        self.reason = message
        self.line = line
        self.column = column


class UnknownFormat(InputError):
    """A format (media type, extension, name) that is not supported."""


class NotAcceptable(InputError):
    """The client accepts none of the formats the answer is offered in."""


class NotAllowed(InputError):
    """A policy refuses the request (e.g. SERVICE to an address that is not allowed)."""


class TooLarge(InputError):
    """A request body over the configured cap."""


class TooManyStatements(TooLarge):
    """RDF read from outside holds more statements than its route takes."""


class ResultTooLarge(InputError):
    """The serialized results of a query exceed the configured cap."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the results exceed {limit:,} bytes; narrow the query or add a LIMIT")
        self.limit = limit


class QueryMemoryExceeded(InputError):
    """A query needed more memory than a query worker may use; its worker was stopped."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the query needed more than {limit / 2**20:,.0f} MiB of memory (the limit of a "
            "query worker) and was stopped; narrow the query or add a LIMIT"
        )
        self.limit = limit


class NotFound(CommonsGraphError):
    """The thing asked for does not exist."""


class UnknownLicence(NotFound):
    """A licence or exception id that no source of the catalogue knows."""

    def __init__(self, parameter: str, given: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"parameter {parameter!r}: no licence has the id {given!r}{hint}")
        self.parameter = parameter
        self.given = given
        self.suggestions = suggestions


class Conflict(CommonsGraphError):
    """The request contradicts the current state of what it acts on."""


class PartnerError(CommonsGraphError):
    """A partner (harvested source) failed: unreachable, too slow, an HTTP error, a body over
    the cap, or data that does not parse."""


class ServiceCallError(PartnerError):
    """A partner endpoint called with SERVICE did not answer in time, answered more than the
    cap, answered an HTTP error or something that is not SPARQL results."""

    def __init__(self, endpoint: str, reason: str) -> None:
        super().__init__(f"the partner endpoint <{endpoint}> {reason}")
        self.endpoint = endpoint


class StoreError(CommonsGraphError):
    """The store could not perform an operation."""


class StoreLocked(StoreError):
    """Another process already opened the store directory for writing."""


class QueryTimeout(StoreError):
    """The query ran past its deadline and was stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the query ran longer than {seconds:g} s and was stopped")
        self.seconds = seconds


class Overloaded(StoreError):
    """Too many queries are running or waiting."""

    def __init__(self, retry_after: int, reason: str = "too many queries are running") -> None:
        super().__init__(f"{reason}; retry in {retry_after} s")
        self.retry_after = retry_after


class ConfigError(CommonsGraphError):
    """The configuration is invalid."""
