"""The exhaustive tier: every case of a module's domain, evaluated inside wasm.

Public API for the HIL plugin, sweeps and qualification:

- `run_exhaustive(wasm, domain, max_price) -> ExhaustiveReport`
- `diff_versions(before, after, domain) -> VersionDiff`
- `results_cube(wasm, domain)` for inspecting raw results of small domains
"""

from hil.exhaustive.classify import ClassCounts
from hil.exhaustive.domain import Domain, DomainError, SweepError
from hil.exhaustive.engine import SweepOptions, results_cube
from hil.exhaustive.findings import Case, Finding, HourDiff
from hil.exhaustive.report import ExhaustiveReport, VersionDiff
from hil.exhaustive.tier import diff_versions, run_exhaustive

__all__ = [
    "Case",
    "ClassCounts",
    "Domain",
    "DomainError",
    "ExhaustiveReport",
    "Finding",
    "HourDiff",
    "SweepError",
    "SweepOptions",
    "VersionDiff",
    "diff_versions",
    "results_cube",
    "run_exhaustive",
]
