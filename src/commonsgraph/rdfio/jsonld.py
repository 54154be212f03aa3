"""JSON-LD read apart from the service: depth checked first, then parsed in a child process.

pyoxigraph's JSON-LD parser cannot be bounded from outside the way the others are:
- it recurses on nesting (a document nested 3,000 deep takes 1.7 GB, 6,000 deep crashes the
  process), which a scan of the brackets catches before it runs (`json_depth`, linear, in C);
- it also recurses on things no byte-level check sees: term definitions of a flat `@context`
  chained through their prefixes (`"t0": "t1:x", "t1": "t2:x", …`, 5,000 of them: 90 kB)
  crash the process;
- it holds the whole document before it emits a statement, at about 25 times its size.
So the parsing runs in a child process (`commonsgraph.rdfio.child`), under a memory limit and a
deadline: a crash, an exhausted memory or a timeout ends the child, and the request gets a
clear refusal. The child checks every statement as it comes (`statements.checked`) and writes
those it accepts as N-Triples, which the service reads back as it reads any other input. At
most `CHILDREN` children run at once (the others wait their turn), so that concurrent uploads
cannot multiply the memory each may take.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Generator
from contextlib import suppress
from itertools import accumulate
from typing import IO

from pyoxigraph import Quad, RdfFormat, parse

from commonsgraph.errors import DataSyntaxError, InputError, TooLarge
from commonsgraph.rdfio.limits import ReadLimits

CHILD = "commonsgraph.rdfio.child"
CHILDREN = 2
_turns = threading.BoundedSemaphore(CHILDREN)
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_SIGNS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


def json_depth(body: bytes) -> int:
    """How deep the objects and arrays of a JSON text nest (strings skipped), without parsing
    it: the brackets, as +1 and -1, summed as they come."""
    brackets = _STRING.sub(b"", body).translate(_SIGNS, _NOT_BRACKETS)
    return max(accumulate(memoryview(brackets).cast("b")), default=0)


def check_depth(body: bytes, limits: ReadLimits, source: str) -> None:
    if json_depth(body) > limits.depth:
        raise TooLarge(f"{source}: the JSON-LD nests deeper than {limits.depth} levels")


def parse_jsonld(
    body: bytes, base_iri: str | None, limits: ReadLimits, source: str
) -> Generator[Quad, None, None]:
    """The statements of a JSON-LD document, parsed by a child process (see the module);
    close the generator to stop the child early."""
    check_depth(body, limits, source)
    arguments = {
        "base_iri": base_iri,
        "source": source,
        "statements": limits.statements,
        "literal_chars": limits.literal_chars,
        "depth": limits.depth,
        "size": limits.size,
        "memory": limits.jsonld_memory,
    }
    with _turns, tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(
            [sys.executable, "-m", CHILD, json.dumps(arguments)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        assert child.stdin is not None
        assert child.stdout is not None
        timer = threading.Timer(limits.jsonld_seconds, child.kill)
        writer = threading.Thread(target=_send, args=(child.stdin, body), daemon=True)
        timer.start()
        writer.start()
        try:
            yield from parse(child.stdout, RdfFormat.N_TRIPLES)
            child.wait()
        except SyntaxError:
            child.wait()  # the child stopped halfway: its own report says why
        finally:
            timer.cancel()
            if child.poll() is None:
                child.kill()
                child.wait()
            writer.join()
            child.stdout.close()
        if child.returncode != 0:
            errors.seek(0)
            raise _failure(child.returncode, errors.read(), limits, source)


def _send(pipe: IO[bytes], body: bytes) -> None:
    with suppress(BrokenPipeError):  # the child stopped reading: it says why on its own
        pipe.write(body)
    with suppress(BrokenPipeError):
        pipe.close()


def _failure(code: int, report: bytes, limits: ReadLimits, source: str) -> InputError:
    """What the child's exit means: its own report, else the way it ended."""
    last = report.decode("utf-8", "replace").strip().rpartition("\n")[2]
    if code == 2 and last.startswith("{"):
        found = json.loads(last)
        if found["kind"] == "too-large":
            return TooLarge(found["message"])
        return DataSyntaxError(source, found["message"], found.get("line"), found.get("column"))
    if code == -signal.SIGKILL:
        return TooLarge(
            f"{source}: reading the JSON-LD took longer than {limits.jsonld_seconds:g} s"
        )
    if code == 3 or b"memory allocation" in report or b"MemoryError" in report:
        return TooLarge(
            f"{source}: reading the JSON-LD needs more than {limits.jsonld_memory:,} bytes of "
            "memory: send Turtle or N-Triples"
        )
    name = signal.Signals(-code).name if code < 0 else f"exit code {code}"
    return DataSyntaxError(
        source,
        f"the JSON-LD parser failed on this document ({name}); it may define terms through "
        "each other too deeply: send Turtle or N-Triples",
    )
