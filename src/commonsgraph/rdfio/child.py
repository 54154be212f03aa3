"""The child process that reads JSON-LD for the service (see `commonsgraph.rdfio.jsonld`).

    python -m commonsgraph.rdfio.child '{"base_iri": …, "statements": …, "memory": …}'

It limits its own memory first, reads the document from stdin, and writes the statements that
pass the checks to stdout as N-Triples. Exit code 0: all written; 2: refused, with a JSON report
(`kind`, `message`, `line`, `column`) as the last line of stderr; 3: out of memory. A crash
ends it with a signal: the service survives it.
"""

from __future__ import annotations

import json
import resource
import sys
from typing import Any

from pyoxigraph import RdfFormat, parse, serialize

from commonsgraph.errors import DataSyntaxError, TooLarge
from commonsgraph.rdfio import syntax_error
from commonsgraph.rdfio.limits import ReadLimits
from commonsgraph.rdfio.statements import checked


def main(arguments: dict[str, Any]) -> int:
    memory = int(arguments["memory"])
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    limits = ReadLimits(
        statements=int(arguments["statements"]),
        literal_chars=int(arguments["literal_chars"]),
        depth=int(arguments["depth"]),
        size=int(arguments["size"]),
        jsonld_memory=memory,
    )
    source = str(arguments["source"])
    try:
        body = sys.stdin.buffer.read(limits.size + 1)
        if len(body) > limits.size:
            raise TooLarge(f"{source} is larger than {limits.size:,} bytes")
        quads = parse(body, RdfFormat.JSON_LD, base_iri=arguments["base_iri"])
        serialize(checked(quads, limits, source), sys.stdout.buffer, RdfFormat.N_TRIPLES)
        sys.stdout.buffer.flush()
    except SyntaxError as error:
        translated = syntax_error(error, source)
        return _report("syntax", translated.reason, translated.line, translated.column)
    except DataSyntaxError as error:
        return _report("syntax", error.reason, error.line, error.column)
    except TooLarge as error:
        return _report("too-large", str(error))
    except MemoryError:
        return 3
    return 0


def _report(kind: str, message: str, line: int | None = None, column: int | None = None) -> int:
    report = {"kind": kind, "message": message, "line": line, "column": column}
    sys.stderr.write(json.dumps(report) + "\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
