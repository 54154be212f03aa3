"""API tokens: bearer secrets with a role, shown once at creation and stored hashed.

Roles are ordered: reader < contributor < curator < admin; a token may do what its role and
every lower role may. Tokens live in the database (`database`), so that the CLI can create or
revoke them while the service runs, and every process of a deployment knows them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from commonsgraph.database import Database
from commonsgraph.database.tables import token as table
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
    """Tokens in the database (`database.tables.token`)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def create(self, role: str, label: str = "") -> tuple[Token, str]:
        """A new token and its secret (the only time the secret is known)."""
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        token_id = secrets.token_hex(4)
        secret = f"{PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"
        token = Token(token_id, role, label, datetime.now(UTC))
        with self.database.transaction() as connection:
            connection.execute(
                insert(table).values(
                    id=token.id, digest=_digest(secret), role=role, label=label,
                    created=token.created.isoformat(), revoked=None,
                )
            )  # fmt: skip
        return token, secret

    def revoke(self, token_id: str) -> Token:
        with self.database.transaction() as connection:
            updated = connection.execute(
                update(table)
                .where(table.c.id == token_id, table.c.revoked.is_(None))
                .values(revoked=datetime.now(UTC).isoformat())
            ).rowcount
        token = self.get(token_id)
        if token is None or not updated:
            raise NotFound(f"no active token {token_id!r}")
        return token

    def get(self, token_id: str) -> Token | None:
        with self.database.transaction() as connection:
            row = connection.execute(select(*_COLUMNS).where(table.c.id == token_id)).first()
        return None if row is None else _token(tuple(row))

    def list(self) -> list[Token]:
        with self.database.transaction() as connection:
            rows = connection.execute(select(*_COLUMNS).order_by(table.c.created)).all()
        return [_token(tuple(row)) for row in rows]

    def verify(self, secret: str) -> Token | None:
        """The active token a secret belongs to, or None."""
        parts = secret.split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX:
            return None
        with self.database.transaction() as connection:
            row = connection.execute(
                select(*_COLUMNS, table.c.digest).where(table.c.id == parts[1])
            ).first()
        if row is None or not hmac.compare_digest(row[5], _digest(secret)) or row[4] is not None:
            return None
        return _token(tuple(row[:5]))


_COLUMNS = (table.c.id, table.c.role, table.c.label, table.c.created, table.c.revoked)


def _token(row: tuple[Any, ...]) -> Token:
    return Token(
        id=row[0],
        role=row[1],
        label=row[2],
        created=datetime.fromisoformat(row[3]),
        revoked=datetime.fromisoformat(row[4]) if row[4] else None,
    )
