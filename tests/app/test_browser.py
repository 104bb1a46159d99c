"""The workbench in a real browser: Debian's chromium driven by Playwright, served offline.

One server for the module, started by `escalation viz --results DIR` itself: every browser
context is a visitor of its own, so tests cannot disturb each other through the server.
Nothing here downloads a browser: `.ci/run` installs Debian's chromium, and without it
these tests fail.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from browser.panels import LEVERS, lever_label
from model.parameters import Parameters
from tests.app.folders import calibration_folder
from tests.experiments.sweeps import swept

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
WAIT_MS = 30_000
VIEWPORT = {"width": 1500, "height": 1000}
SWEEP = """[experiment]
name = "browser"
scenario = "paris_moscow_call"
replications = 8
posterior_draws = 4
seed = 3
horizon = 104

[fixed]
concession_scale = 0.25

[vary]
multilateral_pressure = [0.3, 0.9]
"""
GENERIC_ACTORS = {"Aurelia", "Borduria", "Caldera", "Dorvia", "Estland", "Fenwick"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """A sweep with runs of several outcomes, a calibration, and a damaged folder."""
    damaged = tmp_path_factory.mktemp("damaged")
    (damaged / "manifest.json").write_text("{not json", encoding="utf-8")
    return {"sweep": swept(tmp_path_factory, "browser", SWEEP), "damaged": damaged,
            "calibration": calibration_folder(tmp_path_factory.mktemp("cal") / "tiny")}


@pytest.fixture(scope="module")
def server(folders) -> Iterator[str]:
    """`escalation viz --port P --results SWEEP`, stopped (with its server) at the end."""
    ARTIFACTS.mkdir(exist_ok=True)
    port = _free_port()
    with open(ARTIFACTS / "solara.log", "w") as log:
        viz = subprocess.Popen([sys.executable, "-m", "experiments.cli", "viz", "--port",
                                str(port), "--results", str(folders["sweep"])], cwd=REPO,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while not _answers(port):
                if viz.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"escalation viz did not serve; see {ARTIFACTS}/solara.log")
                time.sleep(0.3)
            yield f"http://127.0.0.1:{port}/"
        finally:
            os.kill(viz.pid, signal.SIGTERM)
            viz.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: `.ci/run` installs it "
                    "(apt-get update && apt-get install -y chromium); never `playwright install`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visitor:
    """A browser context (cookies of its own) and the hosts its pages asked for."""

    def __init__(self, browser: Browser) -> None:
        self.context: BrowserContext = browser.new_context(viewport=VIEWPORT)
        self.hosts: set[str] = set()
        self.context.on("request", lambda r: self.hosts.add(urlparse(r.url).hostname or ""))

    def open(self, url: str) -> Page:
        page = self.context.new_page()
        page.goto(url)
        expect(page.locator(".v-tab").first).to_be_visible(timeout=60_000)
        return page


@pytest.fixture
def visitor(browser: Browser) -> Iterator[Visitor]:
    visitor = Visitor(browser)
    yield visitor
    visitor.context.close()
    assert visitor.hosts <= {"127.0.0.1"}, f"requests left the machine: {visitor.hosts}"


def run_page(visitor: Visitor, server: str) -> Page:
    page = visitor.open(server)
    expect(page.locator(".week")).to_have_text("Week 0 of 156", timeout=WAIT_MS)
    return page


def week(page: Page) -> int:
    return int(re.search(r"Week (\d+) of", page.locator(".week").inner_text()).group(1))


def shot(page: Page, name: str, height: int = 2600) -> None:
    page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
    page.wait_for_timeout(500)
    page.screenshot(path=ARTIFACTS / name, full_page=True)
    page.set_viewport_size(VIEWPORT)


# ---------------------------------------------------------------- the run page
def test_each_visitor_has_a_model_of_their_own(browser, server):
    first, second = Visitor(browser), Visitor(browser)
    try:
        a, b = run_page(first, server), run_page(second, server)
        for _ in range(3):
            a.get_by_role("button", name="Step").click()
        expect(a.locator(".week")).to_have_text("Week 3 of 156", timeout=WAIT_MS)
        expect(a.locator(".panel-network")).to_contain_text("Week 3:")
        b.reload()
        expect(b.locator(".week")).to_have_text("Week 0 of 156", timeout=WAIT_MS)
        expect(b.locator(".panel-network")).to_contain_text("Week 0:")
        assert set(b.locator(".panel-log tbody td:first-child").all_inner_texts()) <= {"0"}
        a.get_by_role("button", name="▶ Play").click()   # then the tab is closed mid-Play
        a.wait_for_timeout(500)
        a.close()
        b.get_by_role("button", name="Step").click()
        expect(b.locator(".week")).to_have_text("Week 1 of 156", timeout=WAIT_MS)
        again = run_page(first, server)   # the first visitor comes back: a fresh run
        expect(again.locator(".run-heading")).to_have_text("Scenario paris_moscow_call, seed 42")
        assert week(b) == 1
    finally:
        first.context.close()
        second.context.close()
    assert first.hosts | second.hosts <= {"127.0.0.1"}


def test_step_never_loses_a_click_and_play_shows_at_least_five_weeks_a_second(visitor, server):
    page = run_page(visitor, server)
    step = page.get_by_role("button", name="Step")
    for _ in range(5):
        step.click()
    expect(page.locator(".week")).to_have_text("Week 5 of 156", timeout=WAIT_MS)
    page.get_by_role("button", name="▶ Play").click()
    start, first = time.monotonic(), week(page)
    page.wait_for_timeout(3000)
    rate = (week(page) - first) / (time.monotonic() - start)
    print(f"\nPlay: {rate:.1f} weeks a second over 3 s")   # shown with pytest -s
    page.get_by_role("button", name="❚❚ Pause").click()
    expect(page.get_by_role("button", name="▶ Play")).to_be_visible(timeout=WAIT_MS)
    assert rate >= 5, f"Play showed {rate:.1f} weeks a second"
    page.wait_for_timeout(500)
    paused = week(page)
    # every panel shows the same week
    expect(page.locator(".panel-outcome")).to_contain_text(f"Week {paused} of 156")
    expect(page.locator(".panel-network")).to_contain_text(f"Week {paused}:")
    assert page.locator(".panel-log tbody td:first-child").first.inner_text() == str(paused)
    page.wait_for_timeout(600)
    assert week(page) == paused   # paused means paused
    shot(page, "run.png")


def test_the_sidebar_shows_every_lever_with_its_value_and_no_mesa_placeholder(visitor, server):
    page = run_page(visitor, server)
    sidebar = page.locator(".v-navigation-drawer")
    expect(sidebar.get_by_role("slider", name="Seed: 42")).to_have_count(1)
    for name in LEVERS:
        spec = Parameters.spec(name)
        if spec["type"] == "bool":
            expect(sidebar.get_by_text(lever_label(name), exact=True)).to_be_visible()
        else:
            expect(sidebar.get_by_role("slider", name=re.compile(
                rf"^{lever_label(name)}: \S+ {re.escape(spec['unit'])}$"))).to_have_count(1)
    sidebar.get_by_role("slider", name="Multilateral pressure: 0.30 share").press("End")
    expect(sidebar.get_by_role("slider", name="Multilateral pressure: 1.00 share")).to_have_count(1)
    text = page.locator("body").inner_text()
    for placeholder in ("Page 0", "PAGE 0", "Time:", "Information", "Play Interval"):
        assert placeholder not in text


def test_reset_rebuilds_the_model_from_the_controls_shown(visitor, server):
    page = run_page(visitor, server)
    page.get_by_role("button", name="Step").click()
    seed = page.get_by_role("slider", name=re.compile(r"^Seed: "))
    seed.press("Home")
    for _ in range(7):
        seed.press("ArrowRight")
    expect(page.get_by_role("slider", name="Seed: 7")).to_have_count(1)
    page.get_by_text("Channel open", exact=True).click()
    page.get_by_role("slider", name="Multilateral pressure: 0.30 share").press("End")
    page.locator(".v-select", has_text="Scenario").click()
    page.get_by_role("option", name="generic_crisis").click()
    page.get_by_role("button", name="Reset").click()
    expect(page.locator(".week")).to_have_text("Week 0 of 156", timeout=WAIT_MS)
    expect(page.locator(".run-heading")).to_have_text("Scenario generic_crisis, seed 7")
    settings = page.locator(".panel-settings")
    expect(settings).to_contain_text("Multilateral pressure = 1.00")
    expect(settings).to_contain_text("Channel open = no")
    for _ in range(2):
        page.get_by_role("button", name="Step").click()
    expect(page.locator(".week")).to_have_text("Week 2 of 156", timeout=WAIT_MS)
    actors = set(page.locator(".panel-log tbody td:nth-child(2)").all_inner_texts())
    assert actors and actors <= GENERIC_ACTORS, actors


# ---------------------------------------------------------------- the results page
def results_page(visitor: Visitor, server: str) -> Page:
    page = visitor.open(server + "results")
    expect(page.locator(".results-header")).to_contain_text("Sweep browser", timeout=WAIT_MS)
    return page


def test_a_sweep_is_explored_and_a_row_opens_the_run_behind_it(visitor, server):
    page = results_page(visitor, server)
    shares = page.locator("table.shares tbody tr")
    expect(shares).to_have_count(3)   # two design points, and all runs
    expect(page.locator("table.shares thead")).to_contain_text("negotiated (imposed)")
    expect(page.locator(".heatmap svg")).to_have_count(1)
    expect(page.locator(".time-to-outcome svg path.series")).to_have_count(5)
    shot(page, "results-sweep.png", 3600)
    page.locator(".v-select", has_text="Values").click()
    page.get_by_role("option", name="negotiated").click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Add filter").click()
    expect(page.locator(".active-filter")).to_have_text("outcome in {negotiated}")
    rows = page.locator("tr.run-row")
    outcomes = page.locator("tr.run-row td:nth-child(7)")
    expect(outcomes.filter(has_not_text="negotiated")).to_have_count(0, timeout=WAIT_MS)
    expect(outcomes.first).to_have_text("negotiated")
    cells = rows.first.locator("td").all_inner_texts()
    run_id, rule, decided = cells[0], cells[7], cells[8]
    rows.first.locator(".row-open").click()
    heading = page.locator(".run-heading")
    expect(heading).to_contain_text(f"Replay: run {run_id} (", timeout=WAIT_MS)
    expect(page.locator(".week")).to_have_text("Week 0 of 104")
    page.get_by_role("button", name="To the end").click()
    banner = page.locator(".panel-outcome")
    expect(banner).to_contain_text(f"Outcome: NEGOTIATED (rule '{rule}'", timeout=WAIT_MS)
    expect(banner).to_contain_text(f"decided in week {decided}")
    expect(page.locator(".replay-check")).to_contain_text("The replay matches its row")


def test_two_runs_side_by_side_week_by_week(visitor, server):
    page = results_page(visitor, server)
    rows = page.locator("tr.run-row")
    rows.nth(0).locator(".row-A").click()
    rows.nth(1).locator(".row-B").click()
    expect(page.locator(".picks")).to_contain_text("B: run 1 (")
    page.get_by_role("button", name="Compare week by week").click()
    verdicts = page.locator(".verdicts")
    expect(verdicts).to_contain_text("A: run 0 (", timeout=WAIT_MS)
    expect(verdicts).to_contain_text("B: run 1 (")
    expect(page.locator(".compare-charts svg")).to_have_count(6)
    slider = page.get_by_role("slider", name=re.compile(r"^Week: "))
    for _ in range(4):
        slider.press("ArrowRight")
    expect(page.locator(".week-table")).to_contain_text("Week 4")
    expect(page.locator(".actions-A")).to_contain_text("Actions of run A in week 4")
    shot(page, "results-compare.png", 4200)


def test_a_calibration_opens_and_a_damaged_folder_is_refused_in_one_line(visitor, server,
                                                                           folders):
    page = results_page(visitor, server)
    folder = page.get_by_label("Results folder (a sweep, sensitivity or calibration output)")
    folder.fill(str(folders["damaged"]))
    page.get_by_role("button", name="Open folder").click()
    refusal = page.locator(".refusal")
    expect(refusal).to_contain_text(f"escalation: error: {folders['damaged']}/manifest.json: "
                                    "damaged manifest (not valid JSON)", timeout=WAIT_MS)
    assert "\n" not in refusal.inner_text().strip()
    folder.fill(str(folders["calibration"]))
    page.get_by_role("button", name="Open folder").click()
    expect(page.locator(".results-header")).to_contain_text("Calibration tiny",
                                                            timeout=WAIT_MS)
    expect(page.locator(".refusal")).to_have_count(0)
    expect(page.locator(".generations svg")).to_have_count(3)
    expect(page.locator(".marginals svg")).to_have_count(2)
    expect(page.locator(".pairs svg circle.point")).to_have_count(40)
    expect(page.locator(".predictive svg circle.estimate")).to_have_count(2)
    expect(page.locator(".predictive-table")).to_contain_text("interstate_war_endings: "
                                                              "peace_agreement (among ended)")
    shot(page, "results-calibration.png", 3000)
