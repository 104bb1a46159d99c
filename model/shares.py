"""State variables are shares and indices in [0, 1]: the one clipping rule they share."""

from __future__ import annotations


def clip(value: float, low: float = 0.0, high: float = 1.0) -> float:
    """``value`` held within [low, high] (state variables are shares and indices)."""
    return low if value < low else high if value > high else value
