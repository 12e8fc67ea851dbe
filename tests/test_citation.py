"""CITATION.cff at the root is valid Citation File Format 1.2.0 and agrees with the site's "Cite this" block."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from rare_earths import paths
from rare_earths.site import cite

SCHEMA = Path(__file__).parent / "fixtures" / "citation" / "schema-1.2.0.json"


def test_citation_cff_is_valid_against_its_schema() -> None:
    import jsonschema

    document = yaml.safe_load((paths.PROJECT_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(document)]
    assert errors == []
    assert document["title"] == cite.TITLE
    assert [a["name"] for a in document["authors"]] == cite.maintainers()


def test_a_cff_missing_its_authors_is_refused() -> None:
    import jsonschema

    document = yaml.safe_load((paths.PROJECT_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    del document["authors"]
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert list(jsonschema.Draft7Validator(schema).iter_errors(document))


def test_the_site_url_comes_from_one_setting(monkeypatch) -> None:
    monkeypatch.setenv("RARE_EARTHS_SITE_URL", "https://example.org/rare-earths/")
    assert cite.site_url() == "https://example.org/rare-earths/"
    assert "https://example.org/rare-earths/" in cite.block()
    monkeypatch.delenv("RARE_EARTHS_SITE_URL")
    if not cite.settings().get("url"):
        assert cite.UNSET_URL in cite.block()


def test_bibtex_keeps_an_organisation_whole_and_the_plain_text_reads_as_sentences(monkeypatch) -> None:
    """BibTeX splits an unbraced author into given and family names ('maintainers, T. r.-e. n. c.'): a maintainer
    not written 'Family, Given' is an organisation and is braced; each sentence of the plain text starts upper-case."""
    monkeypatch.delenv("RARE_EARTHS_SITE_URL", raising=False)
    monkeypatch.setattr(cite, "settings", lambda: {"maintainers": ["The rare-earths notebook collection maintainers"]})
    forms = cite.forms()
    assert "author = {{The rare-earths notebook collection maintainers}}," in forms["bibtex"]
    assert re.findall(r"\. ([a-z])", forms["plain"]) == []
    monkeypatch.setattr(cite, "settings", lambda: {"maintainers": ["Lovelace, Ada", "Example Lab"]})
    assert "author = {Lovelace, Ada and {Example Lab}}," in cite.forms()["bibtex"]
