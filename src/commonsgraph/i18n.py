"""The interface's two languages: the words pages use, which language a reader gets, and
numbers, sizes and dates written as the reader's language writes them.

Numbers and dates come from Babel (the CLDR's rules: `347 934` with a narrow no-break space in
French, `347,934` in English; `6 déc. 2026`, `Dec 6, 2026`). Weighed against writing them here:
Babel is a 36 MB install, mostly the CLDR data of every locale, and takes about 40 ms to load
its two locales on first use; the rules it gives (grouping characters, byte units, month names
in both languages) are what the pages got wrong when each template formatted on its own.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from babel.units import format_unit

LANGUAGES = ("fr", "en")

WORDS: dict[str, dict[str, str]] = {
    "tagline": {
        "fr": "Un graphe de connaissances ouvert des tiers-lieux, de leurs acteurs et réseaux, et des communs qu'ils produisent.",
        "en": "An open knowledge graph of tiers-lieux, their actors and networks, and the commons they produce.",
    },
    "home": {"fr": "Accueil", "en": "Home"},
    "search": {"fr": "Rechercher", "en": "Search"},
    "search_placeholder": {
        "fr": "Un lieu, une commune, une licence…",
        "en": "A place, a commune, a licence…",
    },
    "search_results": {"fr": "Résultats de la recherche", "en": "Search results"},
    "search_for": {"fr": " : « {q} »", "en": ": “{q}”"},
    "no_results": {"fr": "Aucun résultat.", "en": "No results."},
    "results_shown": {
        "fr": "Résultats {first} à {last} sur {total}",
        "en": "Results {first} to {last} of {total}",
    },
    "facets": {"fr": "Affiner", "en": "Refine"},
    "pages": {"fr": "Pages", "en": "Pages"},
    "facet_kind": {"fr": "Nature", "en": "Kind"},
    "facet_typology": {"fr": "Typologie", "en": "Typology"},
    "facet_region": {"fr": "Région", "en": "Region"},
    "facet_departement": {"fr": "Département", "en": "Département"},
    "facet_country": {"fr": "Pays", "en": "Country"},
    "facet_programme": {"fr": "Programme", "en": "Programme"},
    "facet_licence-family": {"fr": "Famille de licence", "en": "Licence family"},
    "query_editor": {"fr": "Éditeur SPARQL", "en": "SPARQL editor"},
    "api": {"fr": "Documentation de l'API", "en": "API documentation"},
    "service_description": {
        "fr": "Description du service (Turtle, à télécharger)",
        "en": "Service description (Turtle, download)",
    },
    "dumps": {"fr": "Téléchargements", "en": "Downloads"},
    "catalogue": {
        "fr": "Catalogue des jeux de données (DCAT-AP)",
        "en": "Dataset catalogue (DCAT-AP)",
    },
    "dumps_help": {
        "fr": "Chaque graphe public, à télécharger entier (N-Quads compressés) ou un par un (Turtle). Tout graphe de ce service est public, y compris ceux qu'écrit une mise à jour SPARQL.",
        "en": "Every public graph, to download whole (gzipped N-Quads) or one by one (Turtle). Every graph of this service is public, those a SPARQL Update writes too.",
    },
    "dumps_full": {"fr": "tous les graphes publics", "en": "every public graph"},
    "graph": {"fr": "Graphe", "en": "Graph"},
    "file": {"fr": "Fichier", "en": "File"},
    "size": {"fr": "Taille", "en": "Size"},
    "size_later": {"fr": "écrit au premier téléchargement", "en": "written when first downloaded"},
    "no_licence_stated": {"fr": "non indiquée", "en": "not stated"},
    "graph_direct": {
        "fr": "(écrit par une mise à jour SPARQL ou le protocole Graph Store, sans provenance : public)",
        "en": "(written by a SPARQL Update or the Graph Store protocol, without provenance: public)",
    },
    "modified": {"fr": "modifié le", "en": "modified on"},
    "dataset": {"fr": "Description du jeu de données (VoID)", "en": "Dataset description (VoID)"},
    "dataset_page": {"fr": "Le jeu de données en chiffres", "en": "The dataset in numbers"},
    "void_help": {
        "fr": "Statistiques calculées sur l'union des graphes publics (la description VoID, lue par les portails et les moissonneurs, est aussi offerte en RDF ci-dessous).",
        "en": "Statistics computed over the merge of the public graphs (the VoID description that portals and harvesters read is offered in RDF below too).",
    },
    "subjects": {"fr": "sujets distincts", "en": "distinct subjects"},
    "objects": {"fr": "objets distincts", "en": "distinct objects"},
    "class": {"fr": "Classe", "en": "Class"},
    "resources": {"fr": "ressources", "en": "resources"},
    "per_property": {"fr": "Par propriété", "en": "Per property"},
    "holds": {"fr": "Ce que contient le graphe", "en": "What the graph holds"},
    "per_class": {"fr": "Par classe", "en": "Per class"},
    "per_typology": {"fr": "Tiers-lieux par typologie", "en": "Tiers-lieux per typology"},
    "per_region": {"fr": "Tiers-lieux par région", "en": "Tiers-lieux per region"},
    "per_country": {"fr": "Tiers-lieux par pays", "en": "Tiers-lieux per country"},
    "statements": {"fr": "énoncés", "en": "statements"},
    "entry_points": {"fr": "Points d'entrée", "en": "Entry points"},
    "properties": {"fr": "Propriétés", "en": "Properties"},
    "incoming": {"fr": "Ressources qui y renvoient", "en": "Resources that link here"},
    "next": {"fr": "Suivant", "en": "Next"},
    "previous": {"fr": "Précédent", "en": "Previous"},
    "first": {"fr": "Première page", "en": "First page"},
    "last": {"fr": "Dernière page", "en": "Last page"},
    "page": {"fr": "page", "en": "page"},
    "sources": {"fr": "Sources et provenance", "en": "Sources and provenance"},
    "source": {"fr": "source", "en": "source"},
    "loaded": {"fr": "chargé le", "en": "loaded on"},
    "licence": {"fr": "licence", "en": "licence"},
    "other_formats": {"fr": "Autres formats", "en": "Other formats"},
    "colon": {"fr": " : ", "en": ": "},  # French sets a space before the colon
    "map": {"fr": "Carte", "en": "Map"},
    "map_of": {"fr": "Carte de", "en": "Map of"},
    "map_unavailable": {
        "fr": "Fond de carte indisponible : seuls les contours des pays et les positions sont affichés.",
        "en": "Map background unavailable: only the countries' outlines and the positions are shown.",
    },
    "typology": {"fr": "Typologie", "en": "Typology"},
    "themes": {"fr": "Thématiques", "en": "Themes"},
    "stage": {"fr": "Stade", "en": "Stage"},
    "address": {"fr": "Adresse", "en": "Address"},
    "commune": {"fr": "Commune", "en": "Commune"},
    "region": {"fr": "Région", "en": "Region"},
    "actors": {"fr": "Acteurs et rôles", "en": "Actors and roles"},
    "since": {"fr": "depuis", "en": "since"},
    "until": {"fr": "jusqu'à", "en": "until"},
    "networks": {"fr": "Réseaux", "en": "Networks"},
    "programmes": {"fr": "Programmes", "en": "Programmes"},
    "commons_produced": {"fr": "Communs produits", "en": "Commons produced"},
    "permits": {"fr": "Permet", "en": "Permits"},
    "requires": {"fr": "Exige", "en": "Requires"},
    "prohibits": {"fr": "Interdit", "en": "Prohibits"},
    "limitations": {"fr": "Limitations", "en": "Limitations"},
    "family": {"fr": "Famille", "en": "Family"},
    "verdicts": {
        "fr": "Réutiliser sous une autre licence",
        "en": "Reusing under another licence",
    },
    "verdicts_note": {
        "fr": "Adapter : une œuvre dérivée peut-elle être publiée sous cette licence ? Inclure : l'œuvre inchangée peut-elle entrer dans une œuvre plus large sous cette licence, en gardant la sienne ? Chaque réponse cite la règle qui la donne ; pour toute autre paire, la requête licence-compatibility répond.",
        "en": "Adapt: may a derivative be published under that licence? Include: may the unmodified work go into a larger work under that licence, keeping its own? Each answer names the rule that gives it; the licence-compatibility query answers for any other pair.",
    },
    "towards": {"fr": "Vers", "en": "Towards"},
    "adapt": {"fr": "Adapter", "en": "Adapt"},
    "combine": {"fr": "Inclure", "en": "Include"},
    "verdict_allowed": {"fr": "oui", "en": "yes"},
    "verdict_conditional": {"fr": "oui, si", "en": "yes, if"},
    "verdict_forbidden": {"fr": "non", "en": "no"},
    "verdict_unknown": {"fr": "on ne sait pas", "en": "unknown"},
    "browse_places": {"fr": "Parcourir, filtrer, télécharger", "en": "Browse, filter, download"},
    "places_of": {"fr": "Tiers-lieux de", "en": "Tiers-lieux of"},
    "places_count": {
        "fr": "{count} sur {total} tiers-lieux",
        "en": "{count} of {total} tiers-lieux",
    },
    "find_resource": {"fr": "Trouver une ressource", "en": "Find a resource"},
    "find_resource_help": {
        "fr": "Tapez un nom, puis choisissez : son IRI est insérée dans la requête, au curseur.",
        "en": "Type a name, then pick one: its IRI is inserted in the query, at the cursor.",
    },
    "list_places": {"fr": "Tiers-lieux", "en": "Tiers-lieux"},
    "list_members": {"fr": "Membres", "en": "Members"},
    "list_commons": {"fr": "Communs", "en": "Commons"},
    "list_projects": {"fr": "Projets", "en": "Projects"},
    "list_offers": {"fr": "Offres de financement", "en": "Funding offers"},
    "list_grants": {"fr": "Subventions", "en": "Grants"},
    "projects_of": {"fr": "Projets de", "en": "Projects of"},
    "offers_of": {"fr": "Offres de financement de", "en": "Funding offers of"},
    "grants_of": {"fr": "Subventions de", "en": "Grants of"},
    "projects_count": {
        "fr": "{count} sur {total} projets",
        "en": "{count} of {total} projects",
    },
    "offers_count": {
        "fr": "{count} sur {total} offres de financement",
        "en": "{count} of {total} funding offers",
    },
    "grants_count": {
        "fr": "{count} sur {total} subventions",
        "en": "{count} of {total} grants",
    },
    "projects_mapped": {
        "fr": "Un projet figure sur la carte au tiers-lieu qu'il est devenu ; sinon, il n'y figure pas.",
        "en": "A project is mapped at the tiers-lieu it became; otherwise, it is not mapped.",
    },
    "grants_mapped": {
        "fr": "Une subvention figure sur la carte au tiers-lieu qu'elle finance (ou que son projet est devenu) ; sinon, elle n'y figure pas.",
        "en": "A grant is mapped at the tiers-lieu it funds (or that its project became); otherwise, it is not mapped.",
    },
    "members_of": {"fr": "Membres de", "en": "Members of"},
    "commons_of": {"fr": "Communs liés à", "en": "Commons linked to"},
    "members_count": {
        "fr": "{count} sur {total} membres",
        "en": "{count} of {total} members",
    },
    "commons_count": {
        "fr": "{count} sur {total} communs",
        "en": "{count} of {total} commons",
    },
    "members_mapped": {
        "fr": "Un membre figure sur la carte au tiers-lieu où il tient un rôle ; sans rôle connu, il n'y figure pas.",
        "en": "A member is mapped at the tiers-lieu where it holds a role; without a known role, it is not mapped.",
    },
    "commons_mapped": {
        "fr": "Un commun figure sur la carte au tiers-lieu qui l'a produit ; sinon, il n'y figure pas.",
        "en": "A commons is mapped at the tiers-lieu that produced it; otherwise, it is not mapped.",
    },
    "organisation_kind": {"fr": "Nature d'acteur", "en": "Kind of actor"},
    "commons_kind": {"fr": "Nature de commun", "en": "Kind of commons"},
    "list_place": {"fr": "Lieu", "en": "Place"},
    "programme": {"fr": "Programme", "en": "Programme"},
    "any_value": {"fr": "tous", "en": "any"},
    "sort_by": {"fr": "Trier par", "en": "Sort by"},
    "sort_name": {"fr": "nom", "en": "name"},
    "sort_commune": {"fr": "commune", "en": "commune"},
    "page_size": {"fr": "Par page", "en": "Per page"},
    "apply": {"fr": "Appliquer", "en": "Apply"},
    "name": {"fr": "Nom", "en": "Name"},
    "instances": {"fr": "Instances", "en": "Instances"},
    "definition": {"fr": "Définition", "en": "Definition"},
    "domain": {"fr": "Domaine", "en": "Domain"},
    "range": {"fr": "Portée", "en": "Range"},
    "not_found": {"fr": "Ressource introuvable", "en": "Resource not found"},
    "not_found_detail": {
        "fr": "Le graphe ne dit rien de cette ressource.",
        "en": "The graph says nothing about this resource.",
    },
    "reuse": {"fr": "Réutiliser ce commun", "en": "Reusing this commons"},
    "reuse_attribution_help": {
        "fr": "Texte d'attribution à reprendre avec le commun (titre, auteurs, source, licence), une ligne par œuvre dont il dérive :",
        "en": "Attribution to give with the commons (title, authors, source, licence), one line per work it derives from:",
    },
    "reuse_unlicensed": {
        "fr": "aucune licence : tous droits réservés. Le réutiliser demande l'autorisation de ses auteurs.",
        "en": "no licence: all rights reserved. Reusing it needs its authors' permission.",
    },
    "reuse_chain": {
        "fr": "Ce qu'exige chaque licence de la chaîne de dérivation",
        "en": "What each licence along the derivation chain asks",
    },
    "reuse_duties": {"fr": "Obligations et restrictions", "en": "Obligations and restrictions"},
    "reuse_ancestor": {"fr": "(source)", "en": "(source)"},
    "reuse_no_licence": {"fr": "aucune (tous droits réservés)", "en": "none (all rights reserved)"},
    "reuse_requires": {"fr": "exige :", "en": "requires:"},
    "reuse_prohibits": {"fr": "interdit :", "en": "prohibits:"},
    "reuse_does_not_permit": {"fr": "ne permet pas :", "en": "does not permit:"},
    "work": {"fr": "Œuvre", "en": "Work"},
    "copy_text": {"fr": "Copier le texte", "en": "Copy the text"},
    "reuse_licence": {"fr": "Licence", "en": "Licence"},
    "copied": {"fr": "Copié.", "en": "Copied."},
    "copy_failed": {
        "fr": "La copie a échoué : sélectionnez le texte.",
        "en": "Copying failed: select the text.",
    },
    "language": {"fr": "Langue", "en": "Language"},
    "skip": {"fr": "Aller au contenu", "en": "Skip to content"},
    "none": {"fr": "aucun", "en": "none"},
    "terms": {"fr": "Termes de l'ontologie", "en": "Ontology terms"},
    "contributions": {"fr": "Contributions", "en": "Contributions"},
    "contribution": {"fr": "Contribution", "en": "Contribution"},
    "queue": {"fr": "Contributions à examiner", "en": "Contributions to review"},
    "status": {"fr": "Statut", "en": "Status"},
    "status_all": {"fr": "toutes", "en": "all"},
    "status_invalid": {"fr": "invalide", "en": "invalid"},
    "status_pending": {"fr": "en attente", "en": "pending"},
    "status_accepting": {"fr": "en cours d'acceptation", "en": "being accepted"},
    "status_accepted": {"fr": "acceptée", "en": "accepted"},
    "status_rejected": {"fr": "refusée", "en": "rejected"},
    "status_reverting": {"fr": "en cours de retrait", "en": "being reverted"},
    "status_reverted": {"fr": "retirée", "en": "reverted"},
    "contributor": {"fr": "Contributeur", "en": "Contributor"},
    "submitted": {"fr": "Envoyée le", "en": "Submitted"},
    "reviewed_by": {"fr": "Examinée par", "en": "Reviewed by"},
    "reason": {"fr": "Motif", "en": "Reason"},
    "report": {"fr": "Rapport de validation", "en": "Validation report"},
    "conforms": {"fr": "Conforme aux formes.", "en": "Conforms to the shapes."},
    "does_not_conform": {"fr": "Non conforme aux formes.", "en": "Does not conform to the shapes."},
    "severity_Violation": {"fr": "violation", "en": "violation"},
    "severity_Warning": {"fr": "avertissement", "en": "warning"},
    "severity_Info": {"fr": "information", "en": "information"},
    "property": {"fr": "propriété", "en": "property"},
    "value": {"fr": "valeur", "en": "value"},
    "changes": {"fr": "Modifications du graphe public", "en": "Changes to the public graph"},
    "added": {"fr": "ajoutés", "en": "added"},
    "removed": {"fr": "retirés", "en": "removed"},
    "unchanged": {"fr": "inchangés", "en": "unchanged"},
    "kept": {"fr": "gardés des sources", "en": "kept from sources"},
    "new_resource": {"fr": "nouvelle ressource", "en": "new resource"},
    "role_reader": {"fr": "lecteur", "en": "reader"},
    "role_contributor": {"fr": "contributeur", "en": "contributor"},
    "role_curator": {"fr": "curateur", "en": "curator"},
    "role_admin": {"fr": "administrateur", "en": "administrator"},
    "rows_shown": {"fr": "Lignes affichées", "en": "Rows shown"},
    "map_changes": {"fr": "Sur la carte", "en": "On the map"},
    "map_of_changes": {
        "fr": "Carte des positions avant et après",
        "en": "Map of the positions before and after",
    },
    "move_added": {"fr": "ajouté", "en": "added"},
    "move_removed": {"fr": "position retirée", "en": "position removed"},
    "move_moved": {"fr": "déplacé", "en": "moved"},
    "move_unchanged": {"fr": "position inchangée", "en": "position unchanged"},
    "before": {"fr": "avant", "en": "before"},
    "after": {"fr": "après", "en": "after"},
    "reject_invalid": {
        "fr": "Cette contribution n'est pas conforme : elle ne peut pas être acceptée. Refusez-la en disant pourquoi, pour que son contributeur le sache.",
        "en": "This contribution does not conform: it cannot be accepted. Reject it saying why, so that its contributor knows.",
    },
    "accept": {"fr": "Accepter", "en": "Accept"},
    "reject": {"fr": "Refuser", "en": "Reject"},
    "revert": {"fr": "Retirer du graphe public", "en": "Revert"},
    "public_graph": {"fr": "Graphe public", "en": "Public graph"},
    "reading_notes": {"fr": "Remarques de lecture", "en": "Reading notes"},
    "no_contributions": {"fr": "Aucune contribution.", "en": "No contributions."},
    "sign_in": {"fr": "Se connecter", "en": "Sign in"},
    "sign_out": {"fr": "Se déconnecter", "en": "Sign out"},
    "token": {"fr": "Jeton", "en": "Token"},
    "sign_in_help": {
        "fr": "Collez un jeton de contributeur ou de curateur (créé par la commande « commonsgraph token create »). Il est gardé dans un cookie de ce site.",
        "en": "Paste a contributor or curator token (made with the command “commonsgraph token create”). It is kept in a cookie of this site.",
    },
    "unknown_token": {"fr": "Jeton inconnu ou révoqué.", "en": "Unknown or revoked token."},
    "forbidden": {"fr": "Accès refusé", "en": "Forbidden"},
    "cannot_edit": {"fr": "Modification impossible", "en": "This cannot be edited"},
    # the programme's kinds: projects, funding, content (see `kinds`)
    "territory": {"fr": "Territoire", "en": "Territory"},
    "became": {"fr": "Devenu le lieu", "en": "Became the place"},
    "holders": {"fr": "Porteurs", "en": "Holders"},
    "grants": {"fr": "Subventions", "en": "Grants"},
    "content_about": {"fr": "Contenus qui en parlent", "en": "Content about it"},
    "timeline": {"fr": "Étapes du projet", "en": "The project's stages"},
    "projects": {"fr": "Projets", "en": "Projects"},
    "offers": {"fr": "Offres de financement", "en": "Funding offers"},
    "funder": {"fr": "Financeur", "en": "Funder"},
    "eligible_kinds": {"fr": "Structures éligibles", "en": "Eligible organisations"},
    "eligible_stages": {"fr": "Stades éligibles", "en": "Eligible stages"},
    "eligible_regions": {"fr": "Territoires éligibles", "en": "Eligible territories"},
    "homepage": {"fr": "Site", "en": "Web site"},
    "amount_range": {"fr": "Montant", "en": "Amount"},
    "amount": {"fr": "Montant", "en": "Amount"},
    "period": {"fr": "Période", "en": "Period"},
    "funded": {"fr": "Financé", "en": "Funded"},
    "beneficiary": {"fr": "Bénéficiaire", "en": "Beneficiary"},
    "date": {"fr": "Date", "en": "Date"},
    "offer": {"fr": "Offre", "en": "Offer"},
    "content_kind": {"fr": "Genre", "en": "Kind"},
    "authors": {"fr": "Auteurs", "en": "Authors"},
    "licence_heading": {"fr": "Licence", "en": "Licence"},
    "date_published": {"fr": "Publié le", "en": "Published on"},
    "in_language": {"fr": "Langue", "en": "Language"},
    "published_at": {"fr": "En ligne", "en": "Online at"},
    "about": {"fr": "Sujets", "en": "About"},
    "in_dossiers": {"fr": "Dans les dossiers", "en": "In the dossiers"},
    "dossier_items": {"fr": "Articles du dossier", "en": "The dossier's articles"},
    "feed_title": {"fr": "Derniers articles", "en": "Newest articles"},
    "feed_of_theme": {"fr": "Flux Atom des articles", "en": "Atom feed of the articles"},
    # partner sources and reconciliation
    "same_as": {"fr": "Décrit aussi par", "en": "Also described as"},
    "sources_title": {"fr": "Sources partenaires", "en": "Partner sources"},
    "no_sources": {
        "fr": "Aucune source déclarée (commande « commonsgraph source add »).",
        "en": "No source declared (command “commonsgraph source add”).",
    },
    "kind": {"fr": "Nature", "en": "Kind"},
    "last_success": {"fr": "Dernière réussite", "en": "Last success"},
    "last_error": {"fr": "Dernière erreur", "en": "Last error"},
    "never": {"fr": "jamais", "en": "never"},
    "records": {"fr": "fiches", "en": "records"},
    "published": {"fr": "publiées", "en": "published"},
    "quarantined": {"fr": "en quarantaine", "en": "quarantined"},
    "quarantine": {"fr": "Quarantaine", "en": "Quarantine"},
    "quarantine_help": {
        "fr": "Fiches moissonnées qui ne respectent pas les formes : elles ne sont pas publiées.",
        "en": "Harvested records that do not conform to the shapes: they are not published.",
    },
    "healthy": {"fr": "en bon état", "en": "healthy"},
    "failing": {"fr": "en échec", "en": "failing"},
    "reconciliation": {"fr": "Réconciliation", "en": "Reconciliation"},
    "reconciliation_help": {
        "fr": "Ressources moissonnées qui semblent être des nôtres. Confirmer publie un lien owl:sameAs ; écarter ne le propose plus.",
        "en": "Harvested resources that seem to be ours. Confirming publishes an owl:sameAs link; dismissing stops proposing it.",
    },
    "search_again": {"fr": "Chercher à nouveau", "en": "Search again"},
    "ours": {"fr": "Chez nous", "en": "Ours"},
    "theirs": {"fr": "Chez le partenaire", "en": "The partner's"},
    "score": {"fr": "Score", "en": "Score"},
    "why": {"fr": "Pourquoi", "en": "Why"},
    "confirm": {"fr": "Confirmer", "en": "Confirm"},
    "dismiss": {"fr": "Écarter", "en": "Dismiss"},
    "no_candidates": {"fr": "Aucun lien candidat.", "en": "No candidate links."},
    "status_proposed": {"fr": "proposé", "en": "proposed"},
    "status_confirmed": {"fr": "confirmé", "en": "confirmed"},
    "status_dismissed": {"fr": "écarté", "en": "dismissed"},
    "reason_siret": {"fr": "même SIRET {value}", "en": "same SIRET {value}"},
    "reason_siren": {"fr": "même SIREN {value}", "en": "same SIREN {value}"},
    "reason_names": {
        "fr": "noms semblables ({similarity}) à {distance} m",
        "en": "alike names ({similarity}) {distance} m apart",
    },
    # -- forms generated from the shapes (web/forms.py, templates/form.html, static/forms.js)
    "contribute": {"fr": "Contribuer", "en": "Contribute"},
    "contribute_help": {
        "fr": "Décrivez un lieu, une organisation, un commun, un projet ou une subvention. Chaque formulaire suit les formes du graphe ; votre contribution est relue par un curateur avant d'être publiée.",
        "en": "Describe a place, an organisation, a commons, a project or a grant. Each form follows the graph's shapes; your contribution is reviewed by a curator before it is published.",
    },
    "form_new": {"fr": "Nouveau : {kind}", "en": "New: {kind}"},
    "form_edit": {"fr": "Modifier : {kind}", "en": "Edit: {kind}"},
    "form_editing": {"fr": "Ressource modifiée", "en": "Resource edited"},
    "form_legend": {
        "fr": "Les champs marqués * sont obligatoires ; ceux marqués (recommandé) sont attendus.",
        "en": "Fields marked * are required; those marked (recommended) are expected.",
    },
    "required": {"fr": "obligatoire", "en": "required"},
    "recommended": {"fr": "recommandé", "en": "recommended"},
    "add_value": {"fr": "Ajouter une valeur", "en": "Add a value"},
    "add_row": {"fr": "Ajouter", "en": "Add"},
    "remove_value": {"fr": "Retirer", "en": "Remove"},
    "value_language": {"fr": "Langue du texte", "en": "Language of the text"},
    "no_language": {"fr": "non précisée", "en": "not stated"},
    "no_choice": {"fr": "— aucun —", "en": "— none —"},
    "date_hint": {"fr": "AAAA, AAAA-MM ou AAAA-MM-JJ", "en": "YYYY, YYYY-MM or YYYY-MM-DD"},
    "number_hint": {"fr": "un nombre, par exemple 45.18", "en": "a number, e.g. 45.18"},
    "url_hint": {"fr": "une adresse https://…", "en": "an https://… address"},
    "picker_hint": {
        "fr": "Tapez un nom et choisissez dans la liste (ou collez l'adresse de la ressource).",
        "en": "Type a name and choose from the list (or paste the resource's address).",
    },
    "create_new": {"fr": "Créer : {kind} (nouvel onglet)", "en": "Create: {kind} (new tab)"},
    "map_pick": {
        "fr": "Carte : cliquez pour placer le lieu (remplit latitude et longitude).",
        "en": "Map: click to place it (fills in latitude and longitude).",
    },
    "row": {"fr": "n°", "en": "no."},
    "check_form": {"fr": "Vérifier", "en": "Check"},
    "submit_form": {"fr": "Envoyer la contribution", "en": "Submit the contribution"},
    "form_source": {
        "fr": "D'où viennent ces informations ? (une adresse web ou quelques mots, facultatif)",
        "en": "Where does this come from? (a web address or a few words, optional)",
    },
    "form_ok": {
        "fr": "Conforme aux formes : la contribution peut être envoyée.",
        "en": "Conforms to the shapes: the contribution can be submitted.",
    },
    "form_not_ok": {
        "fr": "À corriger avant l'envoi (voir les messages à côté des champs).",
        "en": "To correct before submitting (see the messages next to the fields).",
    },
    "form_refused": {"fr": "Saisie refusée", "en": "Input refused"},
    "form_checking": {"fr": "Vérification…", "en": "Checking…"},
    "edit_this": {"fr": "Modifier par le formulaire", "en": "Edit with the form"},
    "refused_long": {"fr": "au plus {most} caractères", "en": "at most {most} characters"},
    "refused_odd": {
        "fr": "contient des caractères de contrôle ou des octets qui ne sont pas du texte",
        "en": "holds control characters or bytes that are no text",
    },
    "refused_markup": {
        "fr": "contient du balisage (<…>) : écrivez du texte simple",
        "en": "holds markup (<…>): write plain text",
    },
    "refused_inputs": {"fr": "au plus {most} champs", "en": "at most {most} inputs"},
    "refused_rows": {"fr": "au plus {most} lignes", "en": "at most {most} rows"},
    "refused_values": {"fr": "au plus {most} valeurs", "en": "at most {most} values"},
    "refused_unknown": {
        "fr": "ce formulaire n'a pas ce champ",
        "en": "this form has no such field",
    },
    "refused_language": {"fr": "fr ou en", "en": "fr or en"},
    "refused_edit": {
        "fr": "n'est pas une ressource de ce genre dans ce graphe",
        "en": "is not a resource of this kind in this graph",
    },
    "refused_stored": {
        "fr": "la ressource a {count} valeurs de ce champ, un formulaire en prend au plus "
        "{most} : décrivez-la par un dépôt de fichier",
        "en": "the resource has {count} values of this field, a form takes at most {most}: "
        "describe it with an upload",
    },
    "refused_not_yours": {
        "fr": "vous ne pouvez pas modifier cette ressource : une autre contribution que les "
        "vôtres la décrit (un·e curateur·rice le peut)",
        "en": "you may not change this resource: another contribution than yours describes it "
        "(a curator may)",
    },
    "refused_part": {
        "fr": "n'est pas une partie de cette ressource",
        "en": "is not a part of this resource",
    },
    "refused_kind": {
        "fr": "cette ressource n'est pas de celles que ce champ accepte",
        "en": "this resource is not one of those this field takes",
    },
    "refused_choice": {
        "fr": "n'est pas l'un des choix proposés",
        "en": "is not one of the choices",
    },
    "refused_http": {"fr": "n'est pas une adresse http(s)", "en": "is not an http(s) address"},
    "refused_nameless": {
        "fr": "aucune ressource ne s'appelle « {typed} » : choisissez dans la liste",
        "en": "no resource is named “{typed}”: choose from the list",
    },
    "refused_names": {
        "fr": "plusieurs ressources s'appellent « {typed} » : choisissez dans la liste",
        "en": "several resources are named “{typed}”: choose from the list",
    },
    "refused_encoding": {
        "fr": "le formulaire n'est pas du texte UTF-8",
        "en": "the form is not UTF-8 text",
    },
}


COMMAND_LINE: dict[str, dict[str, str]] = {
    "error": {"fr": "erreur :", "en": "error:"},
    "importing": {"fr": "import de {what}", "en": "importing {what}"},
    "import_of": {"fr": "import {source}", "en": "import {source}"},
    "files": {"fr": "fichiers", "en": "files"},
    "rows_read": {"fr": "lignes lues", "en": "rows read"},
    "created": {"fr": "créés : {what}", "en": "created: {what}"},
    "rows_skipped": {"fr": "lignes écartées", "en": "rows skipped"},
    "warnings": {"fr": "avertissements", "en": "warnings"},
    "graph": {"fr": "graphe {graph}", "en": "graph {graph}"},
    "statements_changed": {
        "fr": "{total} énoncés (+{added} −{removed})",
        "en": "{total} statements (+{added} −{removed})",
    },
    "skipped": {"fr": "écartée", "en": "skipped"},
    "warning": {"fr": "avertissement", "en": "warning"},
    "conforms": {"fr": "conforme", "en": "conforms"},
    "does_not_conform": {"fr": "non conforme", "en": "does not conform"},
    "verdict": {
        "fr": "{verdict} : {violations} violation(s), {warnings} avertissement(s), {infos} information(s)",
        "en": "{verdict}: {violations} violation(s), {warnings} warning(s), {infos} info(s)",
    },
    "rows": {"fr": "{count} ligne(s)", "en": "{count} row(s)"},
    "yes": {"fr": "oui", "en": "yes"},
    "no": {"fr": "non", "en": "no"},
    "contributions_count": {"fr": "{count} contribution(s)", "en": "{count} contribution(s)"},
    "contribution_status": {
        "fr": "contribution {id} : {status}",
        "en": "contribution {id}: {status}",
    },
    "contribution_by": {
        "fr": "par {who}, le {when} UTC, {count} énoncés ({media_type}), licence {licence}",
        "en": "by {who}, {when} UTC, {count} statements ({media_type}), licence {licence}",
    },
    "from_source": {"fr": ", source : {source}", "en": ", from {source}"},
    "reviewed_by": {"fr": "examinée par {who}", "en": "reviewed by {who}"},
    "new": {"fr": " (nouvelle)", "en": " (new)"},
    "change_counts": {
        "fr": "{added} ajoutés, {removed} retirés, {unchanged} inchangés, {kept} gardés des sources",
        "en": "{added} added, {removed} removed, {unchanged} unchanged, {kept} kept from sources",
    },
    "accepted": {
        "fr": "contribution {id} acceptée : {graph}",
        "en": "contribution {id} accepted: {graph}",
    },
    "rejected": {"fr": "contribution {id} refusée", "en": "contribution {id} rejected"},
    "reverted": {"fr": "contribution {id} retirée", "en": "contribution {id} reverted"},
    "column_id": {"fr": "id", "en": "id"},
    "column_status": {"fr": "statut", "en": "status"},
    "column_contributor": {"fr": "contributeur", "en": "contributor"},
    "column_submitted": {"fr": "envoyée le", "en": "submitted"},
    "column_statements": {"fr": "énoncés", "en": "statements"},
    "column_violations": {"fr": "violations", "en": "violations"},
    "token_created": {
        "fr": "jeton {id} ({role}) créé ; son secret, montré cette seule fois :",
        "en": "token {id} ({role}) created; its secret, shown only now:",
    },
    "token_revoked": {"fr": "jeton {id} ({role}) révoqué", "en": "token {id} ({role}) revoked"},
    "column_role": {"fr": "rôle", "en": "role"},
    "column_label": {"fr": "libellé", "en": "label"},
    "column_created": {"fr": "créé le", "en": "created"},
    "column_revoked": {"fr": "révoqué le", "en": "revoked"},
    "not_text": {
        "fr": "l'argument {position} ({argument}) contient un NUL ou des octets qui ne sont pas de l'UTF-8",
        "en": "argument {position} ({argument}) holds a NUL or bytes that are not UTF-8",
    },
    "serving": {
        "fr": "commonsgraph : {count} énoncés dans {where} ; service sur {url}",
        "en": "commonsgraph: {count} statements in {where}; serving on {url}",
    },
    "in_memory": {"fr": "la mémoire", "en": "memory"},
    "tokens_need_database": {
        "fr": "les jetons ont besoin d'une base de données (COMMONSGRAPH_DATABASE) ou d'un répertoire de données",
        "en": "tokens need a database (COMMONSGRAPH_DATABASE) or a data directory",
    },
    "schema_at": {
        "fr": "{where} : schéma à la révision {revision}",
        "en": "{where}: schema at revision {revision}",
    },
    "no_revision": {"fr": "aucune", "en": "none"},
    "rows_imported": {
        "fr": "{file} : {rows} ligne(s) importée(s)",
        "en": "{file}: {rows} row(s) imported",
    },
    "sources_read": {
        "fr": "{file} lu : la base connaît {count} source(s) partenaire(s)",
        "en": "{file} read: the database knows {count} partner source(s)",
    },
    "nothing_to_import": {
        "fr": "rien à importer de {directory} (déjà importé, ou aucun fichier de données)",
        "en": "nothing to import from {directory} (imported before, or no data files)",
    },
    "pair_expected": {
        "fr": "{option} attend NOM=VALEUR, reçu {value}",
        "en": "{option} takes NAME=VALUE, got {value}",
    },
    "source_declared": {
        "fr": "source {name} déclarée : `commonsgraph harvest {name}` la moissonne",
        "en": "source {name} declared: `commonsgraph harvest {name}` harvests it",
    },
    "source_removed": {"fr": "source {name} retirée", "en": "source {name} removed"},
    "source_removed_dropped": {
        "fr": "source {name} retirée, sa moisson supprimée",
        "en": "source {name} removed, its harvest dropped",
    },
    "column_name": {"fr": "nom", "en": "name"},
    "column_kind": {"fr": "type", "en": "kind"},
    "column_url": {"fr": "url", "en": "url"},
    "column_last_success": {"fr": "dernier succès", "en": "last success"},
    "column_records": {"fr": "enregistrements", "en": "records"},
    "column_quarantined": {"fr": "en quarantaine", "en": "quarantined"},
    "column_last_error": {"fr": "dernière erreur", "en": "last error"},
    "never": {"fr": "jamais", "en": "never"},
    "source_or_all": {
        "fr": "donnez le NOM d'une source ou --all",
        "en": "give a source NAME or --all",
    },
    "harvest_unchanged": {
        "fr": "{source} : inchangée depuis la dernière moisson",
        "en": "{source}: unchanged since the last harvest",
    },
    "harvest_done": {
        "fr": "{source} : {records} enregistrement(s), {published} publié(s), {quarantined} en quarantaine",
        "en": "{source}: {records} record(s), {published} published, {quarantined} quarantined",
    },
    "harvest_changes_only": {
        "fr": " (changements depuis la dernière moisson)",
        "en": " (changes since the last harvest)",
    },
    "harvest_statements": {
        "fr": " ; +{added} −{removed} énoncés",
        "en": "; +{added} −{removed} statements",
    },
    "harvest_seconds": {"fr": " en {seconds} s", "en": " in {seconds} s"},
    "reconciliation_found": {
        "fr": "rapprochement : {found} lien(s) candidat(s) parmi {harvested} ressources moissonnées"
        " et {ours} des nôtres ({new} nouveau(x), {dropped} plus trouvé(s)) ;"
        " `commonsgraph reconcile list` les montre",
        "en": "reconciliation: {found} candidate link(s) among {harvested} harvested and {ours}"
        " of our resources ({new} new, {dropped} no longer found);"
        " `commonsgraph reconcile list` shows them",
    },
    "column_score": {"fr": "score", "en": "score"},
    "column_ours": {"fr": "chez nous", "en": "ours"},
    "column_theirs": {"fr": "chez eux", "en": "theirs"},
    "column_why": {"fr": "pourquoi", "en": "why"},
    "same_as_published": {
        "fr": "{ours} owl:sameAs {theirs} : publié",
        "en": "{ours} owl:sameAs {theirs}: published",
    },
    "candidate_dismissed": {"fr": "candidat {id} écarté", "en": "candidate {id} dismissed"},
    "repeated_warning": {
        "fr": "{file} : {message} : {count} lignes (lignes {lines}…)",
        "en": "{file}: {message}: {count} rows (lines {lines}…)",
    },
    "required": {"fr": " (obligatoire)", "en": " (required)"},
    "no_named_query": {
        "fr": "il n'y a pas de requête nommée {name} ; `commonsgraph queries list` les liste",
        "en": "there is no named query {name}; `commonsgraph queries list` lists them",
    },
    "unexpected_argument": {
        "fr": "argument inattendu {argument} : donnez les paramètres en --nom valeur",
        "en": "unexpected argument {argument}: give parameters as --name value",
    },
    "needs_value": {"fr": "--{name} attend une valeur", "en": "--{name} needs a value"},
    "given_twice": {
        "fr": "--{name} est donné plus d'une fois",
        "en": "--{name} is given more than once",
    },
    "file_or_graph": {
        "fr": "donnez un FICHIER ou --graph NOM",
        "en": "give a FILE or --graph NAME",
    },
    "no_graph": {"fr": "aucun graphe nommé {graph}", "en": "no graph named {graph}"},
    "named_graphs": {"fr": "graphes nommés", "en": "named graphs"},
    "column_graph": {"fr": "graphe", "en": "graph"},
    "column_title": {"fr": "titre", "en": "title"},
    "column_loaded": {"fr": "chargé le", "en": "loaded"},
    "all_graphs": {"fr": "tous", "en": "all"},
    "resources_per_class": {"fr": "ressources par classe", "en": "resources per class"},
    "column_class": {"fr": "classe", "en": "class"},
    "column_resources": {"fr": "ressources", "en": "resources"},
}
"""The frames of the command line (progress, summaries, tables' headers, confirmations,
verdicts, the word before an error) in both languages; what the data or a library says inside
them stays as it is said. The help (`--help`) stays English: click writes its own words around
it ("Usage:", "Options:") through gettext, with no French catalogue to give it."""


def of_locale(code: str) -> str:
    """The interface language for a locale's language code (`config.environment_language`):
    French for `fr`, English for anything else (`c`, `de`, none)."""
    return code if code in LANGUAGES else "en"


def _in(table: dict[str, dict[str, str]], lang: str) -> dict[str, str]:
    return {key: values.get(lang, values["en"]) for key, values in table.items()}


def frames(lang: str) -> dict[str, str]:
    """The command line's words in `lang`."""
    return _in(COMMAND_LINE, lang)


def language(
    requested: str | None, accept_language: str | None, remembered: str | None = None
) -> str:
    """`?lang=` when valid, else the language the reader chose before (`remembered`, the
    `lang` cookie), else the first of the reader's Accept-Language we speak, else fr."""
    if requested in LANGUAGES:
        return requested
    if remembered in LANGUAGES:
        return remembered
    ranked = []
    for order, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, order, tag.strip().lower().split("-")[0]))
    for _, _, tag in sorted(ranked):
        if tag in LANGUAGES:
            return tag
    return "fr"


def preferring(lang: str) -> tuple[str, ...]:
    """The languages in the order a reader of `lang` prefers them: theirs, then the others
    (to pick a label when the graph has none in theirs)."""
    return (lang, *(other for other in LANGUAGES if other != lang))


def words(lang: str) -> dict[str, str]:
    """Every word of the interface in `lang`."""
    return _in(WORDS, lang)


def number(value: int | float | Decimal, lang: str) -> str:
    """`value` as the reader's language writes it (`347 934`, `347,934`)."""
    return format_decimal(value, locale=lang)


BYTE_UNITS = (("digital-gigabyte", 10**9), ("digital-megabyte", 10**6), ("digital-kilobyte", 10**3))


def size(count: int, lang: str) -> str:
    """A size in bytes, in the largest unit it reaches (`1,5 Mo`, `1.5 MB`)."""
    for unit, scale in BYTE_UNITS:
        if count >= scale:
            return format_unit(round(count / scale, 1), unit, length="short", locale=lang)
    return format_unit(count, "digital-byte", length="long", locale=lang)


def day(value: date | datetime, lang: str) -> str:
    """A date as the reader's language writes it (`6 déc. 2026`, `Dec 6, 2026`)."""
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, format="medium", locale=lang)


def moment(value: datetime, lang: str) -> str:
    """A date and time (in the time zone it carries)."""
    return format_datetime(value, format="medium", locale=lang)
