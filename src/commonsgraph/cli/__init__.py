"""The `commonsgraph` command: parse arguments, call the library, print, set the exit code.

Exit codes: 0 success, 1 the command ran but found problems (violations), 2 bad input or usage,
3 the store is unavailable (locked by another process).
"""

from commonsgraph.cli import curation, data, database, partners, service  # noqa: F401
from commonsgraph.cli.base import main

__all__ = ["main"]
