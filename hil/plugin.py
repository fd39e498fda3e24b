"""The HIL pytest plugin: options, the rig's boards, parametrisation, rig faults.

Registered from hil/conftest.py. Boards come from `--rig FILE` (or `HIL_RIG`), else from
repeated `--board` options, else two virtual boards (epson, cd5220) on PTYs. Cases are
generated per board, module and firmware ABI (hil/cases.py); each test's sale runs in a
fixture, so a rig fault (RigError) raised there is reported as an ERROR of the test,
never a FAIL, and the board is taken out of the run: its later tests are skipped with
the fault as the reason while other boards go on.

With pytest-xdist, every case carries an `xdist_group` mark with its board's name and
`--dist load` (the default of `-n`) becomes `loadgroup`, so each board is driven by one
worker only; board names are deterministic, so all workers agree on the groups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from firmware_host.abi import FirmwareAbi
from firmware_host.errors import FirmwareError
from firmware_host.keys import Key
from firmware_host.reported import ReportedState
from hil.cases import (
    CASE_SOURCES,
    AbiCase,
    SaleCase,
    Selection,
    Step,
    SwapCase,
    limits_of,
    step,
)
from hil.grid import grid_for
from hil.harness import DEFAULT_TIMEOUT_S, Firmware, Observation, frozen_hour
from hil.pool import BoardPool
from hil.reference import Expected, displayed
from hil.rig import RIG_ENV, select_rig
from hil.subject import Subject, load_subjects

LOADGROUP = "hil_loadgroup"
ABI_CHOICES = {
    "current": (FirmwareAbi.CURRENT,),
    "launch": (FirmwareAbi.LAUNCH,),
    "all": (FirmwareAbi.CURRENT, FirmwareAbi.LAUNCH),
}
SELECTION = pytest.StashKey[Selection]()
# pytest's record_property fixture: (name, value) lands in the JUnit XML test case.
Record = Callable[[str, object], None]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hil", "hardware-in-the-loop rig")
    group.addoption("--rig", metavar="FILE", help=f"rig file, TOML or YAML (or ${RIG_ENV})")
    group.addoption(
        "--board",
        action="append",
        default=[],
        metavar="URL[,control=URL][,cmdset=NAME][,name=NAME][,baud=N]",
        help="a board by its display-port pyserial URL; repeat for more boards",
    )
    group.addoption(
        "--module",
        action="append",
        default=[],
        metavar="VERSION|PATH",
        help="module under test: a catalogue version, or a candidate .wasm (manifest.json "
        "beside it) or folder; repeat for more (default: the whole catalogue)",
    )
    group.addoption(
        "--firmware-abi",
        choices=sorted(ABI_CHOICES),
        default="all",
        help="firmware generation(s) to emulate (default: all)",
    )
    group.addoption(
        "--full-grid",
        action="store_true",
        help="sweep the full grid (qualification, real boards) instead of the default grid",
    )
    group.addoption(
        "--hil-timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help="deadline of every board request and wait (default: %(default)s)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "xdist_group(name): run on the worker of that group")
    try:
        config.stash[SELECTION] = Selection(
            rig=select_rig(config.getoption("rig"), config.getoption("board"))[0],
            subjects=tuple(load_subjects(config.getoption("module"))),
            abis=ABI_CHOICES[config.getoption("firmware_abi")],
            grid=grid_for(config.getoption("full_grid")),
        )
    except FirmwareError as exc:
        raise pytest.UsageError(f"hil: {exc}") from exc
    if getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadgroup"
    # A worker builds its options from the command line, not from the controller's
    # choice above; the controller tells it in workerinput (pytest_configure_node).
    if getattr(config, "workerinput", {}).get(LOADGROUP):
        config.option.loadgroup = True


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist, on the controller: pass the group scheduling on to each worker."""
    node.workerinput[LOADGROUP] = node.config.getoption("dist") == "loadgroup"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    selection = metafunc.config.stash[SELECTION]
    for argname, source in CASE_SOURCES.items():
        if argname in metafunc.fixturenames:
            cases = source(selection)
            metafunc.parametrize(argname, cases, ids=[case.case_id for case in cases])


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """One board, one worker: group every case by its board's name."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            continue
        for argname in CASE_SOURCES:
            # An empty case list parametrises with a placeholder that names no board.
            board = getattr(callspec.params.get(argname), "board", None)
            if board is not None:
                item.add_marker(pytest.mark.xdist_group(board))


@pytest.fixture(scope="session")
def hil_pool(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BoardPool]:
    selection = pytestconfig.stash[SELECTION]
    pool = BoardPool(
        selection.rig, tmp_path_factory.mktemp("hil-state"), pytestconfig.getoption("hil_timeout")
    )
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def hil_selection(pytestconfig: pytest.Config) -> Selection:
    """What this run covers: rig, modules under test, firmware ABIs and grid."""
    return pytestconfig.stash[SELECTION]


# --- the fixtures that drive the boards: a rig fault here is the test's ERROR ----------


@dataclass(frozen=True)
class SaleRun:
    """A sale's result: the firmware's answer to loading the module, and the display."""

    load: ReportedState | None  # None: the module was already running
    observation: Observation | None


def _run_sale(pool: BoardPool, case: SaleCase) -> SaleRun:
    with pool.board(case.board) as firmware:
        subject = case.subject
        load = firmware.ensure(case.abi, subject.wasm, subject.sha256, subject.label)
        if load is not None and not load.accepted:
            return SaleRun(load, None)
        return SaleRun(load, firmware.sell_at(case.hour, case.count, case.unit_price))


@pytest.fixture
def sweep_sale(sweep_case: SaleCase, hil_pool: BoardPool) -> SaleRun:
    return _run_sale(hil_pool, sweep_case)


@pytest.fixture
def golden_sale(golden_case: SaleCase, hil_pool: BoardPool) -> SaleRun:
    return _run_sale(hil_pool, golden_case)


@dataclass(frozen=True)
class ScenarioRun:
    """What a scenario saw: each module load's report and each checked sale's display."""

    reports: tuple[tuple[str, ReportedState], ...]
    sales: tuple[tuple[Step, Observation], ...]


class _Scenario:
    """Loads and sales on one firmware generation of one board, noted as they happen."""

    def __init__(self, firmware: Firmware, abi: FirmwareAbi) -> None:
        self.firmware = firmware
        self.abi = abi
        self.reports: list[tuple[str, ReportedState]] = []
        self.sales: list[tuple[Step, Observation]] = []

    def run(self, module: Subject) -> None:
        """Make `module` the running one; its load is noted only if it had to load."""
        report = self.firmware.ensure(self.abi, module.wasm, module.sha256, module.label)
        if report is not None:
            self.reports.append((f"load {module.label}", report))

    def offer(self, module: Subject, what: str) -> None:
        self.reports.append((what, self.firmware.load(self.abi, module.wasm, module.label)))

    def sell(self, planned: Step) -> None:
        hour, count, price = planned.hour, planned.count, planned.unit_price
        self.sales.append((planned, self.firmware.sell_at(hour, count, price)))

    def result(self) -> ScenarioRun:
        return ScenarioRun(tuple(self.reports), tuple(self.sales))


@pytest.fixture
def abi_offer(abi_case: AbiCase, hil_pool: BoardPool) -> ScenarioRun:
    """Run the fallback, offer the module under test, then sell with whatever runs."""
    with hil_pool.board(abi_case.board) as firmware:
        scenario = _Scenario(firmware, abi_case.abi)
        if abi_case.fallback is not None:
            scenario.run(abi_case.fallback)
        scenario.offer(abi_case.subject, f"offer {abi_case.subject.label}")
        for planned in abi_case.checks():
            scenario.sell(planned)
        return scenario.result()


@pytest.fixture
def hot_swap(swap_case: SwapCase, hil_pool: BoardPool) -> ScenarioRun:
    """Sell with one module, swap, sell with the other; then swap back while a sale is
    half typed: the sale is priced by the module running when ENTER is pressed."""
    subject, other = swap_case.subject, swap_case.other
    with hil_pool.board(swap_case.board) as firmware:
        scenario = _Scenario(firmware, swap_case.abi)
        scenario.run(other)
        scenario.sell(step(other, 15, 3, 7))
        scenario.offer(subject, f"swap to {subject.label}")
        scenario.sell(step(subject, 15, 3, 7))
        scenario.sell(step(subject, 0, 201, 1))
        mid_sale = step(other, 15, 3, 7)
        with frozen_hour(mid_sale.hour):
            firmware.press_on_board([Key.CLEAR, Key.D3, Key.QUANTITY])
            scenario.offer(other, f"swap to {other.label} mid-sale")
            scenario.sales.append((mid_sale, firmware.enter([Key.D7, Key.ENTER])))
        scenario.sell(step(other, 12, 1, 10))
        return scenario.result()


# --- verdicts: a wrong price, a missing guard or a wrong acceptance is a FAIL ---------


def observed_text(observation: Observation) -> str:
    return " | ".join(line.rstrip() for line in observation.lines)


def verify_sale(
    record: Record,
    module: Subject,
    hour: int,
    count: int,
    unit_price: int,
    expected: Expected,
    observation: Observation,
    prefix: str = "",
) -> None:
    """Record the check's limits, expected and observed outcome, then assert them;
    a scenario's sales record under `sale<i>.` prefixes."""
    limits = limits_of(module)
    record = _prefixed(record, prefix)
    record(
        "limits",
        f"price 0..{limits.max_price}, count 0..{limits.max_count}, "
        f"unit price 0..{limits.max_unit_price}",
    )
    record("expected", str(expected))
    record("observed", observed_text(observation))
    seen = displayed(observation.shown)
    record(
        "outcome", "pass" if seen == expected and observation.priced_by == module.sha256 else "fail"
    )
    where = f"{module.label} h{hour:02d} {count} x {unit_price}"
    assert seen == expected, (
        f"{where}: expected {expected}, found the display showing {observation.lines!r}"
    )
    assert observation.priced_by == module.sha256, (
        f"{where}: expected the sale priced by {module.label} ({module.sha256}), "
        f"found {observation.priced_by}"
    )


def _prefixed(record: Record, prefix: str) -> Record:
    return lambda name, value: record(prefix + name, value)


def verify_step(record: Record, index: int, planned: Step, observation: Observation) -> None:
    verify_sale(
        record,
        planned.module,
        planned.hour,
        planned.count,
        planned.unit_price,
        planned.expected,
        observation,
        prefix=f"sale{index}.",
    )


def record_case(record: Record, check: str, case: SaleCase | AbiCase | SwapCase) -> None:
    record("check", check)
    record("module", case.subject.label)
    record("module_sha256", case.subject.sha256)
    record("board", case.board)
    record("firmware_abi", case.abi.value)
