"""The spreadsheet templates a programme team fills in, by the name of their `import` command
(each shipped as data/templates/{kind}.csv; importers/sheets.py says how they are read)."""

from __future__ import annotations

from commonsgraph.importers.content import ARTICLES, DOSSIERS
from commonsgraph.importers.funding import GRANTS, OFFERS
from commonsgraph.importers.projects import PROJECTS
from commonsgraph.importers.sheets import Template

TEMPLATES: dict[str, Template] = {
    template.kind: template for template in (PROJECTS, OFFERS, GRANTS, ARTICLES, DOSSIERS)
}
"""In loading order: grants name projects and offers, dossiers name articles."""
