"""Browser visualisation of the hybrid-war escalation model (Mesa SolaraViz).

Serve it with ``escalation viz`` or ``solara run app.py``. It works with no
internet: matplotlib figures only, Solara's own assets (shared/VIZ_OFFLINE.md).
The panels live in experiments/viz_components.py.
"""

from mesa.visualization import SolaraViz

from experiments.viz_components import (
    PANELS,
    EscalationVizModel,
    initial_kwargs,
    make_model_params,
)

model_params = make_model_params()
model = EscalationVizModel(**initial_kwargs(model_params))

page = SolaraViz(
    model,
    components=PANELS,
    model_params=model_params,
    name="Hybrid-war escalation",
)
page  # noqa
