"""The dependency direction between the project's packages, checked on every import statement."""

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


def imports_of(path: Path) -> set[str]:
    """Every module name a file imports (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def violations(package: str) -> list[str]:
    """Imports in a package that break the dependency direction."""
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imports_of(path):
            top = name.split(".")[0]
            if top not in OURS or (top == package and package != "whythis"):
                continue
            if name in BASE or any(name.startswith(b + ".") for b in BASE):
                continue
            if top not in ALLOWED[package]:
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return bad


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_dependency_direction(package: str) -> None:
    assert violations(package) == []


def test_checker_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("from agent.chat import ChatAgent\nimport ui.app\n", encoding="utf-8")
    assert imports_of(bad) == {"agent.chat", "ui.app"}


def test_base_modules_import_nothing_of_ours() -> None:
    for name in BASE:
        path = ROOT / (name.replace(".", "/") + ".py")
        ours = {n for n in imports_of(path) if n.split(".")[0] in OURS}
        assert ours <= BASE, name
