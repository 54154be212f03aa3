"""The funding templates: offers (`data/templates/offers.csv`, one row per call or scheme) and
grants (`data/templates/grants.csv`, one row per grant awarded). docs/model.md, "Funding offers
and grants"."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from commonsgraph.importers.projects import ACTORS, STAGES, TERRITORIES
from commonsgraph.importers.sheets import Cells, Column, Statements, Template
from commonsgraph.vocab import CG, DCT, FOAF, IGEO, ORG, RDFS, SCHEMA

FUNDED = (
    CG.Project.value,
    CG.TiersLieu.value,
    CG.Commons.value,
    ORG.Organization.value,
    FOAF.Agent.value,
    IGEO.Commune.value,
    IGEO.Intercommunalite.value,
)
"""What a grant may fund: a project, a place, a commons, or an actor."""

OFFER_COLUMNS = (
    Column("slug", True, "the offer's name in its IRI, offer/{slug}"),
    Column("name", True, "the offer's name"),
    Column("description", False, "what it funds, in French"),
    Column("funder", True, "who offers it: an organisation/… or local authority path"),
    Column("programmes", False, "programme/… paths, separated by |"),
    Column(
        "eligible_organisation_kinds",
        False,
        "scheme/organisation-kind notations (association, cooperative…)",
    ),
    Column("eligible_stages", False, "scheme/stage notations (" + ", ".join(STAGES) + ")"),
    Column("eligible_regions", False, "country/FR, region/…, departement/…, subdivision/… paths"),
    Column("min_amount", False, "the smallest amount, in euros"),
    Column("max_amount", False, "the largest amount, in euros"),
    Column("valid_from", False, "when applications open, YYYY-MM-DD"),
    Column("valid_through", False, "when applications close, YYYY-MM-DD"),
    Column("homepage", False, "the http(s) page of the offer"),
)


def map_offer(cells: Cells, out: Statements) -> NamedNode | None:
    key = cells.slug("slug")
    name = cells.text("name", required=True)
    description = cells.text("description", language="fr")
    funder = cells.ref("funder", ACTORS, "an organisation or a local authority", required=True)
    programmes = cells.refs("programmes", (CG.Programme.value,), "a programme")
    kinds = cells.concepts("eligible_organisation_kinds", "organisation-kind")
    stages = cells.concepts("eligible_stages", "stage")
    regions = cells.refs("eligible_regions", TERRITORIES, "a country or a territory")
    low = cells.amount("min_amount")
    high = cells.amount("max_amount")
    if low is not None and high is not None and float(low.value) > float(high.value):
        cells.fail("min_amount", f"{low.value} is more than max_amount ({high.value})")
    opens = cells.when("valid_from", day_only=True)
    closes = cells.when("valid_through", day_only=True)
    if opens is not None and closes is not None and closes.value < opens.value:
        cells.fail("valid_through", f"{closes.value} is before valid_from ({opens.value})")
    homepage = cells.url("homepage")
    if key is None:
        return None
    offer = cells.minter.iri(f"offer/{key}")
    out.typed(offer, (CG.FundingOffer,), "funding offers")
    out.add(offer, RDFS.label, name)
    out.add(offer, SCHEMA.description, description)
    out.add(offer, SCHEMA.offeredBy, funder)
    out.each(offer, CG.programme, programmes)
    out.each(offer, CG.eligibleOrganisationKind, kinds)
    out.each(offer, CG.eligibleStage, stages)
    out.each(offer, SCHEMA.eligibleRegion, regions)
    out.add(offer, CG.minAmount, low)
    out.add(offer, CG.maxAmount, high)
    out.add(offer, SCHEMA.validFrom, opens)
    out.add(offer, SCHEMA.validThrough, closes)
    out.add(offer, FOAF.homepage, homepage)
    return offer


OFFERS = Template(
    kind="offers",
    title_fr="Offres de financement",
    title_en="Funding offers",
    columns=OFFER_COLUMNS,
    mapping=map_offer,
)

GRANT_COLUMNS = (
    Column("slug", True, "the grant's name in its IRI, grant/{slug}"),
    Column("name", False, "a label for the grant"),
    Column("funder", True, "who gives it: an organisation/… or local authority path"),
    Column("funded_item", True, "what it funds: project/…, tiers-lieu/…, commons/… or an actor"),
    Column("beneficiary", False, "the organisation that receives it, organisation/…"),
    Column("amount", True, "the amount, in euros"),
    Column("date", True, "when it was awarded: YYYY-MM-DD, YYYY-MM or YYYY"),
    Column("programme", False, "the programme/… it comes under"),
    Column("offer", False, "the offer/… it was awarded under"),
    Column("source", False, "the http(s) page that publishes it"),
)


def map_grant(cells: Cells, out: Statements) -> NamedNode | None:
    key = cells.slug("slug")
    name = cells.text("name")
    funder = cells.ref("funder", ACTORS, "an organisation or a local authority", required=True)
    funded = cells.ref(
        "funded_item", FUNDED, "a project, a place, a commons or an actor", required=True
    )
    beneficiary = cells.ref("beneficiary", ACTORS, "an organisation or a local authority")
    amount = cells.amount("amount", required=True)
    if amount is not None and float(amount.value) <= 0:
        cells.fail("amount", "a grant's amount is more than 0")
    when = cells.when("date", required=True)
    programme = cells.ref("programme", (CG.Programme.value,), "a programme")
    offer = cells.ref("offer", (CG.FundingOffer.value,), "a funding offer")
    source = cells.url("source")
    if key is None:
        return None
    grant = cells.minter.iri(f"grant/{key}")
    out.typed(grant, (SCHEMA.MonetaryGrant,), "grants")
    out.add(grant, RDFS.label, name)
    out.add(grant, SCHEMA.funder, funder)
    out.add(grant, SCHEMA.fundedItem, funded)
    out.add(grant, CG.beneficiary, beneficiary)
    out.add(grant, SCHEMA.amount, amount)
    out.add(grant, SCHEMA.currency, Literal("EUR"))
    out.add(grant, DCT.date, when)
    out.add(grant, CG.programme, programme)
    out.add(grant, CG.offer, offer)
    out.add(grant, DCT.source, source)
    return grant


GRANTS = Template(
    kind="grants",
    title_fr="Subventions attribuées",
    title_en="Grants awarded",
    columns=GRANT_COLUMNS,
    mapping=map_grant,
)
