"""The outcome of an exhaustive sweep and of a version comparison, as data and text.

Qualification and the HIL plugin read these dataclasses; `to_dict()` is the JSON
form written into records, `to_text()` the summary a person reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hil.exhaustive.classify import ClassCounts
from hil.exhaustive.findings import Case, Finding, HourDiff


def _rate(cases: int, seconds: float) -> float:
    return cases / seconds if seconds > 0 else float("inf")


def _example_lines(finding: Finding, indent: str = "    ") -> list[str]:
    def show(case: Case) -> str:
        text = f"h{case.hour:02d} count={case.count} unit_price={case.unit_price}"
        text += f" -> {case.result}" if case.note == "" else f" -> {case.note}"
        return text + ("" if case.reference is None else f" (vs {case.reference})")

    return [indent + show(c) for c in finding.examples]


@dataclass(frozen=True)
class ExhaustiveReport:
    """Every case of one module over a domain, classified, with the guard-blind findings."""

    label: str
    domain: dict[str, Any]
    max_price: int
    counts: ClassCounts
    guard_refusals: Finding
    faults: Finding
    wrap_into_range: Finding
    falling_prices: Finding
    elapsed_s: float

    @property
    def cases_per_second(self) -> float:
        return _rate(self.counts.total, self.elapsed_s)

    @property
    def wraps_into_range(self) -> bool:
        """The qualification criterion: some result wrapped around i32 into bounds."""
        return self.wrap_into_range.cases > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "domain": self.domain,
            "max_price": self.max_price,
            "counts": self.counts.to_dict(),
            "guard_refusals": self.guard_refusals.to_dict(),
            "faults": self.faults.to_dict(),
            "wrap_into_range": self.wrap_into_range.to_dict(),
            "falling_prices": self.falling_prices.to_dict(),
            "elapsed_s": self.elapsed_s,
            "cases_per_second": self.cases_per_second,
        }

    def to_text(self) -> str:
        c = self.counts
        lines = [
            f"{self.label}: {c.total} cases in {self.elapsed_s:.3f} s "
            f"({self.cases_per_second / 1e6:.1f} M cases/s)",
            f"  in bounds {c.in_bounds}, guard refusal {c.guard_refusal} (below 0 "
            f"{c.below_zero}, above {self.max_price} {c.above_max}, NaN {c.not_a_number}), "
            f"trap {c.trap}, out of fuel {c.out_of_fuel}, unevaluated {c.unevaluated}",
        ]
        for name, found in (
            ("faults", self.faults),
            ("wrap into range", self.wrap_into_range),
            ("falling prices", self.falling_prices),
        ):
            lines.append(f"  {name}: {found.cases}")
            lines.extend(_example_lines(found))
        return "\n".join(lines)


@dataclass(frozen=True)
class VersionDiff:
    """Where two modules' results differ over one shared domain."""

    before: str
    after: str
    domain: dict[str, Any]
    by_hour: tuple[HourDiff, ...]
    changes: Finding
    elapsed_s: float

    @property
    def changed(self) -> int:
        return self.changes.cases

    @property
    def hours(self) -> list[int]:
        return [h.hour for h in self.by_hour]

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.before,
            "after": self.after,
            "domain": self.domain,
            "changed": self.changed,
            "hours": self.hours,
            "by_hour": [h.to_dict() for h in self.by_hour],
            "examples": [c.to_dict() for c in self.changes.examples],
            "elapsed_s": self.elapsed_s,
        }

    def to_text(self) -> str:
        lines = [f"{self.before} -> {self.after}: {self.changed} cases changed"]
        for h in self.by_hour:
            lines.append(
                f"  h{h.hour:02d}: {h.changed} changed, counts {h.counts[0]}..{h.counts[1]}, "
                f"unit prices {h.unit_prices[0]}..{h.unit_prices[1]}, "
                f"delta {h.delta_min}..{h.delta_max}, fault changes {h.faults_changed}"
            )
        lines.extend(_example_lines(self.changes, "  "))
        return "\n".join(lines)
