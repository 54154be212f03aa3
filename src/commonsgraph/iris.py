"""IRIs in normal form (RFC 3986 §6.2.2, §6.2.3), and why one is not.

RDF compares IRIs character by character, but browsers, HTTP clients, JSON-LD processors and
our own routes resolve them first: `…/tiers-lieu/../ns#TiersLieu`, `…/tiers-lieu/%2E%2E/ns`,
`…/tiers-lieu/%61bc`, `HTTPS://W3ID.ORG/…`, `…:443/…` are, once resolved, another resource than
the one they seem to be under. So a check that reads an IRI's path to decide what it names
(contributions: which kind of resource, whose) must only ever see IRIs in normal form:
`why_not_normal` says what is wrong with one that is not, and the contribution is refused.

Normal form, as RFC 3986 §6.2.2 and §6.2.3 define it for http(s): scheme and host in lower
case, no default port, percent-encodings in upper case and none of an unreserved character,
no `.` or `..` segment, `/` for an empty path. Under our own base, also no empty segment
(`a//b`) and no encoded `/` (`%2F`): our IRIs have neither, and each reads as another path to
some readers.
"""

from __future__ import annotations

import re
import string

_PARTS = re.compile(r"^(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$", re.S)
_HOST_PORT = re.compile(r"^(\[[^\]]*\]|[^:\[\]]*)(?::([0-9]*))?$")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
DEFAULT_PORTS = {"http": "80", "https": "443"}


def _percent(text: str) -> str:
    def normal(match: re.Match[str]) -> str:
        character = chr(int(match.group(1), 16))
        return character if character in _UNRESERVED else "%" + match.group(1).upper()

    return _PERCENT.sub(normal, text)


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4."""
    output: list[str] = []
    while path:
        if path.startswith("../"):
            path = path[3:]
        elif path.startswith(("./", "/./")):
            path = path[2:]
        elif path == "/.":
            path = "/"
        elif path.startswith("/../"):
            path = path[3:]
            if output:
                output.pop()
        elif path == "/..":
            path = "/"
            if output:
                output.pop()
        elif path in (".", ".."):
            path = ""
        else:
            start = 1 if path.startswith("/") else 0
            end = path.find("/", start)
            end = len(path) if end < 0 else end
            output.append(path[:end])
            path = path[end:]
    return "".join(output)


def normalize(iri: str) -> str:
    """The normal form of an IRI (RFC 3986 §6.2.2 syntax-based, §6.2.3 for http(s))."""
    match = _PARTS.match(iri)
    if match is None:  # pragma: no cover - the pattern matches every string
        return iri
    scheme, authority, path, query, fragment = match.groups()
    if scheme is not None:
        scheme = scheme.lower()
    if authority is not None:
        userinfo, at, hostport = authority.rpartition("@")
        parts = _HOST_PORT.match(hostport)
        if parts is not None:  # else left as it is: not an authority we can read
            host, port = parts.group(1), parts.group(2) or ""
            if port == DEFAULT_PORTS.get(scheme or ""):
                port = ""  # also "host:", an empty port
            hostport = _percent(host).lower() + (":" + port if port else "")
        authority = _percent(userinfo) + at + hostport
    path = _percent(path)
    if authority is not None or path.startswith("/"):  # a hierarchical path
        path = remove_dot_segments(path)
    if authority is not None and not path and scheme in DEFAULT_PORTS:
        path = "/"
    return (
        (scheme + ":" if scheme is not None else "")
        + ("//" + authority if authority is not None else "")
        + path
        + ("?" + _percent(query) if query is not None else "")
        + ("#" + _percent(fragment) if fragment is not None else "")
    )


def why_not_normal(iri: str, base: str) -> str | None:
    """Why `iri` is not in normal form (None when it is); under `base`, our stricter form."""
    normal = normalize(iri)
    if normal != iri:
        return f"it is not in normal form (RFC 3986 §6): it resolves to <{normal}>"
    if iri.startswith(base):
        path = re.split(r"[?#]", iri[len(base) :], maxsplit=1)[0]
        if "//" in path or path.startswith("/"):
            return "its path has an empty segment"
        if re.search("%2F", path, re.IGNORECASE):
            return "its path has an encoded '/' (%2F)"
    return None
