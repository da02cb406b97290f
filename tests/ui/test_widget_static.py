"""The widget's static files: no markup sinks or eval, only relative URLs, scoped CSS, one script tag."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "ui" / "static"
WIDGET_JS = STATIC / "whythis.js"
WIDGET_CSS = STATIC / "whythis.css"
SHOP_HTML = STATIC / "shop.html"

# Ways to turn a string into markup or code; the widget must build its DOM from elements and textContent.
UNSAFE = {
    "innerHTML": re.compile(r"innerHTML"),
    "outerHTML": re.compile(r"outerHTML"),
    "insertAdjacentHTML": re.compile(r"insertAdjacentHTML"),
    "createContextualFragment": re.compile(r"createContextualFragment"),
    "DOMParser": re.compile(r"DOMParser"),
    "srcdoc": re.compile(r"srcdoc"),
    "document.write": re.compile(r"document\s*\.\s*write"),
    "eval": re.compile(r"\beval\s*\("),
    "Function constructor": re.compile(r"\bFunction\s*\("),
    "string timer": re.compile(r"\bset(?:Timeout|Interval)\s*\(\s*[\"'`]"),
    "javascript: URL": re.compile(r"javascript\s*:", re.IGNORECASE),
}
# An absolute URL (scheme://) or a protocol-relative one ("//host") inside a string literal.
ABSOLUTE_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://|[\"'`(]\s*//[^/\s]")
REQUIRED_HOOKS = (
    "whythis-launcher",
    "whythis-panel",
    "whythis-input",
    "whythis-send",
    "whythis-card",
    "data-item-id",
    "whythis-explain",
    "whythis-thumb-up",
    "whythis-thumb-down",
    "whythis-evidence",
    "whythis-found",
    "whythis-text",
    "whythis-error",
    "aria-live",
)


def unsafe_uses(source: str) -> list[str]:
    """The names of the unsafe constructs the source uses."""
    return [name for name, pattern in UNSAFE.items() if pattern.search(source)]


def absolute_urls(source: str) -> list[str]:
    """Every absolute or protocol-relative URL start in the source."""
    return [m.group(0) for m in ABSOLUTE_URL.finditer(source)]


def _strip_css_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)


def _blocks(css: str) -> list[tuple[str, str]]:
    """The top-level (prelude, body) pairs of a stylesheet, matching braces."""
    out, depth, start, prelude = [], 0, 0, ""
    for i, ch in enumerate(css):
        if ch == "{":
            if depth == 0:
                prelude, start = css[start:i].strip(), i + 1
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced '}}' at offset {i}")
            if depth == 0:
                out.append((prelude, css[start:i]))
                start = i + 1
        elif ch == ";" and depth == 0:
            out.append((css[start:i].strip(), ""))  # a statement at-rule such as @import
            start = i + 1
    if depth != 0 or css[start:].strip():
        raise ValueError("unbalanced braces or trailing text in the stylesheet")
    return out


def unscoped_selectors(css: str) -> list[str]:
    """Every selector (or at-rule) that is not scoped to the widget."""
    bad: list[str] = []
    for prelude, body in _blocks(_strip_css_comments(css)):
        if prelude.startswith("@media") or prelude.startswith("@supports"):
            bad.extend(unscoped_selectors(body))
        elif prelude.startswith("@keyframes"):
            if not prelude.split()[-1].startswith("whythis-"):
                bad.append(prelude)
        elif prelude.startswith("@"):
            bad.append(prelude)  # @import, @font-face, @charset ... reach outside the widget
        else:
            bad.extend(
                sel
                for sel in (s.strip() for s in prelude.split(","))
                if not sel.startswith(("#whythis-", ".whythis-"))
            )
    return bad


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))


def scripts_of(html: str) -> list[dict[str, str | None]]:
    """The attributes of every script tag in the page."""
    parser = _Scripts()
    parser.feed(html)
    return parser.scripts


@pytest.mark.parametrize(
    "sample",
    [
        "node.innerHTML = card.title;",
        'el["outerHTML"] = x;',
        "box.insertAdjacentHTML('beforeend', s);",
        "document.write(x)",
        "eval(data)",
        "const f = new Function('a', body);",
        "setTimeout('go()', 10)",
        "a.href = 'javascript:alert(1)'",
        "new DOMParser().parseFromString(s, 'text/html')",
    ],
)
def test_the_scanner_catches_each_unsafe_construct(sample: str) -> None:
    assert unsafe_uses(sample)


def test_widget_builds_dom_without_markup_sinks_or_eval() -> None:
    source = WIDGET_JS.read_text(encoding="utf-8")
    assert "createElement" in source and "textContent" in source
    assert unsafe_uses(source) == []


@pytest.mark.parametrize(
    "sample",
    ['fetch("https://evil.example/x")', "const u = 'http://cdn.example/lib.js';", 'src = "//cdn.example/a"'],
)
def test_the_url_check_catches_absolute_urls(sample: str) -> None:
    assert absolute_urls(sample)


def test_widget_and_styles_reference_only_relative_urls() -> None:
    source = WIDGET_JS.read_text(encoding="utf-8")
    assert absolute_urls(source) == []
    assert '"/api/sessions' in source  # the API is reached under data-api, same origin by default
    css = WIDGET_CSS.read_text(encoding="utf-8")
    assert absolute_urls(css) == [] and "@import" not in css


def test_widget_exposes_the_hooks_tests_and_screen_readers_use() -> None:
    source = WIDGET_JS.read_text(encoding="utf-8")
    missing = [hook for hook in REQUIRED_HOOKS if hook not in source]
    assert missing == []


def test_the_scope_check_catches_page_wide_selectors() -> None:
    css = "#whythis-panel p { margin: 0 } body, .whythis-x { color: red } @media print { a { x: y } }"
    assert unscoped_selectors(css) == ["body", "a"]
    assert unscoped_selectors("@import 'x.css'; .whythis-a { b: c }") == ["@import 'x.css'"]


def test_every_css_selector_is_scoped_to_the_widget() -> None:
    css = WIDGET_CSS.read_text(encoding="utf-8")
    assert _blocks(_strip_css_comments(css))  # the file parsed into rules
    assert unscoped_selectors(css) == []


def test_shop_page_includes_the_widget_with_one_script_tag() -> None:
    scripts = scripts_of(SHOP_HTML.read_text(encoding="utf-8"))
    assert len(scripts) == 1
    (tag,) = scripts
    assert tag["src"] == "/widget/whythis.js"
    assert tag.get("data-api") == "" and "defer" in tag


def test_widget_is_valid_javascript() -> None:
    # Node.js comes with this machine kind; a missing one is a broken set-up, not a reason to skip.
    node = shutil.which("node")
    assert node is not None, "node is not installed: the widget's syntax check needs Node.js"
    done = subprocess.run(
        [node, "--check", str(WIDGET_JS)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr


def test_the_widget_shows_no_internal_field() -> None:
    # Who wrote a reason and the retrieval scores are for staff (the console), never for a shopper.
    source = WIDGET_JS.read_text(encoding="utf-8")
    shown = [f for f in ("reason_source", ".score", ".rank", "s.signal") if f in source]
    assert shown == []
