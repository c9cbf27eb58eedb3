"""SE-04 without a browser: nothing in the web layer switches Jinja2's escaping off. A grep as a test over
`web/templates` and the web package's Python: no `safe` filter, no `{% autoescape false %}`, no
`Markup(...)` outside an allow-list whose output is built from no guest data; and the app's template
environment escapes every .html template."""

from __future__ import annotations

import re
from pathlib import Path

from guestgraph import web
from tests.conftest import LiveServer

WEB = Path(web.__file__).parent
TEMPLATES = WEB / "templates"
UNESCAPING = re.compile(r"\|\s*safe\b|{%-?\s*autoescape\s+false|\bMarkup\s*\(")
# Where markup is built on purpose, and why it cannot carry guest data.
ALLOWED = {
    # segno draws a QR code's SVG itself; the encoded text (a TOTP URI, a self-service link) is only
    # modules in it, and its title is one of our constants ("TOTP", "self-service").
    ("_render.py", 'return Markup(out.getvalue().decode("utf-8"))  # noqa: S704  # nosec B704'),
}


def _uses() -> list[tuple[str, int, str]]:
    files = sorted(TEMPLATES.rglob("*")) + sorted(WEB.glob("*.py"))
    return [
        (str(path.relative_to(WEB)), number, line.strip())
        for path in files
        if path.is_file() and path.suffix in {".html", ".txt", ".xml", ".py"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if UNESCAPING.search(line)
    ]


def test_no_template_or_web_module_turns_escaping_off() -> None:
    templates = [u for u in _uses() if u[0].startswith("templates/")]
    assert templates == [], f"a template unescapes a value: {templates}"
    unexpected = [u for u in _uses() if (u[0], u[2]) not in ALLOWED]
    assert unexpected == [], f"Markup built outside the allow-list: {unexpected}"
    assert len(list(TEMPLATES.glob("*.html"))) > 50  # the grep sees the templates


def test_the_pattern_finds_what_it_must() -> None:
    for line in ("{{ g.name|safe }}", "{{ x | safe }}", "{% autoescape false %}", "Markup(text)"):
        assert UNESCAPING.search(line), line
    assert not UNESCAPING.search("{{ g.name }} {{ 'safe' }} unsafe_name")


def test_the_app_escapes_every_html_template(live: LiveServer) -> None:
    env = live.app.state.templates.env
    for name in sorted(p.name for p in TEMPLATES.glob("*.html")):
        assert env.autoescape(name) if callable(env.autoescape) else env.autoescape, name
