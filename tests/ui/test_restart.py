"""A restart: a new app over the same store and data dir continues a session with the same token."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.ui.conftest import ShopperClient
from ui.app import build_app
from ui.serve_config import ServeConfig
from ui.services import Services


def test_a_session_continues_after_a_restart(
    make_config: Callable[..., ServeConfig],
    make_services: Callable[..., Services],
) -> None:
    config = make_config()  # no secret configured: it is kept in the data dir
    before = make_services(config)
    with TestClient(build_app(before, config)) as client:
        shopper = ShopperClient(client)
        cards = shopper.open(shopper_id="jonas").of("item_card")
        assert shopper.send("something cheaper").status == 200
    before.close()  # the old process is gone: its memory, pool and store connection with it

    after = make_services(make_config())
    assert after.manager is not before.manager
    with TestClient(build_app(after, config)) as client:
        resumed = ShopperClient(client, shopper.session_id, shopper.token)
        redraw = client.get(f"/api/sessions/{shopper.session_id}", headers=resumed.auth()).json()
        assert redraw["turn"] == 2 and redraw["turns"][0]["items"] == [c["item_id"] for c in cards]
        shown = redraw["turns"][1]["items"] or redraw["turns"][0]["items"]
        assert [c["item_id"] for c in redraw["cards"]] == shown  # the widget redraws these cards
        why = resumed.send("why #1?")
        assert why.status == 200 and why.names()[-2:] == ["evidence", "done"]
        evidence = why.of("evidence")[0]
        assert (evidence["item_id"], evidence["position"]) == (shown[0], 1)
        assert why.of("done")[0]["turn"] == 3
