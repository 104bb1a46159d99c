"""The app in a real browser: Debian's chromium driven by Playwright, the page served offline.

The server runs the command `escalation viz` runs (experiments/cli/viz.py). Nothing here
downloads a browser: `.ci/run` installs Debian's chromium, and without it these tests fail.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from experiments.cli import viz

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
PANELS = ("outcome", "network", "ladder", "timeseries", "log")
FIGURES = ("network", "ladder", "timeseries")
WAIT_MS = 30_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, server: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"solara exited with {server.returncode}; see {ARTIFACTS}/solara.log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"solara did not answer on port {port} within {timeout:.0f} s")


@pytest.fixture
def url() -> Iterator[str]:
    """`escalation viz`'s server on a free port; always terminated, with its children.

    One server per test: every browser session starts from app.py's module-level model
    (Mesa's convention), so a server that a test has stepped is no longer fresh.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    port = _free_port()
    with open(ARTIFACTS / "solara.log", "w") as log:
        server = subprocess.Popen(viz.solara_command(port), cwd=REPO, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_for_port(port, server)
            yield f"http://127.0.0.1:{port}/"
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


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


@pytest.fixture
def page(browser: Browser, url: str) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1600, "height": 1300})
    page.goto(url)
    expect(page.get_by_text("Hybrid-war escalation").first).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Time: 0.0")).to_be_visible(timeout=WAIT_MS)
    yield page
    page.close()


def _figures_loaded(page: Page) -> dict[str, str]:
    """Each figure's image source, once the browser has decoded it."""
    sources = {}
    for name in FIGURES:
        image = page.locator(f".panel-{name} img")
        expect(image).to_have_count(1, timeout=WAIT_MS)
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=image.element_handle(), timeout=WAIT_MS)
        sources[name] = image.get_attribute("src")
    return sources


def _log_weeks(page: Page) -> list[str]:
    return page.locator(".panel-log tbody tr td:first-child").all_inner_texts()


def _step(page: Page, times: int) -> None:
    step = page.get_by_role("button", name="Step")
    for week in range(1, times + 1):
        step.click()
        expect(page.get_by_text(f"Time: {week}.0")).to_be_visible(timeout=WAIT_MS)


def test_page_shows_every_panel_and_step_advances_them(page: Page):
    for name in PANELS:
        expect(page.locator(f".panel-{name}")).to_be_visible(timeout=WAIT_MS)
    outcome = page.locator(".panel-outcome")
    expect(outcome).to_contain_text("Week 0: the war goes on")
    expect(outcome).to_contain_text("Scenario paris_moscow_call, seed 42")
    expect(page.locator(".panel-log")).to_contain_text("Latest actions")
    before = _figures_loaded(page)
    log_before = _log_weeks(page)
    assert set(log_before) <= {"0"}

    _step(page, 3)

    expect(outcome).to_contain_text("Week 3: the war goes on")
    expect(page.locator(".panel-log tbody tr").first).to_contain_text("3")
    after = _figures_loaded(page)
    for name in FIGURES:
        assert after[name] != before[name], f"the {name} figure did not change after Step"
    assert _log_weeks(page)[0] == "3" and _log_weeks(page) != log_before
    page.screenshot(path=ARTIFACTS / "app-after-3-steps.png", full_page=True)


def test_reset_rebuilds_the_model_with_the_new_controls(page: Page):
    _step(page, 1)
    seed = page.locator(".v-input", has_text="Seed").get_by_role("slider")
    seed.press("Home")  # the seed slider's minimum, 0; then seven steps of 1
    for _ in range(7):
        seed.press("ArrowRight")
    page.get_by_text("Direct channel open at week 0", exact=True).click()
    slider = page.locator(".v-input", has_text="Multilateral pressure (share)")
    slider.get_by_role("slider").press("End")  # the slider's maximum, 1.0
    page.locator(".v-select", has_text="Scenario").click()
    page.get_by_role("option", name="generic_crisis").click()
    page.get_by_role("button", name="Reset").click()

    expect(page.get_by_text("Time: 0.0")).to_be_visible(timeout=WAIT_MS)
    outcome = page.locator(".panel-outcome")
    expect(outcome).to_contain_text("Scenario generic_crisis, seed 7", timeout=WAIT_MS)
    expect(outcome).to_contain_text("Multilateral pressure = 1.00")
    expect(outcome).to_contain_text("Direct channel open at week 0 = no")
    _step(page, 2)
    actors = set(page.locator(".panel-log tbody tr td:nth-child(2)").all_inner_texts())
    assert actors and actors <= {"Aurelia", "Borduria", "Caldera", "Dorvia", "Estland",
                                 "Fenwick"}, actors
    assert not re.search("Russia|Ukraine", page.locator(".panel-log").inner_text())
    page.screenshot(path=ARTIFACTS / "app-after-reset.png", full_page=True)
