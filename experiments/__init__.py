"""Experiments on the escalation model: the CLI, single runs, and batch sweeps."""
