"""The dependency direction between the project's packages and inside `agent/`, on every import statement."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {"agent", "retrieval", "finetune", "prompts", "ui", "eval", "whythis"}
BASE = {"whythis.errors", "whythis.config", "whythis.paths", "whythis.runinfo", "whythis.validation"}
ALLOWED: dict[str, set[str]] = {
    "prompts": set(),
    "retrieval": set(),
    "finetune": {"prompts"},
    "agent": {"prompts", "retrieval", "finetune"},
    "eval": {"prompts", "retrieval", "finetune", "agent"},
    "ui": {"agent"},
    "whythis": set(),
}
# Inside agent/, from the bottom up: what each part may import of the others.
_BOTTOM = {"agent.untrusted", "agent.config"}
_CORE = _BOTTOM | {"agent.grounding", "agent.plans", "agent.reasons", "agent.recommender"}
_CHAT = _CORE | {"agent.intents", "agent.turns", "agent.safety", "agent.chat"}
AGENT_ALLOWED: dict[str, set[str]] = {
    "agent.untrusted": set(),
    "agent.config": set(),
    "agent.store": set(),
    "agent.grounding": {"agent.untrusted"},
    "agent.intents": {"agent.untrusted"},
    "agent.turns": _BOTTOM | {"agent.intents"},
    "agent.plans": {"agent.untrusted", "agent.grounding"},
    "agent.safety": _BOTTOM | {"agent.grounding"},
    "agent.reasons": _BOTTOM | {"agent.grounding", "agent.plans"},
    "agent.studio": _BOTTOM | {"agent.grounding", "agent.plans", "agent.reasons", "agent.store"},
    "agent.recommender": _BOTTOM | {"agent.grounding", "agent.plans", "agent.reasons"},
    "agent.chat": _CORE | {"agent.intents", "agent.turns", "agent.safety"},
    "agent.sessions": _CHAT | {"agent.store"},
    "agent.compose": _CHAT | {"agent.explain", "agent.sessions", "agent.studio", "agent.store"},
    "agent.explain": _CORE,
    "agent.cli": _CORE
    | {"agent.explain", "agent.chat", "agent.turns", "agent.sessions", "agent.studio", "agent.compose"}
    | {"agent.store"},
}

# The LM's runtime never imports its training.
FINETUNE_ALLOWED: dict[str, set[str]] = {
    "finetune.runtime": set(),
    "finetune.training": {"finetune.runtime"},
    "finetune.cli": {"finetune.runtime", "finetune.training"},
}
PARTS = {"agent": AGENT_ALLOWED, "finetune": FINETUNE_ALLOWED}

# Inside agent/grounding: reading turns a text into claims and never looks at the data or a judge; each
# judge decides one kind of fact and never runs the clause verdicts, the checker or the matched facts.
_GROUNDING = "agent.grounding"
GROUNDING_FORBIDDEN: dict[str, tuple[str, ...]] = {
    f"{_GROUNDING}.reading": tuple(
        f"{_GROUNDING}.{m}" for m in ("judges", "data", "verdicts", "check", "matches")
    ),
    f"{_GROUNDING}.judges": tuple(f"{_GROUNDING}.{m}" for m in ("verdicts", "check", "matches")),
}


def imports_of(path: Path) -> set[str]:
    """Every module name a file imports (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names if node.module in OURS)
    return names


def _module(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


def violations(package: str, root: Path = ROOT) -> list[str]:
    """Imports in a top-level package that break the dependency direction."""
    bad = []
    for path in sorted((root / package).rglob("*.py")):
        for name in sorted(imports_of(path)):
            top = name.split(".")[0]
            if top not in OURS or (top == package and package != "whythis"):
                continue
            if name in BASE or any(name.startswith(b + ".") for b in BASE):
                continue
            if top not in ALLOWED[package]:
                bad.append(f"{path.relative_to(root)} imports {name}")
    return bad


def part_of(module: str, package: str) -> str | None:
    """The part of a package a module belongs to (`agent.grounding`, `agent.cli`, ...), None outside it."""
    parts = module.split(".")
    if parts[0] != package or len(parts) < 2 or parts[1] == "__init__":
        return None
    return f"{package}.{parts[1]}"


def part_violations(package: str, allowed: dict[str, set[str]], root: Path = ROOT) -> list[str]:
    """Imports between a package's parts that go against `allowed` (an unknown part is one too)."""
    bad = []
    for path in sorted((root / package).rglob("*.py")):
        own = part_of(_module(path, root), package)
        if own is None:
            continue
        for name in sorted(imports_of(path)):
            other = part_of(name, package)
            if other is None or other == own:
                continue
            if own not in allowed or other not in allowed[own]:
                bad.append(f"{path.relative_to(root)} imports {name}")
    return bad


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_dependency_direction(package: str) -> None:
    assert violations(package) == []


@pytest.mark.parametrize("package", sorted(PARTS))
def test_parts_import_downwards_only(package: str) -> None:
    assert part_violations(package, PARTS[package]) == []


@pytest.mark.parametrize("package", sorted(PARTS))
def test_every_part_is_known(package: str) -> None:
    parts = {part_of(_module(p, ROOT), package) for p in (ROOT / package).rglob("*.py")} - {None}
    assert parts == set(PARTS[package])


def grounding_violations(root: Path = ROOT) -> list[str]:
    """Imports inside agent/grounding that go against GROUNDING_FORBIDDEN."""
    bad = []
    for path in sorted((root / "agent" / "grounding").rglob("*.py")):
        module = _module(path, root)
        for part, forbidden in GROUNDING_FORBIDDEN.items():
            if module == part or module.startswith(part + "."):
                names = sorted(imports_of(path))
                bad += [f"{path.relative_to(root)} imports {n}" for n in names if n.startswith(forbidden)]
    return bad


def test_grounding_reads_before_it_judges() -> None:
    assert grounding_violations() == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_checker_catches_a_forbidden_import(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"retrieval/x.py": "from agent.chat.agent import ChatAgent\nimport ui.app\n"})
    assert violations("retrieval", root) == [
        "retrieval/x.py imports agent.chat.agent",
        "retrieval/x.py imports ui.app",
    ]


def test_checker_catches_an_upward_import_inside_agent(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "agent/grounding/check.py": "from agent.sessions.store import Store\nimport agent.untrusted\n",
            "agent/sessions/store.py": "from agent.grounding.check import GroundingChecker\n",
        },
    )
    assert part_violations("agent", AGENT_ALLOWED, root) == [
        "agent/grounding/check.py imports agent.sessions.store"
    ]


def test_checker_catches_reading_that_judges(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "agent/grounding/reading/claims.py": "from agent.grounding.judges.price import coupon\n",
            "agent/grounding/judges/price.py": "from agent.grounding.check import GroundingChecker\n",
            "agent/grounding/judges/shopper.py": "from agent.grounding.reading.claims import Cue\n",
        },
    )
    assert grounding_violations(root) == [
        "agent/grounding/judges/price.py imports agent.grounding.check",
        "agent/grounding/reading/claims.py imports agent.grounding.judges.price",
    ]


def test_base_modules_import_nothing_of_ours() -> None:
    for name in BASE:
        path = ROOT / (name.replace(".", "/") + ".py")
        ours = {n for n in imports_of(path) if n.split(".")[0] in OURS}
        assert ours <= BASE, name
