"""API tokens: bearer secrets with a role, shown once at creation and stored hashed.

Roles are ordered: reader < contributor < curator < admin; a token may do what its role and
every lower role may. Tokens live in a SQLite file in the data directory, so that the CLI can
create or revoke them while the service runs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from commonsgraph.database import connect
from commonsgraph.errors import InputError, NotFound

ROLES = ("reader", "contributor", "curator", "admin")
PREFIX = "cg"


@dataclass(frozen=True)
class Token:
    id: str
    role: str
    label: str
    created: datetime
    revoked: datetime | None = None

    def allows(self, role: str) -> bool:
        """Whether this token may act with `role`."""
        return self.revoked is None and ROLES.index(self.role) >= ROLES.index(role)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenStore:
    """Tokens in a SQLite database (in memory when `path` is None)."""

    def __init__(self, path: Path | None) -> None:
        self._db = connect(
            path,
            """CREATE TABLE IF NOT EXISTS tokens (
                 id TEXT PRIMARY KEY, digest TEXT NOT NULL, role TEXT NOT NULL,
                 label TEXT NOT NULL, created TEXT NOT NULL, revoked TEXT)""",
        )
        self._lock = threading.Lock()

    def create(self, role: str, label: str = "") -> tuple[Token, str]:
        """A new token and its secret (the only time the secret is known)."""
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        token_id = secrets.token_hex(4)
        secret = f"{PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"
        token = Token(token_id, role, label, datetime.now(UTC))
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO tokens VALUES (?, ?, ?, ?, ?, NULL)",
                (token.id, _digest(secret), role, label, token.created.isoformat()),
            )
        return token, secret

    def revoke(self, token_id: str) -> Token:
        with self._lock, self._db:
            updated = self._db.execute(
                "UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL",
                (datetime.now(UTC).isoformat(), token_id),
            ).rowcount
        token = self.get(token_id)
        if token is None or not updated:
            raise NotFound(f"no active token {token_id!r}")
        return token

    def get(self, token_id: str) -> Token | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, role, label, created, revoked FROM tokens WHERE id = ?", (token_id,)
            ).fetchone()
        return None if row is None else _token(row)

    def list(self) -> list[Token]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, role, label, created, revoked FROM tokens ORDER BY created"
            ).fetchall()
        return [_token(row) for row in rows]

    def verify(self, secret: str) -> Token | None:
        """The active token a secret belongs to, or None."""
        parts = secret.split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT id, role, label, created, revoked, digest FROM tokens WHERE id = ?",
                (parts[1],),
            ).fetchone()
        if row is None or not hmac.compare_digest(row[5], _digest(secret)) or row[4] is not None:
            return None
        return _token(row[:5])

    def close(self) -> None:
        self._db.close()


def _token(row: tuple[str, str, str, str, str | None]) -> Token:
    return Token(
        id=row[0],
        role=row[1],
        label=row[2],
        created=datetime.fromisoformat(row[3]),
        revoked=datetime.fromisoformat(row[4]) if row[4] else None,
    )
