"""Prompt files: YAML with Jinja message templates, validated, rendered strictly into chat messages."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from whythis.errors import PromptError

Role = Literal["system", "user", "assistant"]


class MessageSpec(BaseModel):
    """One message template of a prompt file."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    content: str = Field(min_length=1)


class SteeringBlock(BaseModel):
    """Merchandisers' steering of a realizer prompt: its tone, the fact kinds that lead, words to avoid.

    Plain strings here: the agent, which knows the tones and fact kinds, checks them where it builds
    its steering from the block."""

    model_config = ConfigDict(extra="forbid")

    tone: str = "warm"
    lead_kinds: list[str] = Field(default_factory=list)
    avoid_words: list[str] = Field(default_factory=list)


class PromptFile(BaseModel):
    """A prompt file: named, versioned message templates and the variables they need."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    version: int = Field(ge=1)
    description: str = ""
    variables: list[str] = Field(default_factory=list)
    messages: list[MessageSpec] = Field(min_length=1)
    response_prefix: str = ""  # a template too: the opening may depend on the variables
    house_rules: list[str] = Field(default_factory=list)
    banned_phrases: list[str] = Field(default_factory=list)
    # Allowed, but a candidate without them is preferred: template wording, empty praise.
    stock_phrases: list[str] = Field(default_factory=list)
    # The realizer's steering; optional, so a file or stored version written without one still loads.
    steering: SteeringBlock | None = None


@dataclass(frozen=True)
class Rendered:
    """A rendered prompt: the chat messages and the text the answer must start with."""

    messages: tuple[BaseMessage, ...]
    response_prefix: str

    def as_dicts(self) -> list[dict[str, str]]:
        """The messages as role/content dicts, the shape chat templates take."""
        roles = {"system": "system", "human": "user", "ai": "assistant"}
        return [{"role": roles[m.type], "content": str(m.content)} for m in self.messages]


_ENV = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)
_MESSAGE_TYPES: dict[str, type[BaseMessage]] = {
    "system": SystemMessage,
    "user": HumanMessage,
    "assistant": AIMessage,
}


def builtin_prompt_names() -> list[str]:
    """Names of the prompt files shipped in this package."""
    folder = resources.files("prompts").joinpath("templates")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def parse_prompt(text: str, source: str) -> PromptFile:
    """Validate prompt-file text; errors name the source and the bad key."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PromptError(f"{source} is not valid YAML: {exc}") from exc
    try:
        prompt = PromptFile.model_validate(data)
    except ValidationError as exc:
        bad = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise PromptError(f"{source} is not a valid prompt file: {bad}") from exc
    check_syntax(prompt, source)
    return prompt


def check_syntax(prompt: PromptFile, source: str) -> None:
    """Compile every template so that a syntax error is reported at load, not at first use."""
    for i, spec in enumerate(prompt.messages):
        try:
            _ENV.from_string(spec.content)
        except TemplateError as exc:
            raise PromptError(f"{source}: message {i} ({spec.role}): {exc}") from exc
    try:
        _ENV.from_string(prompt.response_prefix)
    except TemplateError as exc:
        raise PromptError(f"{source}: response_prefix: {exc}") from exc


def load_prompt(name_or_path: str | Path) -> PromptFile:
    """Load a shipped prompt by name (e.g. "reason") or any prompt file by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        try:
            return parse_prompt(path.read_text(encoding="utf-8"), str(path))
        except FileNotFoundError as exc:
            raise PromptError(f"prompt file not found: {path}") from exc
    names = builtin_prompt_names()
    if str(name_or_path) not in names:
        raise PromptError(f"unknown prompt {str(name_or_path)!r}; shipped prompts: {', '.join(names)}")
    resource = resources.files("prompts").joinpath("templates", f"{name_or_path}.yaml")
    return parse_prompt(resource.read_text(encoding="utf-8"), f"prompts/templates/{name_or_path}.yaml")


def render(prompt: PromptFile, variables: dict[str, Any]) -> Rendered:
    """Render every message strictly: a missing or undeclared variable fails with its name."""
    missing = [v for v in prompt.variables if v not in variables]
    if missing:
        raise PromptError(
            f"prompt {prompt.name!r} v{prompt.version} needs {', '.join(missing)}; "
            f"given: {', '.join(sorted(variables)) or 'nothing'}"
        )
    context = {**variables, "house_rules": prompt.house_rules}
    messages = [
        _MESSAGE_TYPES[spec.role](content=_render_text(prompt, spec.content, context))
        for spec in prompt.messages
    ]
    return Rendered(tuple(messages), _render_text(prompt, prompt.response_prefix, context))


def _render_text(prompt: PromptFile, template: str, context: dict[str, Any]) -> str:
    try:
        return _ENV.from_string(template).render(**context).strip()
    except UndefinedError as exc:
        raise PromptError(f"prompt {prompt.name!r} v{prompt.version}: {exc.message}") from exc
