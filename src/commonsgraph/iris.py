"""IRIs as RFC 3986 reads them: resolving a reference against a base, normal form, and why an
IRI is not in it.

RDF compares IRIs character by character, but browsers, HTTP clients, JSON-LD processors and
our own routes resolve them first: `…/tiers-lieu/../ns#TiersLieu`, `…/tiers-lieu/%2E%2E/ns`,
`…/tiers-lieu/%61bc`, `HTTPS://W3ID.ORG/…`, `…:443/…` are, once resolved, another resource than
the one they seem to be under. So a check on an IRI (an allow-list, an ownership rule) must
look at the IRI that will be used, not at one of its spellings:

- the allow-lists of SERVICE and LOAD compare `normalize`d IRIs, and the checked query names
  them in that form (`sparqlcheck`);
- a contribution must name our resources in normal form (`why_not_normal` says what is wrong
  with one that is not, and the contribution is refused).

Normal form, as RFC 3986 §6.2.2 and §6.2.3 define it for http(s): scheme and host in lower
case, no default port, percent-encodings in upper case and none of an unreserved character,
no `.` or `..` segment in a hierarchical path, `/` for an empty path. Under our own base, also
no empty segment (`a//b`) and no encoded `/` (`%2F`): our IRIs have neither, and each reads as
another path to some readers.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_PARTS = re.compile(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.S)
"""RFC 3986 Appendix B."""
_RELATIVE = re.compile(r"()(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.S)
"""The same, for a reference whose first segment holds a colon but no valid scheme."""
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HOST_PORT = re.compile(r"(\[[^\]]*\]|[^:\[\]]*)(?::([0-9]*))?")
_DEFAULT_PORTS = {"http": "80", "https": "443"}


class Parts(NamedTuple):
    """The five components of an IRI reference (None: the component is absent)."""

    scheme: str | None
    authority: str | None
    path: str
    query: str | None
    fragment: str | None

    def __str__(self) -> str:
        text = "" if self.scheme is None else f"{self.scheme}:"
        if self.authority is not None:
            text += f"//{self.authority}"
        text += self.path
        if self.query is not None:
            text += f"?{self.query}"
        if self.fragment is not None:
            text += f"#{self.fragment}"
        return text


def split(reference: str) -> Parts:
    """The components of an IRI reference."""
    match = _PARTS.fullmatch(reference)
    assert match is not None  # the pattern matches every string
    if match.group(1) is not None and not _SCHEME.fullmatch(match.group(1)):
        match = _RELATIVE.fullmatch(reference)
        assert match is not None
    scheme, authority, path, query, fragment = match.groups()
    return Parts(scheme or None, authority, path, query, fragment)


def is_absolute(reference: str) -> bool:
    return split(reference).scheme is not None


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


def resolve(base: str, reference: str) -> str:
    """The IRI a reference denotes against an absolute base (RFC 3986 §5.2.2)."""
    ref, root = split(reference), split(base)
    if ref.scheme is not None:
        return str(ref._replace(path=remove_dot_segments(ref.path)))
    if ref.authority is not None:
        return str(ref._replace(scheme=root.scheme, path=remove_dot_segments(ref.path)))
    if not ref.path:
        query = ref.query if ref.query is not None else root.query
        return str(root._replace(query=query, fragment=ref.fragment))
    if ref.path.startswith("/"):
        path = ref.path
    elif root.authority is not None and not root.path:
        path = "/" + ref.path
    else:
        path = root.path[: root.path.rfind("/") + 1] + ref.path
    return str(
        root._replace(path=remove_dot_segments(path), query=ref.query, fragment=ref.fragment)
    )


def _percent(text: str) -> str:
    """Percent-encodings upper-cased, and decoded where they encode an unreserved character."""

    def one(match: re.Match[str]) -> str:
        character = chr(int(match.group(1), 16))
        return character if character in _UNRESERVED else f"%{match.group(1).upper()}"

    return _PERCENT.sub(one, text)


def normalize(iri: str) -> str:
    """The normal form of an IRI (RFC 3986 §6.2.2 syntax-based, §6.2.3 for http(s)); the user
    information, the query and the fragment are kept but for percent-encoding."""
    parts = split(iri)
    scheme = parts.scheme.lower() if parts.scheme is not None else None
    authority = parts.authority
    if authority is not None:
        userinfo, at, hostport = authority.rpartition("@")
        found = _HOST_PORT.fullmatch(hostport)
        if found is not None:  # else left as it is: not an authority we can read
            host, port = found.group(1), found.group(2) or ""
            if port == _DEFAULT_PORTS.get(scheme or ""):
                port = ""  # also "host:", an empty port
            hostport = _percent(host).lower() + (f":{port}" if port else "")
        authority = f"{_percent(userinfo)}{at}{hostport}"
    path = _percent(parts.path)
    if authority is not None or path.startswith("/"):  # a hierarchical path
        path = remove_dot_segments(path)
    if authority is not None and not path and scheme in _DEFAULT_PORTS:
        path = "/"
    return str(
        Parts(
            scheme,
            authority,
            path,
            None if parts.query is None else _percent(parts.query),
            None if parts.fragment is None else _percent(parts.fragment),
        )
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
