"""A synthetic two-year life-log for one person, Alex, with known causal effects.

`simulate` samples the structural causal model in `brain.demo.scm` (`brain.demo.params` lists
the equations in `DemoParams`, and `TRUE_EFFECTS` the effects analytics must recover);
`generate` writes the result as real export files (How We Feel, Apple Health, Spotify, a
wearable CSV and, with `lifelog=True`, browser history, a bank export and air quality from
`brain.demo.lifelog`) for the importers.
"""

from brain.demo.exports import generate
from brain.demo.params import TRUE_EFFECTS, DemoParams, true_effects
from brain.demo.records import DemoTruth
from brain.demo.scm import simulate

__all__ = ["TRUE_EFFECTS", "DemoParams", "DemoTruth", "generate", "simulate", "true_effects"]
