"""The projects template (`data/templates/projects.csv`): one row per project, from the idea to
the opening of a place, with the date and source of each stage it reached (docs/model.md,
"Projects and their stage history")."""

from __future__ import annotations

from pyoxigraph import NamedNode

from commonsgraph.importers.sheets import Cells, Column, Statements, Template
from commonsgraph.vocab import CG, DCT, FOAF, IGEO, ORG, PROV, RDFS, SCHEMA

STAGES = ("idea", "prefiguration", "building-site", "open", "closed")
"""The notations of scheme/stage, in their order; each has a date and a source column."""

ACTORS = (ORG.Organization.value, FOAF.Agent.value, IGEO.Commune.value,
          IGEO.Intercommunalite.value, IGEO.Departement.value, IGEO.Region.value)  # fmt: skip
"""What may hold a project: an organisation or a local authority."""

TERRITORIES = (IGEO.Commune.value, IGEO.ArrondissementMunicipal.value,
               IGEO.Intercommunalite.value, IGEO.Departement.value, IGEO.Region.value,
               SCHEMA.AdministrativeArea.value, SCHEMA.Country.value)  # fmt: skip


def _column(stage: str) -> str:
    return stage.replace("-", "_")


COLUMNS = (
    Column("slug", True, "the project's name in its IRI, project/{slug}"),
    Column("name", True, "the project's name"),
    Column("description", False, "what the project is, in French"),
    Column("holders", False, "who holds it: organisation/… or commune/… paths, separated by |"),
    Column(
        "territory", False, "commune/{INSEE}, epci/{SIREN}, departement/…, region/…, subdivision/…"
    ),
    Column("programmes", False, "programme/… paths (programme/petites-villes-de-demain)"),
    Column("stage", True, "its current stage: " + ", ".join(STAGES)),
    *(
        column
        for stage in STAGES
        for column in (
            Column(
                f"{_column(stage)}_date",
                False,
                f"when it reached {stage}: YYYY-MM-DD, YYYY-MM or YYYY",
            ),
            Column(f"{_column(stage)}_source", False, f"the http(s) page that says so ({stage})"),
        )
    ),
    Column("place", False, "the tiers-lieu it became, tiers-lieu/… (once open)"),
)


def map_project(cells: Cells, out: Statements) -> NamedNode | None:
    key = cells.slug("slug")
    project = cells.minter.iri(f"project/{key}") if key else None
    name = cells.text("name", required=True)
    description = cells.text("description", language="fr")
    holders = cells.refs("holders", ACTORS, "an organisation or a local authority")
    territory = cells.refs(
        "territory", TERRITORIES, "a commune, EPCI, département, région or unit abroad"
    )
    programmes = cells.refs("programmes", (CG.Programme.value,), "a programme")
    stage = cells.concept("stage", "stage", required=True)
    place = cells.ref("place", (CG.TiersLieu.value,), "a tiers-lieu")
    changes = []
    for notation in STAGES:
        when = cells.when(f"{_column(notation)}_date")
        source = cells.url(f"{_column(notation)}_source")
        if source is not None and when is None:
            cells.fail(
                f"{_column(notation)}_source",
                f"a source for the stage {notation}, which has no date",
            )
        if when is not None:
            changes.append((when, notation, source))
    changes.sort(key=lambda change: change[0].value)
    if changes and stage is not None and cells.lookup.concepts("stage")[changes[-1][1]] != stage:
        cells.fail(
            "stage",
            f"not the latest dated stage ({changes[-1][1]}, {changes[-1][0].value})",
        )
    if project is None:
        return None
    out.typed(project, (CG.Project,), "projects")
    out.add(project, RDFS.label, name)
    out.add(project, SCHEMA.description, description)
    out.each(project, CG.holder, holders)
    out.each(project, SCHEMA.location, territory)
    out.each(project, CG.programme, programmes)
    out.add(project, CG.stage, stage)
    out.add(project, PROV.generated, place)
    for number, (when, notation, source) in enumerate(changes, 1):
        change = cells.minter.part(project, f"stage-{number}")
        out.add(project, CG.stageChange, change)
        out.typed(change, (CG.StageChange,), "stage changes")
        out.add(change, CG.stage, cells.lookup.concepts("stage")[notation])
        out.add(change, PROV.atTime, when)
        out.add(change, DCT.source, source)
    return project


PROJECTS = Template(
    kind="projects",
    title_fr="Projets de tiers-lieux",
    title_en="Third-place projects",
    columns=COLUMNS,
    mapping=map_project,
)
