"""Browser tests of the serving layer: the shop widget, the support console and the prompt studio in Chromium.

The real app (build_app with the staff UIs) runs under uvicorn on a loopback port, over a real agent on the
demo catalog with the fast fakes. Debian's Chromium is driven through Playwright. Every flow leaves a
screenshot in the test's tmp dir and in test-output/screenshots/ at the repo root.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from agent.config import AgentConfig, ReasonConfig
from agent.recommender import load_agent
from agent.sessions.known_shoppers import load_shoppers
from agent.sessions.store import open_store
from retrieval.catalog import demo_catalog_path
from tests.fakes import GatedGenerator, KeywordEmbedder, ScriptedGenerator, fake_runtime
from ui.app import build_app
from ui.auth import hash_password
from ui.serve_config import ServeConfig, StaffUser
from ui.services import Services
from ui.staff_ui import build_staff_uis

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
STAFF_USER, STAFF_PASSWORD = "alice", "a browser test password"
WAIT_MS = 90_000  # the machine is slow and shared: generous, but every wait is bounded
START_SECONDS = 60.0
ASK = "a waterproof jacket under 150"
FIVE = "running shoes"  # five products of the demo shop (one card per product)
HOSTILE = "<img src=x onerror=alert(1)>"
NEW_PREFIX = "Picked for you because"


@dataclass
class Served:
    """The running app: its base URL and its services."""

    base: str
    services: Services

    def staff_get(self, path: str, **params: Any) -> httpx.Response:
        """A staff JSON API call with the test's staff login."""
        auth = (STAFF_USER, STAFF_PASSWORD)
        return httpx.get(self.base + path, params=params, auth=auth, timeout=60.0)

    def prompt_version(self) -> int:
        """The prompt version /api/health reports."""
        return int(httpx.get(self.base + "/api/health", timeout=60.0).json()["prompt_version"])


@dataclass
class Watched:
    """A page with the dialogs it opened and the script errors it threw."""

    page: Any
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextmanager
def running(app: Any) -> Iterator[str]:
    """Serve the app on a free loopback port in a background thread; stop it on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        if not server.started:
            raise RuntimeError(f"uvicorn did not start on port {port} within {START_SECONDS:.0f} s")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("served")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WHYTHIS_CACHE_DIR", str(root / "cache"))
        # Free mode: the studio edits the free-text prompt, and the studio test reads its prefix in the
        # widget (the realizer's voice is not edited in the studio yet; tests/agent/reasons cover it).
        free = AgentConfig(reasons=ReasonConfig(mode="free"))
        agent = load_agent(
            free, demo_catalog_path(), generator=ScriptedGenerator(), embedder=KeywordEmbedder()
        )
    staff = StaffUser(username=STAFF_USER, password_hash=hash_password(STAFF_PASSWORD, n=2**10))
    config = ServeConfig(data_dir=root / "data", staff_users=[staff], batch_window_ms=1.0)
    shoppers = load_shoppers()
    store = open_store(config.resolved_db())
    services = Services.over(
        fake_runtime(agent, store, shoppers, config.batch_window_ms, config.max_batch),
        store,
        shoppers,
        config,
    )
    try:
        app = build_app(services, config, staff_uis=build_staff_uis(services))
        with running(app) as base:
            yield Served(base, services)
    finally:
        services.close()


@pytest.fixture(scope="module")
def browser(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    del served  # the browser closes before the server stops
    # `make test` installs Debian's Chromium first, so a missing browser is a broken set-up, not a skip.
    assert CHROMIUM.exists(), f"{CHROMIUM} is not installed: run `make browser` (apt-get install chromium)"
    profile = tmp_path_factory.mktemp("chromium-profile")
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 960},
        )
        context.set_default_timeout(WAIT_MS)
        expect.set_options(timeout=WAIT_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Watched]:
    page = browser.new_page()
    watched = Watched(page)

    def on_dialog(dialog: Any) -> None:
        watched.dialogs.append(str(dialog.message))
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    try:
        yield watched
    finally:
        page.close()


def screenshot(page: Any, tmp_path: Path, name: str) -> None:
    """Save a full-page screenshot under the test's tmp dir and test-output/screenshots/."""
    target = tmp_path / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target, SCREENSHOTS / f"{name}.png")


@contextmanager
def shot_on_failure(page: Any, tmp_path: Path, name: str) -> Iterator[None]:
    """Run a flow; on failure leave a screenshot named failed-<name>; close the page either way."""
    try:
        yield
    except BaseException:
        with suppress(Exception):  # a dead page must not hide the failure itself
            screenshot(page, tmp_path, f"failed-{name}")
        raise
    finally:
        page.close()


# ---- the widget ----


def open_widget(page: Any, base: str) -> None:
    """Open the demo shop and the chat panel; wait for the opening turn."""
    page.goto(base + "/shop")
    page.click("#whythis-launcher")
    expect(page.locator("#whythis-panel")).to_be_visible()
    expect(page.locator("#whythis-launcher")).to_have_attribute("aria-expanded", "true")
    wait_idle(page)


def wait_idle(page: Any) -> None:
    """Wait until the widget has no turn running or queued."""
    expect(page.locator("#whythis-panel")).to_have_attribute("aria-busy", "false")


def say(page: Any, text: str) -> None:
    """Type a message, send it with Enter, and wait for the whole reply."""
    page.fill("#whythis-input", text)
    page.press("#whythis-input", "Enter")
    wait_idle(page)


def session_id_of(page: Any) -> str:
    """The widget's session id, from sessionStorage."""
    saved = page.evaluate("() => JSON.parse(sessionStorage.getItem('whythis.session'))")
    return str(saved["id"])


def chat_and_explain(page: Any, base: str) -> tuple[str, str]:
    """Ask for picks, then explain the first card; (session id, first item id)."""
    open_widget(page, base)
    say(page, ASK)
    first = page.locator(".whythis-card").first
    expect(first).to_have_attribute("data-turn", "2")
    item_id = str(first.get_attribute("data-item-id"))
    first.locator(".whythis-explain").click()
    wait_idle(page)
    expect(page.locator(f'.whythis-evidence[data-item-id="{item_id}"] .whythis-line').first).to_be_visible()
    return session_id_of(page), item_id


def test_shop_widget_chats_explains_and_records_feedback(
    tab: Watched, served: Served, tmp_path: Path
) -> None:
    page = tab.page
    session_id, item_id = chat_and_explain(page, served.base)
    expect(page.get_by_role("log")).to_have_attribute("aria-live", "polite")
    expect(page.get_by_label("Your message")).to_have_id("whythis-input")
    expect(page.get_by_role("button", name="Send message")).to_have_id("whythis-send")
    cards = page.locator(".whythis-card")
    assert cards.count() >= 3
    assert served.services.agent.item(item_id) is not None
    first = cards.first
    expect(first.locator(".whythis-price")).to_contain_text("€")
    expect(first.locator(".whythis-source")).to_have_count(0)  # who wrote it is for staff, not shoppers
    expect(page.locator(".whythis-msg-user").last).to_have_text("why #1?")
    found = page.locator(f'.whythis-evidence[data-item-id="{item_id}"] .whythis-found .whythis-line')
    lines = [found.nth(i).inner_text() for i in range(found.count())]
    assert lines and not any(re.search(r"\d\.\d\d|\brank\b|\bscore\b", line) for line in lines), lines
    screenshot(page, tmp_path, "01-shop-widget-evidence")
    first.locator(".whythis-thumb-up").click()
    expect(first.locator(".whythis-thanks")).to_be_visible()
    expect(first.locator(".whythis-thumb-up")).to_have_attribute("aria-pressed", "true")
    expect(first.get_by_role("button", name="Explain why #1")).to_be_visible()
    screenshot(page, tmp_path, "01-shop-widget-feedback")
    assert served.staff_get("/staff/feedback").status_code == 200
    assert httpx.get(served.base + "/staff/feedback", timeout=60.0).status_code == 401
    rows = served.staff_get("/staff/feedback", session_id=session_id).json()["feedback"]
    assert [(r["item_id"], r["rating"], r["turn"]) for r in rows] == [(item_id, 1, 2)]
    assert tab.errors == [] and tab.dialogs == []


def test_hostile_text_from_the_shopper_or_the_server_renders_as_text(
    tab: Watched, served: Served, tmp_path: Path
) -> None:
    page = tab.page
    open_widget(page, served.base)
    say(page, HOSTILE)
    expect(page.locator(".whythis-msg-user").last).to_have_text(HOSTILE)
    hostile_events = [
        ("text", {"type": "text", "text": HOSTILE}),
        ("item_card", hostile_card()),
        ("evidence", hostile_evidence()),
        ("done", {"type": "done", "intent": "recommend", "turn": 9, "ended": False}),
    ]
    body = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in hostile_events)
    page.route(
        "**/api/sessions/*/messages",
        lambda route: route.fulfill(status=200, content_type="text/event-stream", body=body),
    )
    say(page, "show me something")
    card = page.locator(".whythis-card").last
    expect(card.locator(".whythis-title")).to_have_text(HOSTILE)
    expect(page.locator(".whythis-evidence").last).to_contain_text(HOSTILE)
    page.wait_for_timeout(1000)  # give a planted onerror handler the time to fire
    screenshot(page, tmp_path, "02-shop-hostile")
    assert page.locator("#whythis-panel img, #whythis-panel script").count() == 0
    assert tab.dialogs == [] and tab.errors == []


def hostile_card() -> dict[str, Any]:
    """An item card whose every text field carries markup."""
    return {
        "type": "item_card",
        "item_id": '"><img src=x onerror=alert(2)>',
        "position": 1,
        "title": HOSTILE,
        "brand": "<script>alert(3)</script>",
        "price": 10.0,
        "currency": "EUR",
        "reason": "<b onmouseover=alert(4)>bold</b>",
        "reason_source": "model",
        "explain": "why #1?",
    }


def hostile_evidence() -> dict[str, Any]:
    """An evidence event whose signal names, facts and titles carry markup."""
    return {
        "type": "evidence",
        "item_id": "x",
        "position": 1,
        "title": HOSTILE,
        "reason": HOSTILE,
        "reason_source": "fallback",
        "score": 1.0,
        "matched": [{"shopper_fact": HOSTILE, "item_attribute": "brand", "value": HOSTILE}],
        "facts": [{"kind": "price", "what": HOSTILE, "values": {"PRICE": HOSTILE}, "source": HOSTILE}],
        "signals": [{"signal": HOSTILE, "score": 0.5, "rank": 1, "detail": HOSTILE, "near": []}],
        "collaborative": [
            {"signal": "covisit", "with_item": "y", "title": HOSTILE, "count": 3, "score": 3.0}
        ],
    }


def test_widget_retries_after_a_busy_answer(tab: Watched, served: Served, tmp_path: Path) -> None:
    page = tab.page
    open_widget(page, served.base)
    refused: list[str] = []

    def busy_once(route: Any) -> None:
        if refused:
            route.continue_()
            return
        refused.append(route.request.url)
        body = json.dumps({"error": {"code": "busy", "message": "the server is busy"}})
        route.fulfill(status=503, headers={"Retry-After": "1"}, content_type="application/json", body=body)

    page.route("**/api/sessions/*/messages", busy_once)
    page.fill("#whythis-input", ASK)
    page.press("#whythis-input", "Enter")
    expect(page.locator(".whythis-busy")).to_contain_text("busy, retrying")
    screenshot(page, tmp_path, "03-shop-busy")
    wait_idle(page)
    assert len(refused) == 1
    expect(page.locator(".whythis-card").first).to_be_visible()
    assert page.locator(".whythis-busy").count() == 0 and page.locator(".whythis-error").count() == 0


def test_reload_continues_the_same_session(tab: Watched, served: Served, tmp_path: Path) -> None:
    page = tab.page
    open_widget(page, served.base)
    say(page, ASK)
    before = session_id_of(page)
    shown = page.locator(".whythis-card").evaluate_all("cs => cs.map(c => c.dataset.itemId)")
    assert shown
    page.reload()
    expect(page.locator("#whythis-panel")).to_be_visible()  # it was open: it opens again
    wait_idle(page)
    expect(page.locator(".whythis-msg-user").first).to_have_text(ASK)
    redrawn = page.locator(".whythis-card").evaluate_all("cs => cs.map(c => c.dataset.itemId)")
    assert redrawn == shown  # the cards on screen come back, not only the text
    say(page, "why #2?")
    expect(page.locator(".whythis-evidence .whythis-found .whythis-line").first).to_be_visible()
    screenshot(page, tmp_path, "04-shop-reload")
    assert session_id_of(page) == before
    saved = served.staff_get(f"/staff/sessions/{before}").json()
    assert [m["text"] for m in saved["messages"] if m["role"] == "human"] == [ASK, "why #2?"]


def test_data_shopper_opens_a_known_shoppers_session(tab: Watched, served: Served, tmp_path: Path) -> None:
    page = tab.page
    shop = httpx.get(served.base + "/shop", timeout=60.0).text
    tagged = shop.replace('data-api=""', 'data-api="" data-shopper="lea"')
    assert tagged != shop
    page.route("**/shop", lambda route: route.fulfill(status=200, content_type="text/html", body=tagged))
    open_widget(page, served.base)
    expect(page.locator(".whythis-card").first).to_be_visible()  # a known shopper gets picks at once
    screenshot(page, tmp_path, "05-shop-known-shopper")
    saved = served.staff_get(f"/staff/sessions/{session_id_of(page)}").json()
    assert saved["shopper_id"] == "lea"


# ---- the staff UIs ----


def staff_login(page: Any, url: str) -> None:
    """Log in through gradio's login form."""
    page.goto(url)
    page.get_by_label("username").fill(STAFF_USER)
    page.get_by_label("password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Login").click()


def gradio_text(page: Any, elem_id: str) -> Any:
    """The text input of a gradio Textbox."""
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first


def test_support_console_shows_the_widgets_session(browser: Any, served: Served, tmp_path: Path) -> None:
    shop = browser.new_page()
    session_id, item_id = chat_and_explain(shop, served.base)
    shop.close()
    page = browser.new_page()
    with shot_on_failure(page, tmp_path, "06-support-console"):
        staff_login(page, served.base + "/console/")
        gradio_text(page, "session-id").fill(session_id)
        page.click("#find-session")
        transcript = page.locator("#transcript")
        expect(transcript).to_contain_text(ASK)
        expect(transcript).to_contain_text("why #1?")
        expect(transcript).to_contain_text("Here is what I found")
        item = served.services.agent.item(item_id)
        assert item is not None
        expect(page.locator("#candidates-table")).to_contain_text(item.title)
        chart = page.locator("#evidence-chart")
        expect(chart).to_contain_text(f"#1 {item_id}")  # an axis label of the (svg) bar chart
        assert chart.locator(".mark-rect path").count() >= 1
        screenshot(page, tmp_path, "06-support-console")


def replace_line(page: Any, editor: str, starts_with: str, new_line: str) -> None:
    """Replace the code editor's line that starts with `starts_with`, as a user would."""
    line = page.locator(f"#{editor} .cm-line").filter(has_text=starts_with).first
    line.click()
    page.keyboard.press("End")
    page.keyboard.press("Shift+Home")
    page.keyboard.insert_text(new_line)


def test_prompt_studio_version_changes_the_next_answer(browser: Any, served: Served, tmp_path: Path) -> None:
    page = browser.new_page()
    with shot_on_failure(page, tmp_path, "07-prompt-studio"):
        before = served.prompt_version()
        staff_login(page, served.base + "/studio/")
        expect(page.locator("#prompt-yaml")).to_contain_text("response_prefix")
        problems = page.locator("#draft-problems")
        # A typo first: once its problem shows and the fix clears it, the UI holds the fixed draft.
        replace_line(page, "prompt-yaml", "response_prefix:", "response_prefix: [")
        expect(problems).to_contain_text("❌")
        replace_line(page, "prompt-yaml", "response_prefix:", f"response_prefix: {NEW_PREFIX}")
        expect(problems).to_contain_text("No problems")
        page.click("#preview-button")
        expect(page.locator("#preview-draft")).to_contain_text(NEW_PREFIX)
        expect(page.locator("#preview-active")).not_to_contain_text(NEW_PREFIX)
        gradio_text(page, "version-note").fill("browser test: a new response prefix")
        page.click("#save-version")
        expect(page.locator("#studio-status")).to_contain_text("saved")
        # The save reloads the editor, which re-runs the validation: let that finish before the next click.
        expect(problems).to_contain_text("No problems")
        page.wait_for_load_state("networkidle")
        page.click("#activate-version")
        expect(page.locator("#studio-status")).to_contain_text("activated")
        expect(page.locator("#audit-log")).to_contain_text(STAFF_USER)
        screenshot(page, tmp_path, "07-prompt-studio")
        after = served.prompt_version()
        assert after > before
        check_widget_uses(browser, served, tmp_path, after)
        page.click("#rollback")
        expect(page.locator("#studio-status")).to_contain_text("rolled back")
        assert served.prompt_version() == before


def check_widget_uses(browser: Any, served: Served, tmp_path: Path, version: int) -> None:
    """A new widget chat's cards carry the new prefix, and feedback on them names the new version."""
    shop = browser.new_page()
    try:
        open_widget(shop, served.base)
        say(shop, ASK)
        first = shop.locator(".whythis-card").first
        expect(first.locator(".whythis-reason")).to_contain_text(NEW_PREFIX)
        first.locator(".whythis-thumb-down").click()
        expect(first.locator(".whythis-thanks")).to_be_visible()
        screenshot(shop, tmp_path, "08-shop-after-new-prompt")
        rows = served.staff_get("/staff/feedback", session_id=session_id_of(shop)).json()["feedback"]
        assert [(r["rating"], r["prompt_version"]) for r in rows] == [(-1, version)]
    finally:
        shop.close()


def test_cards_show_before_their_reasons_and_each_reason_fills_its_card_in_place(
    browser: Any, tmp_path: Path
) -> None:
    generator = GatedGenerator()  # writes one reason per step the test releases
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WHYTHIS_CACHE_DIR", str(tmp_path / "cache"))
        agent = load_agent(
            AgentConfig(), demo_catalog_path(), generator=generator, embedder=KeywordEmbedder()
        )
    staff = StaffUser(username=STAFF_USER, password_hash=hash_password(STAFF_PASSWORD, n=2**10))
    config = ServeConfig(data_dir=tmp_path / "data", staff_users=[staff], batch_window_ms=1.0)
    store = open_store(config.resolved_db())
    runtime = fake_runtime(agent, store, {}, config.batch_window_ms, config.max_batch, generator)
    services = Services.over(runtime, store, {}, config)
    try:
        with running(build_app(services, config)) as base:
            page = browser.new_page()
            with shot_on_failure(page, tmp_path, "streamed-reasons"):
                open_widget(page, base)
                page.fill("#whythis-input", FIVE)
                page.press("#whythis-input", "Enter")
                cards = page.locator(".whythis-card")
                pending = page.locator(".whythis-card .whythis-reason.whythis-pending")
                expect(cards).to_have_count(5)  # all on screen while no reason has been written
                expect(pending).to_have_count(5)
                last = cards.nth(4).element_handle()
                generator.steps.release()  # the engine finishes one answer: the last card's
                expect(pending).to_have_count(4)
                assert last.get_attribute("aria-busy") == "false" and cards.count() == 5
                written = cards.nth(4).locator(".whythis-reason").inner_text()
                assert len(written.split()) >= 4 and "[" not in written  # a checked text, slots filled
                generator.steps.release(20)
                expect(pending).to_have_count(0)
                wait_idle(page)
                expect(cards.first).to_have_attribute("aria-busy", "false")
                screenshot(page, tmp_path, "streamed-reasons")
    finally:
        services.close()
