"""The staff UIs of the server: the support console at /console and the prompt studio at /studio.

Building them loads no model: they run on the agent, session manager, store and shoppers the server holds.
Logins are checked where the server mounts them (`gr.mount_gradio_app(..., auth=...)`).
"""

from __future__ import annotations

from typing import Protocol

import gradio as gr

from agent.recommender import Agent
from agent.sessions.known_shoppers import Shoppers
from agent.sessions.manager import SessionManager
from agent.sessions.store import Store
from agent.studio.versions import (
    PromptVersions,
)
from ui.console import build_console
from ui.studio import build_studio

CONSOLE_PATH = "/console"
STUDIO_PATH = "/studio"


class StaffServices(Protocol):
    """What the staff UIs need of the server's services."""

    @property
    def agent(self) -> Agent:
        """The loaded agent."""
        ...

    @property
    def manager(self) -> SessionManager:
        """The chat sessions."""
        ...

    @property
    def store(self) -> Store:
        """The chat store."""
        ...

    @property
    def shoppers(self) -> Shoppers:
        """The known shoppers by id."""
        ...

    @property
    def versions(self) -> PromptVersions:
        """The prompt versions the agent's writer follows."""
        ...


def build_staff_uis(services: StaffServices) -> dict[str, gr.Blocks]:
    """The console and the studio by mount path; the server mounts each behind the staff login."""
    return {
        CONSOLE_PATH: build_console(services.agent, services.manager, services.store),
        STUDIO_PATH: build_studio(services.agent, services.versions, services.shoppers),
    }
