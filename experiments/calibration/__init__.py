"""Calibration: fitting structural parameters to empirical targets by ABC-SMC (pyabc).

One concept, one package, a module per job:

* ``config``: calibration files (TOML): priors, targets, budget, validated on load;
* ``screening``: which parameters of a Morris experiment move the fit;
* ``distance``: a particle's summary statistics and its distance to the targets;
* ``particles``: a particle as a batch of seeded runs through the project's runner;
* ``folder``: the output folder's files and manifest (identity, provenance, resume);
* ``smc``: the ABC-SMC loop, one generation at a time, resumable;
* ``outputs``: what a finished calibration writes (posterior, diagnostics, predictive).

The diagnostics themselves are pure functions in ``experiments.analysis.diagnostics``;
a scenario's posterior is read by ``model.posterior``.
"""
