"""What the routes depend on, declared: each object the service builds once (`create_app`) and
keeps on `app.state`, as a FastAPI dependency of the routes that use it.

The routers that use these are module-level and hold no state of their own: a route names what
it needs in its signature (`contributions: Workflow`), and every app built by `create_app` (each
test builds its own) serves its own objects through the same routes. (apidocs, catalog,
datasets, graph_store and named_queries still build a router around their objects.)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from commonsgraph.config import Settings
from commonsgraph.contributions import Contributions
from commonsgraph.forms import Forms
from commonsgraph.partners import Partners
from commonsgraph.reconcile.service import ReconciliationService
from commonsgraph.store import Store
from commonsgraph.textindex import SearchIndex
from commonsgraph.web.curation import Curation


def settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found


def contributions(request: Request) -> Contributions:
    found: Contributions = request.app.state.contributions
    return found


def curation(request: Request) -> Curation:
    found: Curation = request.app.state.curation
    return found


def partners(request: Request) -> Partners:
    found: Partners = request.app.state.partners
    return found


Configured = Annotated[Settings, Depends(settings)]
Workflow = Annotated[Contributions, Depends(contributions)]
Curating = Annotated[Curation, Depends(curation)]
Partnering = Annotated[Partners, Depends(partners)]


def store(request: Request) -> Store:
    found: Store = request.app.state.store
    return found


Stored = Annotated[Store, Depends(store)]


def templates(request: Request) -> Jinja2Templates:
    found: Jinja2Templates = request.app.state.templates
    return found


Templating = Annotated[Jinja2Templates, Depends(templates)]


def search_index(request: Request) -> SearchIndex:
    found: SearchIndex = request.app.state.search
    return found


Indexed = Annotated[SearchIndex, Depends(search_index)]


def reconciliation(request: Request) -> ReconciliationService:
    found: ReconciliationService = request.app.state.reconciliation
    return found


Reconciling = Annotated[ReconciliationService, Depends(reconciliation)]


def forms(request: Request) -> Forms:
    found: Forms = request.app.state.forms
    return found


Shaped = Annotated[Forms, Depends(forms)]
