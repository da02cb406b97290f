"""Shoppers: the validated shopper file at the boundary and the frozen shopper used inside."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class Preferences:
    """Structured preferences a shopper gave or the chat collected."""

    budget_max: float | None = None
    budget_min: float | None = None
    gender: str | None = None
    colours: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    avoid_brands: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class PastPurchase:
    """Something the shopper bought, possibly outside this catalog (e.g. a reviewed product)."""

    title: str
    item_id: str | None = None
    category: str | None = None
    rating: float | None = None
    review: str = ""
    price: float | None = None


@dataclass(frozen=True)
class Shopper:
    """Everything known about one shopper; every field but the id may be empty (cold start)."""

    shopper_id: str
    profile: str = ""
    preferences: Preferences = field(default_factory=Preferences)
    history: tuple[str, ...] = ()
    purchases: tuple[PastPurchase, ...] = ()

    @property
    def is_cold(self) -> bool:
        """True when nothing is known about the shopper yet."""
        return not (self.profile or self.history or self.purchases or self.preferences != Preferences())


class PreferencesFile(BaseModel):
    """The `preferences` object of a shopper file."""

    model_config = ConfigDict(extra="forbid")

    budget_max: float | None = Field(default=None, gt=0)
    budget_min: float | None = Field(default=None, ge=0)
    gender: str | None = None
    colours: list[str] = Field(default_factory=list)
    brands: list[str] = Field(default_factory=list)
    avoid_brands: list[str] = Field(default_factory=list)
    sizes: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)


class PurchaseFile(BaseModel):
    """One past purchase in a shopper file."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    item_id: str | None = None
    category: str | None = None
    rating: float | None = Field(default=None, ge=0, le=5)
    review: str = ""
    price: float | None = Field(default=None, ge=0)


class ShopperFile(BaseModel):
    """A shopper as given in a JSON file or an API request."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    profile: str = ""
    preferences: PreferencesFile = Field(default_factory=PreferencesFile)
    history: list[str] = Field(default_factory=list)
    purchases: list[PurchaseFile] = Field(default_factory=list)

    def to_shopper(self) -> Shopper:
        """The frozen shopper for this file."""
        p = self.preferences
        prefs = Preferences(
            budget_max=p.budget_max,
            budget_min=p.budget_min,
            gender=p.gender,
            colours=tuple(p.colours),
            brands=tuple(p.brands),
            avoid_brands=tuple(p.avoid_brands),
            sizes=tuple(p.sizes),
            categories=tuple(p.categories),
        )
        purchases = tuple(PastPurchase(**x.model_dump()) for x in self.purchases)
        return Shopper(self.id, self.profile, prefs, tuple(self.history), purchases)
