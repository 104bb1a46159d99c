"""The browser workbench of the hybrid-war escalation model (Solara, offline).

Serve it with ``escalation viz`` (or ``solara run app.py``). Two pages:

* ``/`` (browser/run.py): watch one run week by week: Step, Play, Reset from the sidebar's
  scenario, seed and policy levers;
* ``/results`` (browser/explorer.py): open a sweep, sensitivity or calibration folder, and
  open any row's run in the run page, or two runs side by side.

Each browser session has its own ``Workbench`` (browser/session.py), built by ``Layout``:
nothing one visitor does changes what another sees. Everything is drawn as SVG/HTML
text by the app (browser/svg.py), so it renders with no internet (shared/VIZ_OFFLINE.md).
"""

from __future__ import annotations

import solara

from browser.explorer import ResultsPage
from browser.run import RunPage
from browser.session import Workbench, workbench_context

TITLE = "Hybrid-war escalation"
# Slider labels carry their value and unit: let a long one wrap instead of overlapping.
CSS = """
.v-input__slider .v-label { white-space: normal; height: auto; max-width: 60%;
                            line-height: 1.25; }
.v-input__slider .v-input__slot { min-height: 36px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #e0e0e0; padding: 2px 6px; text-align: left; }
"""


@solara.component
def Layout(children: list | None = None) -> None:
    """One Workbench per browser session, shared by both pages, and the app's frame."""
    bench = solara.use_memo(Workbench, [])
    workbench_context.provide(bench)
    route, routes = solara.use_route()
    solara.Style(CSS)
    # AppLayout takes a second child for a sidebar: everything else goes in its AppBar.
    with solara.AppLayout(children=children or [], title=TITLE), solara.AppBar():
        solara.AppBarTitle(TITLE)
        with solara.lab.Tabs(value=routes.index(route), align="center"):
            for page in routes:
                solara.lab.Tab(page.label, path_or_route=page)


routes = [   # the root route's layout wraps every page
    solara.Route(path="/", component=RunPage, label="Run", layout=Layout),
    solara.Route(path="results", component=ResultsPage, label="Results"),
]
