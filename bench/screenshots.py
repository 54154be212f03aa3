"""Screenshots of the main pages, in French and in English, for anyone to look at them.

Starts the service on a throwaway data directory holding the seed (and, when the open data is
at `--data`, the administrative divisions and the 2019 census: about a minute more), a curator
and one pending contribution to review; then drives Debian's Chromium with Playwright and
writes one PNG per page and language into the directory given (`var/screenshots/` by
default): `place-fr.png`, `search-en.png`…

    ./scripts/screenshots [directory] [--data ../shared/data | --no-data] [--only place,search]

Every page is one line of `PAGES`; a page that needs a signed-in curator says so.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from common import BIN, free_port, serving
from commonsgraph import i18n
from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.tokens import TokenStore

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


@dataclass(frozen=True)
class Shot:
    name: str
    path: str
    """The page, `{contribution}` standing for the pending contribution's id."""
    role: str | None = None
    """Who must be signed in to see it (`contributor`, `curator`), if anyone."""
    wait: str | None = None
    """A selector to wait for before the picture (what scripts draw)."""


MAP = "#map .leaflet-interactive"
FORM_MAP = "#form-map[data-basemap-loaded]"
PAGES = [
    Shot("home", "/"),
    Shot("place", "/tiers-lieu/la-myne", wait=MAP),
    Shot("region", "/region/84", wait=MAP),
    Shot("places", "/places?within=https%3A%2F%2Fw3id.org%2Fcommonsgraph%2Fregion%2F84", wait=MAP),
    Shot("commons", "/commons/fab-manager"),
    Shot("licence", "/licence/CC-BY-SA-4.0"),
    Shot("search", "/search?q=fablab"),
    Shot("editor", "/sparql", wait=".yasqe"),
    Shot("login", "/contributions/login"),
    Shot("queue", "/contributions?status=pending", role="curator"),
    Shot("review", "/contributions/{contribution}", role="curator", wait=MAP),
    Shot("contribute", "/contribute", role="contributor"),
    Shot("form-place", "/contribute/tiers-lieu", role="contributor", wait=FORM_MAP),
    Shot("form-commons", "/contribute/commons", role="contributor"),
    Shot("form-project", "/contribute/project", role="contributor"),
    Shot(
        "form-edit",
        "/contribute/tiers-lieu?edit=https%3A%2F%2Fw3id.org%2Fcommonsgraph%2Ftiers-lieu%2Fla-myne",
        role="contributor",
        wait=FORM_MAP,
    ),
    Shot("dumps", "/dumps"),
    Shot("void", "/.well-known/void"),
    Shot("docs", "/docs", wait=".opblock-summary-path"),
]
"""The pages pictured: (file name, path) and what the picture waits for."""

CONTRIBUTION = """@prefix cg: <https://w3id.org/commonsgraph/ns#> .
@prefix locn: <http://www.w3.org/ns/locn#> .
@prefix wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
<tiers-lieu/la-fabrique-de-gueret> a cg:TiersLieu ;
    <http://www.w3.org/2000/01/rdf-schema#label> "La Fabrique de Guéret" ;
    cg:typology <scheme/typology/fablab>, <scheme/typology/coworking> ;
    <http://schema.org/containedInPlace> <commune/23096> ;
    wgs:lat 46.1717 ; wgs:long 1.8716 ;
    locn:address <tiers-lieu/la-fabrique-de-gueret#address> .
<tiers-lieu/la-fabrique-de-gueret#address> a locn:Address ;
    locn:fullAddress "2 avenue de la République, 23000 Guéret" .
"""
"""The contribution a curator reviews in the pictures (a made-up place in a real commune)."""


def commonsgraph(data_dir: Path, *arguments: str) -> None:
    """Run the command line on `data_dir`; its report is shown only if it fails."""
    env = {**os.environ, "COMMONSGRAPH_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [str(BIN / "commonsgraph"), *arguments], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"commonsgraph {' '.join(arguments)} failed:\n{done.stdout}{done.stderr}")


def prepare(data_dir: Path, data: Path | None) -> dict[str, str]:
    """The seed (loaded when the service starts), the open data when given, and the tokens
    of a contributor and a curator."""
    if data is not None:
        print(f"importing {data / 'geo'} and the 2019 census (about a minute)…")
        commonsgraph(data_dir, "import", "geo", str(data / "geo"))
        commonsgraph(
            data_dir, "import", "census", str(data / "tiers-lieux" / "cget-tiers-lieux-2019.csv")
        )
    tokens = TokenStore(Database.open(Settings(data_dir=data_dir)))
    try:
        return {
            "contributor": tokens.create("contributor", "Réseau Creuse")[1],
            "curator": tokens.create("curator", "Camille")[1],
        }
    finally:
        tokens.database.close()


def shoot(
    url: str, out: Path, shots: list[Shot], contribution: str, tokens: dict[str, str]
) -> list[Path]:
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        for lang in i18n.LANGUAGES:
            context = browser.new_context(viewport={"width": 1200, "height": 900}, locale=lang)
            context.set_default_timeout(120_000)
            page = context.new_page()
            for shot in shots:
                context.clear_cookies()  # signed in as the page needs, or not at all
                if shot.role is not None:
                    token = tokens[shot.role]
                    context.add_cookies(
                        [{"name": "commonsgraph_token", "value": token, "url": url}]
                    )
                path = shot.path.replace("{contribution}", contribution)
                response = page.goto(f"{url}{path}{'&' if '?' in path else '?'}lang={lang}")
                if response is None or response.status != 200:
                    status = "no answer" if response is None else response.status
                    print(f"skipped {shot.name} ({lang}): {path} answered {status}")
                    continue
                if shot.wait:
                    page.wait_for_selector(shot.wait)
                if page.locator("#map").count():
                    page.wait_for_selector("#map[data-basemap-loaded][data-divisions-loaded]")
                file = out / f"{shot.name}-{lang}.png"
                page.screenshot(path=str(file))
                written.append(file)
                print(f"wrote {file}")
            context.close()
        browser.close()
    return written


def main(arguments: list[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", nargs="?", type=Path, default=ROOT / "var" / "screenshots")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--no-data", action="store_true", help="the seed only (seconds)")
    parser.add_argument("--only", default="", help="names of pages, separated by commas")
    options = parser.parse_args(arguments)
    wanted = {name for name in options.only.split(",") if name}
    shots = [shot for shot in PAGES if not wanted or shot.name in wanted]
    unknown = wanted - {shot.name for shot in PAGES}
    if unknown:
        parser.error(f"no page named {', '.join(sorted(unknown))}")
    data = None if options.no_data or not options.data.is_dir() else options.data
    options.directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="commonsgraph-screenshots-") as scratch:
        data_dir = Path(scratch) / "var"
        tokens = prepare(data_dir, data)
        port = free_port()
        env = {
            **os.environ,
            "COMMONSGRAPH_DATA_DIR": str(data_dir),
            "COMMONSGRAPH_PORT": str(port),
            "COMMONSGRAPH_TILE_URL": "",  # the pictures show what works offline
        }
        url = f"http://127.0.0.1:{port}"
        command = [str(BIN / "commonsgraph"), "serve"]
        with serving(command, f"{url}/health", Path(scratch) / "serve.log", env):
            uploaded = httpx.post(
                f"{url}/contributions",
                content=CONTRIBUTION.encode(),
                headers={
                    "Authorization": f"Bearer {tokens['contributor']}",
                    "Content-Type": "text/turtle",
                },
                timeout=120,
            )
            uploaded.raise_for_status()
            return shoot(url, options.directory, shots, str(uploaded.json()["id"]), tokens)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
