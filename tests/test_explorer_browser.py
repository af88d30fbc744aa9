"""The explorer page (SPEC §15) in a real browser: Playwright driving Debian's Chromium against a
real ``agi-terms serve``.

Skipped, with the reason, only when no Chromium is installed here; under CI (``CI=true``) a missing
browser fails instead. Screenshots go to pytest's temporary folder (``artifacts/``, path printed).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from service_server import Server

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "simulations" / "scenarios").glob("*.yaml"))
CHROMIUM = os.environ.get("AGI_TERMS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def _browser_missing() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install '.[test]')"
    return None


@pytest.fixture(scope="module")
def page_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with Server(tmp_path_factory.mktemp("explorer") / "explorer.db").start() as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = _browser_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("artifacts")
    print(f"\nexplorer screenshots in {folder}")
    return folder


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    yield tab
    context.close()


def link(server: Server, text: str) -> str:
    encoded = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    return f"{server.url}/#scenario={encoded}"


def wait_ready(page: Any, after: int = 0) -> None:
    page.wait_for_function(f"Number(document.body.dataset.ready || 0) > {after}", timeout=30000)


def ready_count(page: Any) -> int:
    return int(page.evaluate("Number(document.body.dataset.ready || 0)"))


def simulate_json(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "agi_terms", "simulate", str(path), "--format", "json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return dict(json.loads(out.stdout))


def type_scenario(page: Any, text: str) -> None:
    before = ready_count(page)
    page.fill("#yaml", text)
    wait_ready(page, before)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_a_deep_link_shows_the_checkpoints_and_steps_of_simulate(
    page: Any, page_server: Server, scenario: Path
) -> None:
    expected = simulate_json(scenario)
    page.goto(link(page_server, scenario.read_text()))
    wait_ready(page)
    assert page.locator("[data-error]").count() == 0
    cells = {
        (c.get_attribute("data-term"), c.get_attribute("data-date")): c.inner_text().strip()
        for c in page.locator("[data-term][data-date]").all()
    }
    wanted = {
        (term, checkpoint["date"]): "yes" if value else "no"
        for checkpoint in expected["checkpoints"]
        for term, value in checkpoint["terms"].items()
    }
    assert cells == wanted
    rows = page.locator("[data-step]").all()
    assert [r.get_attribute("data-step") for r in rows] == [str(i) for i in range(len(rows))]
    allowed = [
        None if s["decision"] is None else str(s["decision"]["allowed"]).lower()
        for s in expected["steps"]
    ]
    assert [r.get_attribute("data-allowed") for r in rows] == allowed


def test_editing_the_yaml_changes_the_timeline_and_the_link(page: Any, page_server: Server) -> None:
    base = 'agreement: "2025-10"\nevents: []\ncheckpoints: [2031-01-01]\n'
    page.goto(link(page_server, base))
    wait_ready(page)
    on_before = page.locator("[data-band=ms_research_ip] rect.on").count()
    assert page.locator("[data-term=revenue_share][data-date='2031-01-01']").inner_text() == "yes"
    edited = base.replace(
        "events: []",
        "events:\n  - {date: 2028-03-01, type: agi_declared}\n  - {date: 2028-09-01, type: panel_verified}",
    )
    type_scenario(page, edited)
    # SPEC §4: verification ends the revenue share; the steps table gains the two steps.
    assert page.locator("[data-term=revenue_share][data-date='2031-01-01']").inner_text() == "no"
    assert page.locator("[data-step]").count() > 0
    assert page.locator("[data-band=revenue_share] rect.on").count() >= 1
    assert on_before >= 1
    hash_text = page.evaluate("location.hash").removeprefix("#scenario=")
    assert base64.urlsafe_b64decode(hash_text + "=" * (-len(hash_text) % 4)).decode() == edited


def test_an_error_is_shown_at_its_place(page: Any, page_server: Server) -> None:
    good = "events:\n  - {date: 2029-03-01, type: product_launch, kind: api, cloud: aws}\ncheckpoints: [2030-01-01]\n"
    page.goto(link(page_server, good))
    wait_ready(page)
    type_scenario(page, good.replace("cloud: aws", "cloud: mars"))
    assert page.locator("#error").get_attribute("data-error") == "events[0].cloud"
    assert "line 2" in page.locator("#error").inner_text()
    type_scenario(page, "events: [\n")
    assert page.locator("#error").get_attribute("data-error").startswith("line ")
    type_scenario(page, good)
    assert page.locator("[data-error]").count() == 0


def test_a_citation_opens_the_statement_of_its_source(page: Any, page_server: Server) -> None:
    scenario = ROOT / "simulations" / "scenarios" / "no-agi-ever.yaml"
    page.goto(link(page_server, scenario.read_text()))
    wait_ready(page)
    citation = page.locator("[data-step] button.cite").first
    source = citation.get_attribute("data-source")
    citation.click()
    statement = httpx.get(f"{page_server.url}/sources/{source}").json()["statement"]
    page.wait_for_selector("#detail blockquote.statement")
    assert page.locator("#detail blockquote.statement").inner_text().strip() == statement.strip()


def test_clicking_a_checkpoint_cell_explains_the_term(page: Any, page_server: Server) -> None:
    scenario = ROOT / "simulations" / "scenarios" / "no-agi-ever.yaml"
    page.goto(link(page_server, scenario.read_text()))
    wait_ready(page)
    page.locator("[data-term=ms_research_ip][data-date='2031-01-01']").click()
    page.wait_for_function(
        "document.querySelector('#detail h3').textContent.includes('not in force')"
    )
    assert "ms_research_ip on 2031-01-01" in page.locator("#detail h3").inner_text()


def test_the_event_form_adds_an_event(page: Any, page_server: Server) -> None:
    page.goto(link(page_server, "events: []\ncheckpoints: [2031-01-01]\n"))
    wait_ready(page)
    page.click("#add-event summary")
    page.select_option("#event-type", "product_launch")
    page.fill("#event-date", "2029-05-01")
    page.select_option("#event-field-kind", "api")
    page.select_option("#event-field-cloud", "aws")
    before = ready_count(page)
    page.click("#event-form button[type=submit]")
    wait_ready(page, before)
    assert "type: product_launch, kind: api, cloud: aws" in page.input_value("#yaml")
    # SPEC §6: an API launch off Azure is denied while the Azure API exclusivity is in force.
    assert page.locator("[data-step][data-allowed=false]").count() == 1


def test_versions_diff_and_parameters(page: Any, page_server: Server) -> None:
    page.goto(f"{page_server.url}/")
    wait_ready(page)
    described = httpx.get(f"{page_server.url}/versions/2025-10").json()
    names = [r.get_attribute("data-parameter") for r in page.locator("[data-parameter]").all()]
    assert names == [p["name"] for p in described["parameters"]]
    page.select_option("#diff-a", "2025-01")
    page.select_option("#diff-b", "2025-10")
    page.click("#diff-form button[type=submit]")
    page.wait_for_selector("#diff .diff-list")
    expected = httpx.post(f"{page_server.url}/diff", json={"a": "2025-01", "b": "2025-10"}).json()
    assert page.locator("#diff .diff-list li").count() == len(expected["situations"])


def test_a_small_monte_carlo_run(page: Any, page_server: Server) -> None:
    page.goto(f"{page_server.url}/")
    wait_ready(page)
    page.fill("#mc-runs", "300")
    page.click("#mc-form button[type=submit]")
    page.wait_for_function("document.body.dataset.montecarlo === '300'", timeout=60000)
    assert page.locator("#mc-chart canvas").count() == 1
    lapse = [r.get_attribute("data-lapse") for r in page.locator("[data-lapse]").all()]
    described = httpx.get(f"{page_server.url}/versions/2025-10").json()
    assert sorted(lapse) == sorted(t["id"] for t in described["terms"])


def test_screenshots_and_load_time(browser: Any, page_server: Server, artifacts: Path) -> None:
    scenario = (ROOT / "simulations" / "scenarios" / "verified-before-2030.yaml").read_text()
    for name, viewport in (("wide", (1280, 800)), ("narrow", (390, 844))):
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        tab = context.new_page()
        began = time.perf_counter()
        tab.goto(link(page_server, scenario))
        wait_ready(tab)
        seconds = time.perf_counter() - began
        print(f"explorer {name}: loaded and simulated in {seconds:.2f} s")
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport[0], f"the page scrolls sideways at {viewport[0]} px ({width} px)"
        tab.screenshot(path=str(artifacts / f"explorer-{name}.png"), full_page=name == "narrow")
        tab.keyboard.press("Tab")
        assert tab.evaluate("document.activeElement.id") == "version"
        context.close()
