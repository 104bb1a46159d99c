"""The report's limitations: what the model leaves out, and what its calibration fitted.

The calibration part is read from the posterior each scenario names (its parameters,
and the record the file keeps of how it was made: the targets and scenario it was fitted
on, and any conditioning), so it cannot drift from the shipped posterior; the rest
summarises docs/ODD.md, "Known limitations".
"""

from __future__ import annotations

from model.parameters import Parameters
from model.scenario import Scenario

# Below this share of its particles, a posterior's effective sample size means that its
# draws mostly repeat a few parameter sets (a reporting rule, not a model parameter).
DEGENERATE_SHARE = 0.1

LEFT_OUT = (
    "One war on one front between one attacker and one defender; territory is a single "
    "share with no geography.",
    "A run stops at the first direct NATO–Russia clash or nuclear use: what would follow "
    "is not modelled, so *escalated* counts the crossings, not their consequences.",
    "Casualties, capability and costs are notional units: compare settings, do not read "
    "absolute numbers as forecasts.",
    "No economy, elections, leadership change or weapons production beyond a "
    "regeneration term; multilateral pressure is a constant, not third parties' behaviour.",
    "Truces and settlements break only through the belligerents' own acts; spoilers, "
    "audience costs of nuclear threats and learning about others' goals are left out.",
    "An imposed ending (an army's collapse) is a capitulation on the current line, not "
    "an agreement; the report keeps it apart from agreed settlements.",
)


def calibration_facts(scenario: Scenario) -> str:
    """One paragraph on what the scenario's calibration fitted, from its posterior."""
    posterior = scenario.posterior
    if posterior is None:
        return (f"`{scenario.name}` is not calibrated: every parameter is a default or a "
                "value of its scenario file (model assumptions, not estimates).")
    record = posterior.record
    fitted = ", ".join(f"`{n}`" for n in posterior.names)
    text = (f"`{scenario.name}` runs its {len(posterior.names)} calibrated structural "
            f"parameters ({fitted}) at the posterior's weighted medoid, or at posterior "
            "draws where a question's sweep asks for them")
    if record:
        targets = ", ".join(f"`{t}`" for t in posterior.targets)
        text += (f". They were fitted by ABC-SMC on the scenario `{record.get('scenario')}` "
                 f"to {targets} ({record.get('stopped_by', 'stopping rule not recorded')})")
        held = record.get("held")
        if isinstance(held, dict) and held.get("names"):
            names = list(held["names"])
            text += (f"; {len(names)} of them were not fitted with the others but held at "
                     f"the medoid of an earlier fit (`{held.get('posterior')}`), so posterior "
                     "draws vary only the rest and leave out the held parameters' "
                     "uncertainty")
        conditioned = record.get("conditioned")
        if isinstance(conditioned, dict):
            text += (f", then conditioned on a war still fighting at week "
                     f"{conditioned.get('age_weeks')} (each parameter set weighted by the "
                     "share of its runs of the generic war still fighting then)")
        if record.get("scenario") != scenario.name:
            text += (f"; `{scenario.name}` borrows that fit: its own actors and initial "
                     "conditions (from the seed article) were not fitted")
    effective = 1.0 / float((posterior.weights ** 2).sum())
    text += (f". Its weights give an effective sample size of {effective:.1f} of "
             f"{len(posterior)} parameter sets")
    if effective < DEGENERATE_SHARE * len(posterior):
        text += (": the draws repeat a few parameter sets, so the spread over posterior "
                 "draws understates the parameter uncertainty")
    others = len(Parameters.names()) - len(posterior.names)
    return (text + f". The other {others} parameters, the policy levers among them, keep "
            "their defaults or scenario values: model assumptions, not estimates.")


def limitations_markdown(scenarios: list[Scenario]) -> str:
    """The report's "Limitations" section."""
    left_out = "\n".join(f"- {line}" for line in LEFT_OUT)
    fitted = "\n\n".join(calibration_facts(s) for s in scenarios)
    return ("## Limitations\n\n**What the model leaves out** (docs/ODD.md, \"Known "
            f"limitations\"):\n\n{left_out}\n\n**What the calibration fitted.** {fitted}\n")
