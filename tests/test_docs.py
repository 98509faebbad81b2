"""The README and docs/ stay short and every relative link in them resolves in the repository."""

import re

import pytest

from tests.conftest import REPO_ROOT

PAGES = [
    REPO_ROOT / "README.md",
    *sorted((REPO_ROOT / "docs").glob("*.md")),
    REPO_ROOT / "space" / "README.md",
]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_relative_links_resolve(page):
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
        if not target.startswith(("http://", "https://", "#")):
            assert (page.parent / target.split("#")[0]).exists(), f"{page.name}: {target}"


def test_readme_is_a_front_page_not_a_manual():
    text = (REPO_ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 250
    for doc in ("docs/training.md", "docs/benchmarks.md", "docs/reliability.md", "docs/experiments.md"):
        assert f"({doc})" in text
