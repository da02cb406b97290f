"""The staff UIs: they build over a fake-backed agent, need a login when mounted, and their events work.

Events are run through Gradio's own processing (`Blocks.process_api` with a session state and a request
carrying the staff user), so pre- and post-processing of every component is exercised without a browser.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from fastapi import FastAPI
from gradio.state_holder import SessionState
from starlette.testclient import TestClient

from agent.config import AgentConfig
from agent.recommender import Agent, load_agent
from agent.sessions.events import ItemCard
from agent.sessions.manager import SessionManager
from agent.sessions.store import Store, open_store
from agent.studio.versions import PromptVersions
from retrieval.catalog import demo_catalog_path
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from retrieval.shoppers import Shopper
from tests.fakes import KeywordEmbedder, ScriptedGenerator, fake_runtime
from ui.staff_ui import CONSOLE_PATH, STUDIO_PATH, build_staff_uis

CONSOLE_IDS = {"session-id", "find-session", "transcript", "evidence-chart", "candidates-table"}
STUDIO_IDS = {
    "prompt-yaml", "draft-problems", "preview-button", "preview-active", "preview-draft", "save-version",
    "activate-version", "rollback", "audit-log", "version-note", "version-steering", "trial-share",
    "start-trial", "stop-trial", "trial-status", "version-feedback",
}  # fmt: skip
LOGIN = ("ann", "correct horse")


@dataclass
class FakeServices:
    agent: Agent
    manager: SessionManager
    store: Store
    shoppers: dict[str, Shopper]
    versions: PromptVersions


@pytest.fixture()
def services(tmp_path: Path) -> Iterator[FakeServices]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WHYTHIS_CACHE_DIR", str(tmp_path / "cache"))
        agent = load_agent(
            AgentConfig(), demo_catalog_path(), generator=ScriptedGenerator(), embedder=KeywordEmbedder()
        )
    store = open_store(tmp_path / "whythis.db")
    shoppers = {s.shopper_id: s for s in (load_shopper(p) for p in demo_shopper_paths())}
    runtime = fake_runtime(agent, store, shoppers)
    assert runtime.versions is not None
    yield FakeServices(runtime.agent, runtime.manager, store, shoppers, runtime.versions)
    runtime.close()
    store.close()


def elem_ids(blocks: gr.Blocks) -> set[str]:
    return {str(b.elem_id) for b in blocks.blocks.values() if getattr(b, "elem_id", None)}


def run(
    blocks: gr.Blocks, state: SessionState, name: str, inputs: Sequence[Any], user: str = "ann"
) -> list[Any]:
    """Run the event handler called `name` as Gradio does for a logged-in user; its processed outputs."""
    fn = next(f for f in blocks.fns.values() if f.name == name)
    request = gr.Request(username=user)
    out = asyncio.run(blocks.process_api(fn, list(inputs), state=state, request=request))
    data: list[Any] = out["data"]
    return data


def test_build_gives_both_uis_with_their_element_ids(services: FakeServices) -> None:
    uis = build_staff_uis(services)
    assert set(uis) == {CONSOLE_PATH, STUDIO_PATH} == {"/console", "/studio"}
    assert elem_ids(uis[CONSOLE_PATH]) >= CONSOLE_IDS
    assert elem_ids(uis[STUDIO_PATH]) >= STUDIO_IDS


def test_the_agent_follows_the_studios_active_version(services: FakeServices) -> None:
    versions = services.versions
    text = versions.active("reason").text.replace("under 40 words", "under 20 words")
    saved = versions.save("reason", text, "ann", "")
    versions.activate("reason", saved.version, "ann")
    assert services.agent.current_prompt().version == saved.version


def mounted(services: FakeServices) -> TestClient:
    app = FastAPI()
    for path, blocks in build_staff_uis(services).items():
        gr.mount_gradio_app(app, blocks, path, auth=lambda u, p: (u, p) == LOGIN, ssr_mode=False)
    return TestClient(app)


@pytest.mark.parametrize(
    ("path", "marker"), [(CONSOLE_PATH, "candidates-table"), (STUDIO_PATH, "prompt-yaml")]
)
def test_without_a_login_gradio_serves_its_login_page_not_the_app(
    services: FakeServices, path: str, marker: str
) -> None:
    client = mounted(services)
    page = client.get(path + "/")
    # Gradio 6 answers the page with an empty config that asks for a login, and the app's API with 401.
    assert page.status_code == 200 and '"auth_required":true' in page.text and marker not in page.text
    assert client.get(path + "/config").status_code == 401
    assert client.get(path + "/gradio_api/info").status_code == 401
    assert client.post(path + "/login", data={"username": "ann", "password": "wrong"}).status_code == 400
    assert client.get(path + "/config").status_code == 401
    login = client.post(path + "/login", data={"username": LOGIN[0], "password": LOGIN[1]})
    assert login.status_code == 200
    config = client.get(path + "/config")
    assert config.status_code == 200 and marker in config.text


def test_console_flow_find_explain_flag(services: FakeServices) -> None:
    manager = services.manager
    session_id, stream = manager.open(services.shoppers["jonas"])
    cards = [e for e in stream if isinstance(e, ItemCard)]
    console = build_staff_uis(services)[CONSOLE_PATH]
    state = SessionState(console)
    found = run(console, state, "on_find", ["jonas"])
    assert found[0]["value"] == session_id and session_id in found[2]
    candidates = found[5]
    assert candidates["headers"][:5] == ["#", "item_id", "title", "price", "fused score"]
    assert [row[1] for row in candidates["data"]] == [c.item_id for c in cards]
    assert found[6]["data"] and found[7][0]["role"] == "assistant"
    explained = run(console, state, "on_explain", [None, cards[1].item_id])
    assert "*source: model*" in explained[0]
    flagged = run(console, state, "on_flag", [None, cards[1].item_id], user="bob")
    assert "flagged by bob" in flagged[0]
    [row] = flagged[1]["data"]
    assert (row[3], row[4], row[5]) == (cards[1].item_id, -1, "flagged by bob")
    missing = run(console, state, "on_find", ["nobody"])
    assert "No stored session" in missing[2]


def test_studio_flow_preview_save_activate_rollback(services: FakeServices) -> None:
    studio = build_staff_uis(services)[STUDIO_PATH]
    state = SessionState(studio)
    opened = run(studio, state, "on_open", [])
    assert opened[0]["value"] == "reason" and opened[1]["value"] == ["guest-0001", "jonas"]
    pairs, text = opened[2]["value"], opened[3]
    assert len(pairs) == 4 and "name: reason" in text and opened[4].startswith("✅")
    draft = text.replace("response_prefix: Recommended because", "response_prefix: Worth it because")
    assert run(studio, state, "draft_problems_markdown", [draft, "reason"])[0].startswith("✅")
    shown = run(studio, state, "on_preview", ["reason", draft, pairs])
    assert "Active" in shown[0] and "Draft" in shown[2] and shown[4] == ""
    assert all(r[2].startswith("Worth it because") for r in shown[3]["data"]) and len(shown[3]["data"]) == 4
    saved = run(studio, state, "on_save", ["reason", draft, "friendlier opener", None])
    shipped = services.agent.writer.prompt.version
    assert saved[0] == f"✅ saved reason v{shipped + 1} (saved inactive)" and saved[1]["value"] == shipped + 1
    assert f"version: {shipped + 1}" in saved[5]
    activated = run(studio, state, "on_activate", ["reason", shipped + 1, None], user="bob")
    assert activated[0].startswith(f"✅ activated reason v{shipped + 1}")
    assert services.agent.current_prompt().response_prefix == "Worth it because"
    back = run(studio, state, "on_rollback", ["reason", None], user="bob")
    assert back[0].startswith(f"✅ rolled back to reason v{shipped}")
    assert [r[1:3] for r in back[3]["data"][:3]] == [
        ["bob", "rollback"],
        ["bob", "activate"],
        ["ann", "save"],
    ]
    refused = run(studio, state, "on_rollback", ["reason", None])
    assert "nothing to roll back to" in refused[0]


def test_studio_flow_trial_of_a_steered_realizer_version(services: FakeServices) -> None:
    studio = build_staff_uis(services)[STUDIO_PATH]
    state = SessionState(studio)
    run(studio, state, "on_open", [])
    text = services.versions.active("realize").text.replace("tone: warm", "tone: brief")
    saved = run(studio, state, "on_save", ["realize", text, "brief voice", None])
    version = saved[1]["value"]
    extras = run(studio, state, "on_extras", ["realize", version])
    assert f"**Steering of v{version}**: tone **brief**" in extras[0]
    assert extras[1].startswith("No trial of realize") and extras[2]["data"][0][:2] == [version, ""]
    started = run(studio, state, "on_start_trial", ["realize", version, 25])
    assert started[0] == f"✅ trial started: realize v{version} writes for 25% of sessions"
    assert started[1]["data"][0][1:4] == ["ann", "trial_start", "realize"]
    extras = run(studio, state, "on_extras", ["realize", version])
    assert extras[1].startswith(f"🧪 Trial: realize v{version} writes for 25% of sessions")
    assert extras[2]["data"][0][:2] == [version, "trial"]
    again = run(studio, state, "on_start_trial", ["realize", version, 25])
    assert "stop it first" in again[0]
    stopped = run(studio, state, "on_stop_trial", ["realize"], user="bob")
    assert stopped[0].startswith(f"✅ trial stopped: realize v{version}")
    assert stopped[1]["data"][0][1:3] == ["bob", "trial_stop"]
