"""Our service as an app factory for `granian --factory service_app:app` (the bench's
comparison of HTTP servers): the store named by the COMMONSGRAPH_* variables, opened in
granian's worker process."""

from __future__ import annotations

from fastapi import FastAPI

from commonsgraph.config import Settings
from commonsgraph.store import open_store
from commonsgraph.web import create_app


def app() -> FastAPI:
    settings = Settings.from_env()
    return create_app(settings, open_store(settings))
