"""Every word the pages and the command line use exists in both languages, with the same blanks."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

from commonsgraph import i18n, lists
from commonsgraph.contributions.ledger import STATUSES
from commonsgraph.legal.rules import VERDICTS
from commonsgraph.reconcile.ledger import STATUSES as SAME_AS_STATUSES
from commonsgraph.textindex import FACETS as SEARCH_FACETS
from commonsgraph.tokens import ROLES

SRC = Path(__file__).resolve().parents[1] / "src" / "commonsgraph"
TEMPLATES = SRC / "web" / "templates"
TABLES = {"WORDS": i18n.WORDS, "COMMAND_LINE": i18n.COMMAND_LINE}


@pytest.mark.parametrize("table", TABLES)
def test_every_entry_is_in_both_languages_with_the_same_blanks(table: str) -> None:
    for key, values in TABLES[table].items():
        assert set(values) == set(i18n.LANGUAGES), key
        assert all(text.strip() for text in values.values()), key
        blanks = {lang: sorted(re.findall(r"{(\w*)}", text)) for lang, text in values.items()}
        assert blanks["fr"] == blanks["en"], key


def template_keys() -> Iterator[tuple[str, str]]:
    """(template, key) of each word a template names as it is (`w.key`, `w["key"]`)."""
    environment = Environment()
    for path in sorted(TEMPLATES.glob("*.html")):
        tree = environment.parse(path.read_text())
        for node in tree.find_all(nodes.Getattr):
            if isinstance(node.node, nodes.Name) and node.node.name == "w":
                yield path.name, node.attr
        for item in tree.find_all(nodes.Getitem):
            if (
                isinstance(item.node, nodes.Name)
                and item.node.name == "w"
                and isinstance(item.arg, nodes.Const)
            ):
                yield path.name, item.arg.value


def code_keys() -> Iterator[tuple[str, str]]:
    """(module, key) of each word the code names as it is."""
    words = re.compile(r"""words(?:\([^()]*\))?(?:\[|\.get\()["']([a-z_0-9]+)["']""")
    frames = re.compile(r"""\b(?:say|frame)\(\s*["']([a-z_0-9]+)["']""")
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text()
        relative = path.relative_to(SRC).as_posix()
        yield from ((relative, key) for key in words.findall(text))
        yield from ((relative, "cli:" + key) for key in frames.findall(text))


def test_every_word_a_template_or_the_code_names_exists() -> None:
    found = list(template_keys()) + list(code_keys())
    assert len(found) > 100  # the walk finds the words at all
    missing = [
        (where, key)
        for where, key in found
        if (
            key.removeprefix("cli:") not in i18n.COMMAND_LINE
            if key.startswith("cli:")
            else key not in i18n.WORDS
        )
    ]
    assert not missing


def composed_keys() -> Iterator[str]:
    """The words the templates compose from data (`w["status_" + c.status]`)."""
    for listing in lists.LISTINGS:
        yield f"list_{listing.name}"
        yield f"{listing.name}_of"
        yield f"{listing.name}_count"
        if listing.site is not None:
            yield f"{listing.name}_mapped"
        yield from listing.facets
        yield listing.column
    yield from ("sort_name", "sort_commune")
    yield from (f"status_{status}" for status in STATUSES)
    yield from (f"role_{role}" for role in ROLES)
    yield from (f"status_{status}" for status in SAME_AS_STATUSES)
    yield from (f"severity_{severity}" for severity in ("Violation", "Warning", "Info"))
    yield from (f"facet_{facet}" for facet in SEARCH_FACETS)
    yield from (f"verdict_{verdict}" for verdict in VERDICTS)
    yield from (f"move_{kind}" for kind in ("added", "removed", "moved", "unchanged"))
    yield from (f"reuse_{duty}" for duty in ("requires", "prohibits", "does_not_permit"))
    refusals = re.compile(r'\bRefused\(\s*[^,]+,\s*"([a-z]+)"')
    for path in sorted(SRC.rglob("*.py")):
        yield from (f"refused_{reason}" for reason in refusals.findall(path.read_text()))


def test_every_word_the_templates_compose_exists() -> None:
    missing = [key for key in composed_keys() if key not in i18n.WORDS]
    assert not missing


def test_every_word_is_used() -> None:
    """A word (or a frame of the command line) no template or code names, composes or quotes
    (a key passed along as a string) is a word left behind."""
    named = {key for _, key in template_keys()} | {key for _, key in code_keys()}
    named |= set(composed_keys())
    texts = "\n".join(
        path.read_text()
        for path in SRC.rglob("*")
        if path.suffix in (".py", ".html", ".js")
        and "vendor" not in path.parts
        and path.name != "i18n.py"
    )
    quoted = set(re.findall(r"""["']([a-z][a-z_0-9-]*)["']""", texts))
    unused = sorted(set(i18n.WORDS) - named - quoted)
    assert not unused
    said = {key.removeprefix("cli:") for _, key in code_keys() if key.startswith("cli:")}
    unused_frames = sorted(set(i18n.COMMAND_LINE) - said - quoted)
    assert not unused_frames
