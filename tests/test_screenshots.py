"""The screenshots command (`bench/screenshots.py`, run by `scripts/screenshots`) writes a PNG
per page and language."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_screenshots_command_writes_a_picture_of_each_page_in_each_language(
    tmp_path: Path,
) -> None:
    out = tmp_path / "shots"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "screenshots.py"), str(out), "--no-data",
         "--only", "home,review"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    written = sorted(path.name for path in out.iterdir())
    assert written == ["home-en.png", "home-fr.png", "review-en.png", "review-fr.png"]
    for name in written:
        picture = (out / name).read_bytes()
        assert picture.startswith(b"\x89PNG\r\n\x1a\n"), name
        assert len(picture) > 10_000, name  # a page, not a blank


def test_an_unknown_page_is_refused_before_anything_starts(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "screenshots.py"), str(tmp_path), "--only", "nope"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "no page named nope" in done.stderr
