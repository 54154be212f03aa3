"""Settings: the only place that reads the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from commonsgraph.errors import ConfigError

DEFAULT_BASE_IRI = "https://w3id.org/commonsgraph/"


def _resources_dir() -> Path:
    """Where the project's own files (ontology/, data/, shapes/, queries/) are.

    In a wheel they are packaged under commonsgraph/resources; in a source checkout (and an
    editable install) they are at the repository root.
    """
    packaged = Path(__file__).parent / "resources"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    """Everything commonsgraph can be configured with.

    Build it with `Settings.from_env()` in programs, or directly in tests.
    """

    data_dir: Path | None = Path("var")
    """Where the embedded store lives (`<data_dir>/store`); None keeps everything in memory."""

    base_iri: str = DEFAULT_BASE_IRI
    """The canonical base of every IRI the project mints."""

    host: str = "127.0.0.1"
    port: int = 8000
    resources_dir: Path = field(default_factory=_resources_dir)

    def __post_init__(self) -> None:
        if not self.base_iri.startswith(("http://", "https://")) or not self.base_iri.endswith("/"):
            raise ConfigError(
                "COMMONSGRAPH_BASE_IRI must be an http(s) IRI ending with '/', "
                f"got {self.base_iri!r}"
            )
        if not 0 < self.port < 65536:
            raise ConfigError(f"the port must be between 1 and 65535, got {self.port}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read COMMONSGRAPH_* variables (from `os.environ` unless `env` is given)."""
        env = os.environ if env is None else env
        settings = cls()
        if "COMMONSGRAPH_DATA_DIR" in env:
            value = env["COMMONSGRAPH_DATA_DIR"]
            settings = replace(settings, data_dir=None if value == ":memory:" else Path(value))
        if "COMMONSGRAPH_BASE_IRI" in env:
            settings = replace(settings, base_iri=env["COMMONSGRAPH_BASE_IRI"])
        if "COMMONSGRAPH_HOST" in env:
            settings = replace(settings, host=env["COMMONSGRAPH_HOST"])
        if "COMMONSGRAPH_PORT" in env:
            try:
                port = int(env["COMMONSGRAPH_PORT"])
            except ValueError:
                raise ConfigError(
                    f"COMMONSGRAPH_PORT must be an integer, got {env['COMMONSGRAPH_PORT']!r}"
                ) from None
            settings = replace(settings, port=port)
        return settings

    @property
    def store_path(self) -> Path | None:
        return None if self.data_dir is None else self.data_dir / "store"

    def resource(self, *parts: str) -> Path:
        """A path inside the project's own files, e.g. `resource("data", "seed.ttl")`."""
        return self.resources_dir.joinpath(*parts)
