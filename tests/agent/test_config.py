from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import AgentConfig, load_agent_config
from whythis.errors import ConfigError

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_checked_in_defaults_equal_the_code_defaults() -> None:
    assert load_agent_config(CONFIGS / "agent.toml") == AgentConfig()


def test_overrides_are_validated_and_applied() -> None:
    cfg = load_agent_config(None, ["chat.k=3", "generator.threads=1", "generator.adapter=none"])
    assert (cfg.chat.k, cfg.generator.threads, cfg.generator.adapter) == (3, 1, "none")
    with pytest.raises(ConfigError, match=r"chat\.k"):
        load_agent_config(None, ["chat.k=0"])
    with pytest.raises(ConfigError, match="valid keys"):
        load_agent_config(None, ["reasons.mood=happy"])
