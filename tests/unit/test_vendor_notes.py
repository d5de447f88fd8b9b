"""The project's vendor notes (docs/vendors/) are what the code cites: every citation resolves to a heading."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDORS = ("iinked", "easyink", "docusign")
HEADING = re.compile(r"^#{2,4} (\d+(?:\.\d+)?)[. ]", re.MULTILINE)
CITATION = re.compile(r"docs/vendors/(\w+)\.md((?:[ ,]*(?:and |to )?§\d+(?:\.\d+)?(?:-§\d+(?:\.\d+)?)?)*)")
SECTION = re.compile(r"(?<!RFC \d{4} )§(\d+(?:\.\d+)?)")
#: The folder the vendor references were compiled in lies outside the repository; a clone does not have it.
OUTSIDE = "../" + "shared"


def sections(vendor: str) -> set[str]:
    return set(HEADING.findall((ROOT / "docs" / "vendors" / f"{vendor}.md").read_text("utf-8")))


def sources(*folders: str, suffixes: tuple[str, ...] = (".py",)) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*")
                  if p.is_file() and p.suffix in suffixes and "__pycache__" not in p.parts)


def test_the_notes_have_numbered_sections() -> None:
    for vendor in VENDORS:
        found = sections(vendor)
        assert {"1", "2", "5.1", "7"} <= found, vendor


def test_explicit_citations_resolve() -> None:
    checked = 0
    for path in sources("src", "plugins", "tests", "docs", suffixes=(".py", ".md")):
        for vendor, cited in CITATION.findall(path.read_text("utf-8")):
            assert vendor in VENDORS, f"{path}: no notes for {vendor}"
            for number in SECTION.findall(cited):
                assert number in sections(vendor), f"{path.relative_to(ROOT)} cites docs/vendors/{vendor}.md §{number}"
                checked += 1
    assert checked > 20


@pytest.mark.parametrize("vendor", VENDORS)
def test_section_numbers_in_a_plugin_resolve_in_its_notes(vendor: str) -> None:
    # A plugin's bare "§5.1" means its vendor's notes (the module docstrings say so); RFC sections are left alone.
    known = sections(vendor)
    paths = [*sources(f"plugins/signport_{vendor}"), ROOT / "docs" / "providers" / f"{vendor}.md"]
    missing = [f"{p.relative_to(ROOT)}: §{n}" for p in paths for n in SECTION.findall(p.read_text("utf-8"))
               if n not in known]
    assert not missing


def test_nothing_reads_or_cites_the_folder_outside_the_repository() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in sources("src", "plugins", "tests", "docs", ".ci",
                                                          suffixes=(".py", ".md", ".toml", ".txt", ".yaml", ""))
                 if OUTSIDE in p.read_text("utf-8", errors="replace")]
    assert not offenders
    assert OUTSIDE not in (ROOT / "README.md").read_text("utf-8")
