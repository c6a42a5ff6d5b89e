"""A synthetic two-year life-log for one person, Alex, with known causal effects.

`simulate` samples the structural causal model in `brain.demo.scm` (its docstring lists the
equations, `TRUE_EFFECTS` the effects analytics must recover); `generate` writes the result as
real export files (How We Feel, Apple Health, Spotify, a wearable CSV) for the importers.
"""

from brain.demo.exports import generate
from brain.demo.scm import TRUE_EFFECTS, DemoParams, DemoTruth, simulate, true_effects

__all__ = ["TRUE_EFFECTS", "DemoParams", "DemoTruth", "generate", "simulate", "true_effects"]
