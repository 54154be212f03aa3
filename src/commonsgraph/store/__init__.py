"""Triple stores: the protocol (`base.Store`) and its backends; `open_store` picks one."""

from __future__ import annotations

from pyoxigraph import NamedNode

from commonsgraph.config import Settings
from commonsgraph.store.base import (
    Bindings,
    GraphChange,
    GraphName,
    QueryRequest,
    Row,
    Serialized,
    SharedVersion,
    Store,
    Term,
    UpdateDataset,
    data_update,
    lexical,
)
from commonsgraph.store.endpoints import Endpoints
from commonsgraph.store.local import LocalStore
from commonsgraph.store.union import Union

__all__ = [
    "Bindings",
    "Endpoints",
    "GraphChange",
    "GraphName",
    "LocalStore",
    "QueryRequest",
    "Row",
    "Serialized",
    "SharedVersion",
    "Store",
    "Term",
    "Union",
    "UpdateDataset",
    "data_update",
    "lexical",
    "open_store",
    "union_of",
]


def open_store(settings: Settings) -> Store:
    """The one place where a backend is chosen from the settings."""
    if settings.store is not None:
        from commonsgraph.store.remote import RemoteStore

        union = union_of(settings)
        listed = sorted(union.graphs or ()) if union is not None else []
        endpoints = Endpoints.of(
            settings.store,
            settings.store_profile,
            query=settings.store_query_url,
            update=settings.store_update_url,
            graph_store=settings.store_graph_store_url,
            replicas=settings.store_replicas,
            user=settings.store_user,
            password=settings.store_password,
            digest=settings.store_digest,
        )
        return RemoteStore(
            endpoints,
            timeout=max(settings.store_timeout, settings.query_timeout + 5),
            default_graphs=tuple(NamedNode(g) for g in listed),
            connect_timeout=settings.store_connect_timeout,
            connections=settings.store_connections,
            read_primary=settings.store_read_primary,
            busy_wait=settings.query_busy_wait,
        )
    return LocalStore(
        settings.store_path,
        query_workers=settings.query_workers,
        busy_wait=settings.query_busy_wait,
        query_memory=settings.max_query_memory_bytes,
        union=union_of(settings),
    )


def union_of(settings: Settings) -> Union | None:
    """The merge the store keeps as its default graph, or None in the standard setting."""
    if settings.standard_default_graph:
        return None
    return Union(frozenset(settings.default_graphs) or None)
