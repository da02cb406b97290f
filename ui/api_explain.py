"""`POST /api/explain`: reasons for a shop's own recommender's picks (or ours) for a given shopper.

For server-to-server calls: an `X-API-Key` header whose SHA-256 is in `api_key_hashes`, or a staff
login (HTTP Basic). A shopper is a known shopper id or a shopper given inline (our shopper format).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, ConfigDict, Field, model_validator

from agent.explain import Shopper, card_record, explain_items, recommend_cards, shopper_from
from ui.api import STAFF_REALM, ClientDep, ServicesDep
from ui.api_models import ERROR_RESPONSES
from ui.errors_http import unauthorized
from ui.services import Services
from whythis.errors import SessionNotFound

_basic = HTTPBasic(auto_error=False, realm="whythis staff")
MAX_ITEMS = 50
_NEEDED = "this call needs an X-API-Key header with a configured key, or a staff login"


class ExplainIn(BaseModel):
    """Whom to explain for, and which items (none: our own top `k`)."""

    model_config = ConfigDict(extra="forbid")

    shopper_id: str | None = Field(default=None, min_length=1, max_length=128)
    shopper: dict[str, Any] | None = Field(
        default=None, description="a shopper given inline, in the shopper file format (id, profile, ...)"
    )
    items: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    k: int = Field(default=5, ge=1, le=MAX_ITEMS)

    @model_validator(mode="after")
    def _one_shopper(self) -> ExplainIn:
        if (self.shopper_id is None) == (self.shopper is None):
            raise ValueError("give exactly one of shopper_id (a known shopper) and shopper (inline)")
        return self


class ExplainCard(BaseModel):
    """One explained item: its checked text, who wrote it, and the plan behind it."""

    model_config = ConfigDict(extra="forbid")

    shopper_id: str
    item_id: str
    text: str
    written_by: str
    plan: str | None
    facts: list[str]
    slots: dict[str, str]
    written: str | None


class ExplainOut(BaseModel):
    """The explained items, in the order given."""

    model_config = ConfigDict(extra="forbid")

    cards: list[ExplainCard]


def require_key_or_staff(
    services: ServicesDep,
    client: ClientDep,
    api_key: Annotated[str | None, Header(alias="X-API-Key")] = None,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)] = None,
) -> str:
    """Who calls: 'api-key' for a configured key, else the staff user; 401 otherwise."""
    if api_key is not None:
        services.limiter.check_login(client)
        if services.auth.check_key(api_key):
            return "api-key"
        services.limiter.login_failed(client)
        raise unauthorized(_NEEDED, STAFF_REALM)
    if credentials is None:
        raise unauthorized(_NEEDED, STAFF_REALM)
    services.limiter.check_login(client)
    if not services.auth.check(credentials.username, credentials.password):
        services.limiter.login_failed(client)
        raise unauthorized(_NEEDED, STAFF_REALM)
    return credentials.username


explain_router = APIRouter(tags=["explain"], responses=ERROR_RESPONSES)


@explain_router.post("/api/explain", summary="Reasons for given items and a shopper")
def explain(
    body: ExplainIn, services: ServicesDep, who: Annotated[str, Depends(require_key_or_staff)]
) -> ExplainOut:
    """A checked reason per item for the shopper (the items given, else our own top k)."""
    shopper = _shopper(body, services)
    agent = services.agent
    recs = (
        explain_items(agent, shopper, body.items) if body.items else recommend_cards(agent, shopper, body.k)
    )
    cards: list[dict[str, Any]] = [card_record(shopper, r) for r in recs]
    return ExplainOut(cards=[ExplainCard.model_validate(c) for c in cards])


def _shopper(body: ExplainIn, services: Services) -> Shopper:
    if body.shopper is not None:
        return shopper_from(body.shopper)
    found = services.shoppers.get(body.shopper_id or "")
    if found is None:
        raise SessionNotFound(f"no shopper {body.shopper_id!r} on this server")
    return found
