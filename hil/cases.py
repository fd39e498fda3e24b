"""The HIL cases: which sale, ABI offer or hot swap runs on which board, and what it must show.

Pure data, built at collection time from the selection (rig, modules, firmware ABIs,
grid); every expectation comes from a module's manifest or its written rule
(hil/reference.py), never from running the module. A case's `case_id` is its test id,
naming module, board, hour, count and unit price, e.g. `v3-epson-h13-c2-p10`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from firmware_host.abi import FirmwareAbi
from hil.grid import Grid
from hil.reference import Expected, GoldenCaseError, Limits, expect_golden, expect_sale
from hil.rig import Rig
from hil.subject import Subject, fallback_module


@dataclass(frozen=True)
class Selection:
    """What one run covers."""

    rig: Rig
    subjects: tuple[Subject, ...]
    abis: tuple[FirmwareAbi, ...]
    grid: Grid


def terminal_limits() -> Limits:
    """What a terminal takes and shows: its input range and its guard. A sale is expected
    as a terminal answers it, whatever a manifest declares (claims holds the manifest to
    these; a domain may reach further for the exhaustive sweep, but a count of 1000 at a
    terminal is refused as input, and the expectation says so)."""
    from firmware_host.pricing import (  # the firmware's; loaded when a case is built
        DEFAULT_MAX_COUNT,
        DEFAULT_MAX_PRICE,
        DEFAULT_MAX_UNIT_PRICE,
    )

    return Limits(DEFAULT_MAX_COUNT, DEFAULT_MAX_UNIT_PRICE, DEFAULT_MAX_PRICE)


@dataclass(frozen=True)
class SaleCase:
    """One sale on one board at one hour, and what it must show."""

    subject: Subject
    board: str
    abi: FirmwareAbi
    hour: int
    count: int
    unit_price: int
    expected: Expected

    @property
    def case_id(self) -> str:
        return (
            f"{self.subject.label}-{self.board}-h{self.hour:02d}-c{self.count}-p{self.unit_price}"
        )


@dataclass(frozen=True)
class Step:
    """A sale in a scenario: priced by `module` at `hour`."""

    module: Subject
    hour: int
    count: int
    unit_price: int
    expected: Expected


def step(module: Subject, hour: int, count: int, unit_price: int) -> Step:
    rule = module.rule
    if rule is None:
        raise GoldenCaseError(f"{module.label}: expected a written rule to check sales against")
    expected = expect_sale(rule, terminal_limits(), count, unit_price, hour)
    return Step(module, hour, count, unit_price, expected)


# Sales after an ABI offer: full and half price under both time-of-day rules, and a
# guard refusal at full price.
CHECK_SALES = ((15, 3, 7), (12, 1, 10), (18, 1, 101))


@dataclass(frozen=True)
class AbiCase:
    """Offer `subject` to `abi`'s firmware while `fallback` runs; accepted iff the
    signatures match, else refused and `fallback` keeps pricing."""

    subject: Subject
    board: str
    abi: FirmwareAbi
    fallback: Subject | None

    @property
    def accepted(self) -> bool:
        return self.subject.accepted_by(self.abi)

    @property
    def running_after(self) -> Subject | None:
        return self.subject if self.accepted else self.fallback

    @property
    def case_id(self) -> str:
        return f"{self.subject.label}-{self.abi.value}-{self.board}"

    def checks(self) -> list[Step]:
        running = self.running_after
        if running is None or running.rule is None:
            return []
        return [step(running, h, c, p) for h, c, p in CHECK_SALES]


@dataclass(frozen=True)
class SwapCase:
    """Swap between `other` and `subject` on a running terminal, between and mid sales."""

    subject: Subject
    other: Subject
    board: str
    abi: FirmwareAbi

    @property
    def case_id(self) -> str:
        return f"{self.other.label}-to-{self.subject.label}-{self.abi.value}-{self.board}"


def _accepting(selection: Selection) -> list[tuple[Subject, FirmwareAbi]]:
    return [(s, abi) for s in selection.subjects for abi in selection.abis if s.accepted_by(abi)]


def sweep_cases(selection: Selection) -> list[SaleCase]:
    """The declared grid at every hour, for each module its firmware accepts."""
    cases = []
    for board in selection.rig.boards:
        for subject, abi in _accepting(selection):
            rule = subject.rule
            if rule is None:
                continue
            for hour in selection.grid.hours:
                for count, price in selection.grid.pairs:
                    expected = expect_sale(rule, terminal_limits(), count, price, hour)
                    cases.append(SaleCase(subject, board.name, abi, hour, count, price, expected))
    return cases


def golden_cases(selection: Selection) -> list[SaleCase]:
    """The manifest's golden cases, each once, for each module its firmware accepts."""
    cases = []
    for board in selection.rig.boards:
        for subject, abi in _accepting(selection):
            seen: dict[tuple[int, int, int], Expected] = {}
            for i, g in enumerate(subject.manifest.golden):
                where = f"{subject.source} golden[{i}]"
                expected = expect_golden(g.price, g.refusal, where)
                key = (g.hour, g.count, g.unit_price)
                if seen.setdefault(key, expected) != expected:
                    raise GoldenCaseError(
                        f"{where}: expected one outcome for {g.case_id}, "
                        f"found {seen[key]} and {expected}"
                    )
            for (hour, count, price), expected in seen.items():
                cases.append(SaleCase(subject, board.name, abi, hour, count, price, expected))
    return cases


def abi_cases(selection: Selection) -> list[AbiCase]:
    return [
        AbiCase(subject, board.name, abi, fallback_module(abi, subject.sha256))
        for board in selection.rig.boards
        for subject in selection.subjects
        for abi in selection.abis
    ]


def swap_cases(selection: Selection) -> list[SwapCase]:
    cases = []
    for board in selection.rig.boards:
        for subject, abi in _accepting(selection):
            other = fallback_module(abi, subject.sha256)
            if other is not None and subject.rule is not None:
                cases.append(SwapCase(subject, other, board.name, abi))
    return cases


Case = SaleCase | AbiCase | SwapCase
CASE_SOURCES: dict[str, Callable[[Selection], Sequence[Case]]] = {
    "sweep_case": sweep_cases,
    "golden_case": golden_cases,
    "abi_case": abi_cases,
    "swap_case": swap_cases,
}
