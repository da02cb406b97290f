from __future__ import annotations

from pathlib import Path

import pytest

from prompts.render import builtin_prompt_names, load_prompt, parse_prompt, render
from whythis.errors import PromptError

GOOD = """
name: t
version: 2
variables: [who]
response_prefix: "Because"
messages:
  - role: system
    content: "Rules: {{ house_rules | join(' ') }}"
  - role: user
    content: "Hello {{ who.name }}"
house_rules: ["Be true."]
"""


def test_renders_messages_and_prefix() -> None:
    rendered = render(parse_prompt(GOOD, "t.yaml"), {"who": {"name": "Ana"}})
    assert rendered.as_dicts() == [
        {"role": "system", "content": "Rules: Be true."},
        {"role": "user", "content": "Hello Ana"},
    ]
    assert rendered.response_prefix == "Because"


def test_response_prefix_is_a_strict_template_too() -> None:
    text = GOOD.replace('response_prefix: "Because"', 'response_prefix: "{{ who.name }} would like it"')
    rendered = render(parse_prompt(text, "t.yaml"), {"who": {"name": "Ana"}})
    assert rendered.response_prefix == "Ana would like it"
    with pytest.raises(PromptError, match="name"):
        render(parse_prompt(text, "t.yaml"), {"who": {}})
    with pytest.raises(PromptError, match="response_prefix"):
        parse_prompt(text.replace("}} would like", "would like"), "t.yaml")


@pytest.mark.parametrize(
    ("audience", "domain", "opening"),
    [
        ("support", "amazon", "The user would buy the book"),
        ("support", "google", "The user would enjoy the business"),
        ("support", "yelp", ""),
        ("support", "", ""),
        ("shopper", "google", ""),
    ],
)
def test_xrec_opening_follows_the_source_and_the_audience(audience: str, domain: str, opening: str) -> None:
    variables = {"audience": audience, "domain": domain, "user_profile": "u", "title": "t"}
    variables["item_profile"] = "i"
    assert render(load_prompt("xrec"), variables).response_prefix == opening


def test_missing_declared_variable_names_it() -> None:
    with pytest.raises(PromptError, match="needs who"):
        render(parse_prompt(GOOD, "t.yaml"), {})


def test_missing_nested_attribute_fails_strictly() -> None:
    with pytest.raises(PromptError, match="name"):
        render(parse_prompt(GOOD, "t.yaml"), {"who": {}})


def test_unknown_key_in_prompt_file_is_rejected() -> None:
    with pytest.raises(PromptError, match="colour"):
        parse_prompt(GOOD + "colour: red\n", "t.yaml")


def test_template_syntax_error_reported_at_load() -> None:
    with pytest.raises(PromptError, match="message 1"):
        parse_prompt(GOOD.replace("{{ who.name }}", "{{ who.name "), "t.yaml")


def test_unknown_builtin_lists_the_valid_ones() -> None:
    with pytest.raises(PromptError, match="reason"):
        load_prompt("nope")


def test_every_shipped_prompt_loads_and_renders_from_a_file(tmp_path: Path) -> None:
    assert "reason" in builtin_prompt_names()
    for name in builtin_prompt_names():
        assert load_prompt(name).name == name
    path = tmp_path / "p.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_prompt(path).version == 2


def test_reason_prompt_speaks_to_each_audience() -> None:
    prompt = load_prompt("reason")
    variables = {
        "shopper": {"profile": "runner", "preferences": [], "purchases": []},
        "item": {"title": "Trail Shoe", "facts": {"colour": "Black"}},
        "matches": [],
        "signals": [],
    }
    to_shopper = render(prompt, {**variables, "audience": "shopper"}).as_dicts()[0]["content"]
    to_staff = render(prompt, {**variables, "audience": "support"}).as_dicts()[0]["content"]
    assert '"you"' in to_shopper and "the user" in to_staff
