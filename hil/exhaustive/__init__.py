"""The exhaustive tier: every case of a module's domain, evaluated inside wasm.

Public API for the HIL plugin, sweeps and qualification:

- `run_exhaustive(wasm, domain, max_price) -> ExhaustiveReport`
- `diff_versions(before, after, domain) -> VersionDiff`
- `results_cube(wasm, domain)` for inspecting raw results of small domains
- `estimate_sweep`, `enforce_sweep_budget`, `DEFAULT_SWEEP_BUDGET_S`: the time a
  sweep will take, from a short calibration run of the real module, against a budget
"""

from hil.exhaustive.budget import (
    DEFAULT_SWEEP_BUDGET_S,
    SweepBudgetExceeded,
    SweepEstimate,
    enforce_sweep_budget,
    estimate_sweep,
)
from hil.exhaustive.classify import ClassCounts
from hil.exhaustive.domain import Domain, DomainError, SweepError
from hil.exhaustive.engine import SweepOptions
from hil.exhaustive.findings import Case, Finding, HourDiff
from hil.exhaustive.lane import sweepable
from hil.exhaustive.report import ExhaustiveReport, VersionDiff
from hil.exhaustive.results import diff_versions, results_cube
from hil.exhaustive.tier import run_exhaustive

__all__ = [
    "DEFAULT_SWEEP_BUDGET_S",
    "Case",
    "ClassCounts",
    "Domain",
    "DomainError",
    "ExhaustiveReport",
    "Finding",
    "HourDiff",
    "SweepBudgetExceeded",
    "SweepError",
    "SweepEstimate",
    "SweepOptions",
    "VersionDiff",
    "diff_versions",
    "enforce_sweep_budget",
    "estimate_sweep",
    "results_cube",
    "run_exhaustive",
    "sweepable",
]
