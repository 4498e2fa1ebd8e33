"""Headless Chromium for the browser tests: Debian's `chromium`, installed with apt-get when absent (as CI does),
else the test is skipped saying why."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    for name in CANDIDATES:
        if path := shutil.which(name):
            return path
    return None


def chromium_or_skip() -> str:
    """The Chromium binary; installs Debian's package first if it is missing and we may (root with apt-get)."""
    found = find_chromium()
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"], env=env,
                       capture_output=True, timeout=900)
        found = find_chromium()
        if found:
            return found
    pytest.skip("no Chromium on this machine and it could not be installed (apt-get install chromium, as root)")


def _run(chromium: str, args: list[str], url: str) -> subprocess.CompletedProcess:
    return subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--no-first-run", "--disable-dev-shm-usage", *args, url],
                          capture_output=True, text=True, timeout=120, check=True)


def rendered_dom(chromium: str, url: str, budget_ms: int = 5000, width: int = 800, height: int = 600) -> str:
    """The page's DOM once Chromium has loaded and laid it out (scripts run for `budget_ms` of virtual time;
    a dashboard draws only what is in the window, so give it a window as tall as its content)."""
    return _run(chromium, ["--dump-dom", f"--virtual-time-budget={budget_ms}", f"--window-size={width},{height}"],
                url).stdout


def screenshot(chromium: str, url: str, out: Path, width: int = 1280, height: int = 2400,
               budget_ms: int | None = None) -> Path:
    budget = [f"--virtual-time-budget={budget_ms}"] if budget_ms else []
    _run(chromium, [f"--screenshot={out}", f"--window-size={width},{height}", *budget], url)
    assert out.exists() and out.stat().st_size > 10_000, f"Chromium wrote no screenshot at {out}"
    return out


class FieldReader(HTMLParser):
    """The text of every element carrying data-field, per enclosing data-workflow card (or '' outside one)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, dict[str, str]] = {}
        self.svgs = 0
        self._stack: list[tuple[str, str | None, str | None]] = []  # (tag, workflow, field)
        self._text: dict[int, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg":
            self.svgs += 1
        workflow = attrs.get("data-workflow") or (self._stack[-1][1] if self._stack else None)
        field = attrs.get("data-field")
        if tag in ("meta", "link", "br", "img", "input", "hr") or tag.startswith("svg:"):
            return
        self._stack.append((tag, workflow, field))
        if field:
            self._text[len(self._stack)] = []

    def handle_endtag(self, tag):
        while self._stack:
            depth = len(self._stack)
            open_tag, workflow, field = self._stack.pop()
            if field:
                text = " ".join("".join(self._text.pop(depth)).split())
                self.fields.setdefault(workflow or "", {})[field] = text
            if open_tag == tag:
                break

    def handle_data(self, data):
        for parts in self._text.values():
            parts.append(data)


def read_fields(page: str) -> FieldReader:
    reader = FieldReader()
    reader.feed(page)
    return reader


def _number(text: str) -> float:
    return float(text.rstrip("%").replace(",", ""))


def assert_cards_match_the_mart(page: str, published: Path) -> int:
    """Every number a workflow card shows in the browser equals the mart's, to the card's one decimal."""
    import duckdb

    fields = read_fields(page).fields
    with duckdb.connect(str(published), read_only=True) as con:
        rows = con.execute("select workflow, effect_pct, ci_low_pct, ci_high_pct, adopters_n, control_n, "
                           "naive_change_pct, verdict from mart_workflow_outcomes").fetchall()
    assert rows
    for workflow, effect, low, high, adopters, control, naive, verdict in rows:
        card = fields[workflow]
        for shown, value in ((card["effect_pct"], effect), (card["ci_low_pct"], low), (card["ci_high_pct"], high),
                             (card["naive_change_pct"], naive)):
            expected = None if value is None else round(float(value), 1)
            assert (shown == "n/a") if expected is None else _number(shown) == pytest.approx(expected), workflow
        assert (int(card["adopters_n"]), int(card["control_n"]), card["verdict"]) == (adopters, control, verdict)
        assert card["evidence"] == "observational"
    return len(rows)
