"""Accessibility checks of a page with axe-core (vendored for the tests in `tests/vendor/`):
`assert_accessible(page)` fails listing every violation of "serious" or "critical" impact,
with the elements it found them on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
IMPACTS = ("serious", "critical")
"""The impacts that fail a test (axe's "minor" and "moderate" are left to judgement)."""

WIDGETS = {
    ".yasgui .tabsList": "YASGUI's tab bar: its tablist holds the add-tab button and its tabs "
    "name panels by ids that do not exist",
    ".yasqe .CodeMirror": "CodeMirror's hidden input and its scroller (the editor is reachable "
    "by keyboard through them)",
    ".yasgui .autocomplete": "YASQE's hidden autocompletion input",
    ".swagger-ui .opblock-summary-control": "Swagger UI's operation headers: a button that "
    "holds the copy button",
    "redoc [role=menuitem]": "Redoc's menu items, named by their operation's summary",
}
"""Parts of the vendored widgets (YASGUI, Swagger UI, Redoc) left out of the checks, and why:
their markup is theirs. What CSS can fix there is fixed (`editor.css`, `docs.css`)."""


def violations(page: Page, *, within: str | None = None) -> list[dict[str, Any]]:
    """axe's violations of serious or critical impact on the page as it is now (or within one
    element of it)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # evaluated, not added as a <script>: the pages' policy refuses inline scripts
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;null")
    found: list[dict[str, Any]] = page.evaluate(
        """async ([within, widgets]) => {
             const context = { include: [within || "html"], exclude: widgets };
             const results = await window.axe.run(context, { resultTypes: ["violations"] });
             return results.violations;
           }""",
        [within, list(WIDGETS)],
    )
    return [v for v in found if v.get("impact") in IMPACTS]


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for violation in found:
        lines.append(f"{violation['impact']} {violation['id']}: {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    {target}: {node.get('failureSummary', '').splitlines()[-1:]}")
            lines.append(f"        {node['html'][:200]}")
    return "\n".join(lines)


def assert_accessible(page: Page, *, within: str | None = None) -> None:
    """Fail with every serious or critical axe violation on the page, and where it is."""
    found = violations(page, within=within)
    assert not found, f"{page.url}\n{describe(found)}"
