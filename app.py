"""Browser visualisation of the hybrid-war escalation model (Mesa SolaraViz).

Serve it with ``escalation viz`` or ``solara run app.py``. It works with no
internet: matplotlib figures only, Solara's own assets (shared/VIZ_OFFLINE.md).
The panels and controls live in app_panels.py; the controls are EscalationModel's
own keyword arguments, so SolaraViz's Reset rebuilds the model itself.
"""

from mesa.visualization import SolaraViz

from app_panels import PANELS, initial_kwargs, make_model_params
from model import EscalationModel

model_params = make_model_params()
model = EscalationModel(**initial_kwargs(model_params))

page = SolaraViz(
    model,
    components=PANELS,
    model_params=model_params,
    name="Hybrid-war escalation",
)
page  # noqa
