"""IRIs as RFC 3986 reads them: resolving a reference against a base, and normalising.

A check on an IRI (an allow-list, an ownership rule) must look at the IRI that will be used,
not at one of its spellings: `http://partner/p/../../x`, `http://PARTNER:80/p/%2E%2E/x` and
`http://partner/x` name the same resource. `normalize` gives the one spelling the checks
compare and the callers then use (RFC 3986 §6.2.2: case, percent-encoding, dot segments; §6.2.3:
the scheme's default port, an empty http(s) path).
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
    """The normal spelling of an absolute IRI (RFC 3986 §6.2.2 and §6.2.3).

    Scheme and host in lower case, percent-encodings of unreserved characters decoded and the
    others upper-cased, dot segments removed, the scheme's default port and an empty http(s)
    path made explicit the one way. Anything else (user information, the query, the fragment)
    is kept as it is but for percent-encoding.
    """
    parts = split(iri)
    scheme = parts.scheme.lower() if parts.scheme is not None else None
    authority = parts.authority
    if authority is not None:
        userinfo, at, hostport = authority.rpartition("@")
        host, colon, port = hostport.rpartition(":") if ":" in hostport else (hostport, "", "")
        if host.startswith("[") and not host.endswith("]"):  # an IPv6 address without a port
            host, colon, port = hostport, "", ""
        if colon and port.isdigit() and _DEFAULT_PORTS.get(scheme or "") == port.lstrip("0"):
            colon = port = ""
        elif colon and not port:
            colon = ""
        authority = f"{_percent(userinfo)}{at}{_percent(host).lower()}{colon}{port}"
    path = remove_dot_segments(_percent(parts.path))
    if not path and authority is not None and scheme in _DEFAULT_PORTS:
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
