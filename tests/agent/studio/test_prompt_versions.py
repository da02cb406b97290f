"""Prompt versions: seeding, checked saves, activation, rollback, the audit log, and a writer that follows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.config import ReasonConfig
from agent.grounding.check import GroundingChecker
from agent.reasons.writer import ReasonWriter
from agent.sessions.store import open_store
from agent.store.database import StoreConfig
from agent.store.versioning import open_database
from agent.studio.versions import (
    PromptVersions,
    open_prompt_versions,
    prompt_yaml,
    shipped_prompts,
)
from prompts.render import load_prompt, parse_prompt
from retrieval.catalog import demo_catalog_path, load_catalog
from retrieval.retriever import Candidate
from retrieval.shoppers import Preferences, Shopper
from tests.fakes import ScriptedGenerator
from whythis.errors import DataError, PromptError

SHIPPED_REASON = load_prompt("reason").version


@pytest.fixture()
def versions(db_url: str) -> Iterator[PromptVersions]:
    opened = open_prompt_versions(open_database(db_url, StoreConfig()))
    yield opened
    opened.close()


def edited(versions: PromptVersions, old: str, new: str) -> str:
    text = versions.active("reason").text
    assert old in text
    return text.replace(old, new)


def test_first_open_seeds_every_shipped_prompt_as_active(versions: PromptVersions) -> None:
    assert versions.names() == sorted(shipped_prompts())
    for name, shipped in shipped_prompts().items():
        active = versions.active(name)
        assert (active.version, active.author, active.active) == (shipped.version, "shipped", True)
        assert versions.active_prompt(name) == shipped
    assert [(a.action, a.actor) for a in versions.audit(name="reason")] == [
        ("activate", "shipped"),
        ("save", "shipped"),
    ]


def test_yaml_of_a_prompt_parses_back_to_the_same_prompt() -> None:
    for prompt in shipped_prompts().values():
        assert parse_prompt(prompt_yaml(prompt), "dumped") == prompt


def test_shares_the_store_file_in_wal_mode_and_reopening_does_not_reseed(tmp_path: Path) -> None:
    path = tmp_path / "whythis.db"
    store = open_store(path)
    first = open_prompt_versions(store.database)
    saved = first.save("reason", edited(first, "under 40 words", "under 30 words"), "ann", "shorter")
    first.close()
    again = open_prompt_versions(open_store(path).database)
    assert [v.version for v in again.history("reason")] == [saved.version, SHIPPED_REASON]
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.load_session("nope") is None
    tables = {
        r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert {"sessions", "feedback", "prompt_versions", "prompt_audit"} <= tables
    again.close()
    store.close()


def test_save_stores_an_inactive_next_version_with_its_number_in_the_file(versions: PromptVersions) -> None:
    draft = edited(versions, "under 40 words", "under 30 words").replace(
        f"version: {SHIPPED_REASON}", "version: 99"
    )
    saved = versions.save("reason", draft, "ann", "shorter reasons")
    assert (saved.version, saved.active, saved.author, saved.note) == (
        SHIPPED_REASON + 1,
        False,
        "ann",
        "shorter reasons",
    )
    assert parse_prompt(saved.text, "saved").version == saved.version and "under 30 words" in saved.text
    assert versions.active("reason").version == SHIPPED_REASON
    latest = versions.audit(1)[0]
    assert (latest.actor, latest.action, latest.version, latest.detail) == (
        "ann",
        "save",
        saved.version,
        saved.note,
    )


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("{{ item.title }}", "{{ coupon_code }}", "'coupon_code' is undefined"),
        ("- matches", "- matches\n- coupon", "coupon are not provided"),
        ("name: reason", "name: other", "named 'other'"),
        ("messages:", "messages: [", "not valid YAML"),
        ("response_prefix: Recommended because", "response_prefix: Guaranteed fit because", "banned phrase"),
        (  # only the rendered opening holds the phrase
            "response_prefix: Recommended because",
            "response_prefix: \"{{ 'Guaran' ~ 'teed' }} fit because\"",
            "banned phrase 'guaranteed'",
        ),
    ],
)
def test_an_invalid_draft_is_refused_naming_the_problem(
    versions: PromptVersions, old: str, new: str, problem: str
) -> None:
    with pytest.raises(PromptError, match=problem):
        versions.save("reason", edited(versions, old, new), "ann", "")
    assert len(versions.history("reason")) == 1


def test_save_needs_a_known_prompt_and_an_author(versions: PromptVersions) -> None:
    text = versions.active("reason").text
    with pytest.raises(PromptError, match="unknown prompt 'nope'"):
        versions.save("nope", text, "ann", "")
    with pytest.raises(DataError, match="author"):
        versions.save("reason", text, "  ", "")


def test_activate_switches_the_active_prompt_and_is_audited(versions: PromptVersions) -> None:
    before = versions.active_prompt("reason")
    assert versions.active_prompt("reason") is before  # parsed once per version
    saved = versions.save("reason", edited(versions, "under 40 words", "under 25 words"), "ann", "")
    versions.activate("reason", saved.version, "bob")
    now = versions.active_prompt("reason")
    assert now.version == saved.version and "Keep it under 25 words." in now.house_rules
    assert [v.version for v in versions.history("reason") if v.active] == [saved.version]
    latest = versions.audit(1)[0]
    assert (latest.actor, latest.action, latest.detail) == ("bob", "activate", f"was v{SHIPPED_REASON}")
    with pytest.raises(PromptError, match="no version 42"):
        versions.activate("reason", 42, "bob")


def test_rollback_walks_back_through_the_activations(versions: PromptVersions) -> None:
    v2 = versions.save("reason", edited(versions, "under 40 words", "under 30 words"), "ann", "").version
    v3 = versions.save("reason", edited(versions, "under 40 words", "under 20 words"), "ann", "").version
    versions.activate("reason", v2, "ann")
    versions.activate("reason", v3, "ann")
    assert versions.rollback("reason", "bob").version == v2
    assert versions.active("reason").version == v2
    assert versions.rollback("reason", "bob").version == SHIPPED_REASON
    with pytest.raises(PromptError, match="nothing to roll back to"):
        versions.rollback("reason", "bob")
    entry = versions.audit(1)[0]
    assert (entry.action, entry.version, entry.detail) == ("rollback", SHIPPED_REASON, f"from v{v2}")


def demo_pair() -> tuple[Shopper, Candidate]:
    item = next(i for i in load_catalog(demo_catalog_path()).items if i.colour == "Blue")
    return Shopper("s1", "likes blue", Preferences(colours=("Blue",))), Candidate(item, 1.0)


def test_a_following_writer_uses_a_newly_activated_version_on_its_next_reason(
    versions: PromptVersions,
) -> None:
    generator = ScriptedGenerator()
    checker = GroundingChecker(known_brands=frozenset())
    follower = versions.follower("reason")
    writer = ReasonWriter(generator, checker, load_prompt("reason"), ReasonConfig(), prompt_source=follower)
    shopper, candidate = demo_pair()
    first = writer.write(shopper, [candidate])[0]
    assert first.text.startswith("Recommended because")
    draft = edited(versions, "response_prefix: Recommended because", "response_prefix: A good pick because")
    saved = versions.save("reason", draft.replace("under 40 words", "under 35 words"), "ann", "")
    versions.activate("reason", saved.version, "ann")
    second = writer.write(shopper, [candidate])[0]
    assert second.text.startswith("A good pick because") and second.source == "model"
    system = str(generator.seen[-1].messages[0].content)
    assert "under 35 words" in system and writer.current_prompt().version == saved.version
