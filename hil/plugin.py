"""The HIL pytest plugin, loaded through the `pytest11` entry point `hil.plugin`.

Nothing starts unless a test asks for one of its fixtures: a test session that does not
use them pays for two options groups, a few markers and the rig's description; the
firmware (wasmtime, cryptography, SQLite) and the board harness (pyserial) are imported
by the fixtures that drive them. Settings come from `--hil-*` options, `HIL_*`
variables or `hil_*` ini keys (hil/options.py); with none of them the rig is two virtual
boards (epson, cd5220) on PTYs and the modules are the catalogue.

Public fixtures (hil/README.md): `hil_board` (the board under test, one test per board
of the rig, filtered by `@pytest.mark.hil_board(cmdset=..., role=..., name=...)`),
`hil_module` (the module under test, one test per module), `hil_terminal` (the firmware
on that board running that module, with its clock), `hil_rig` (the session's boards) and
`hil_selection` (what the run covers). The repository's own suite (hil/test_*.py) uses
the same fixtures, parametrised by its cases (hil/cases.py).

A rig fault anywhere in a test (setup, body or teardown: a lost port, a silent board) is
an ERROR of that test and takes the board out of the run, never a FAIL; a wrong price
is a FAIL. With pytest-xdist every test carries an `xdist_group` mark with its board's
name and `--dist load` becomes `loadgroup`, so each board is driven by one worker.

Boards on labgrid places (`--hil-place`, or `place =` in the rig file) are acquired by
the pool when first used, so a worker holds only its own boards' places; they are
released when the pool closes, and whatever a cut-short teardown left held is released
as the session finishes. A place someone else holds is an ERROR naming the holder.
"""

from __future__ import annotations

import sys
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from boardlink.errors import RIG_FAULTS
from firmware_host.abi import FirmwareAbi
from firmware_host.errors import FirmwareError
from hil import options
from hil.cases import CASE_SOURCES, Selection
from hil.grid import grid_for
from hil.rig import BoardSpec
from hil.rig_select import select_rig
from hil.subject import Subject, load_subjects

if TYPE_CHECKING:  # imported by the fixtures that use them: the firmware comes with them
    from hil.handles import BoardUnderTest, TerminalUnderTest
    from hil.pool import BoardPool

LOADGROUP = "hil_loadgroup"
ABIS = {
    "current": (FirmwareAbi.CURRENT,),
    "launch": (FirmwareAbi.LAUNCH,),
    "all": (FirmwareAbi.CURRENT, FirmwareAbi.LAUNCH),
}
SELECTION = pytest.StashKey[Selection]()
TIMEOUT = pytest.StashKey[float]()
FAULT_REPORTED = pytest.StashKey[bool]()  # a phase of the test already reported a rig fault
BOARD_MARK = "hil_board"
PARAMS = ("hil_board", "hil_module", "hil_firmware_abi")


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{BOARD_MARK}(cmdset=None, role=None, name=None): run the test only on the rig's "
        "boards with that command set, role or name",
    )
    config.addinivalue_line("markers", "xdist_group(name): run on the worker of that group")
    config.pluginmanager.register(QuietRepeats(), "hil-quiet-repeats")
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


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """After the session's fixtures are torn down (the pool's close releases its places),
    release any labgrid place still held, should a teardown have been cut short."""
    places = sys.modules.get("hil.labgrid_places")  # imported only for a rig with places
    for failure in places.close_all() if places is not None else []:
        session.config.get_terminal_writer().line(f"hil: {failure}", red=True)


def selection_of(config: pytest.Config) -> Selection:
    """What the run covers, read once, when the first test asks for the rig."""
    if sys.flags.optimize:  # the suite's verdicts, and a team's, are assert statements
        raise pytest.UsageError(
            "hil: expected python without optimisation, found -O or PYTHONOPTIMIZE (level "
            f"{sys.flags.optimize}): it strips the assert statements HIL tests judge with, "
            "so every check would pass unrun"
        )
    if SELECTION not in config.stash:
        try:
            values = options.read(config)
            rig_file = _from_root(config, values["rig"]) if values["rig"] else None
            rig, _ = select_rig(
                rig_file, values["board"], places=values["place"], coordinator=values["coordinator"]
            )
            config.stash[SELECTION] = Selection(
                rig=rig,
                subjects=tuple(load_subjects([_from_root(config, m) for m in values["module"]])),
                abis=ABIS[values["firmware_abi"]],
                grid=grid_for(values["full_grid"]),
            )
            config.stash[TIMEOUT] = values["timeout"]
        except FirmwareError as exc:
            raise pytest.UsageError(f"hil: {exc}") from exc
    return config.stash[SELECTION]


def _from_root(config: pytest.Config, name: str) -> str:
    """A relative path that is not there from the working folder, from pytest's root
    folder (where the ini file naming it lies): `pytest` works from any subfolder."""
    path = Path(name)
    if path.is_absolute() or path.exists() or not (config.rootpath / path).exists():
        return name
    return str(config.rootpath / path)


# --- which tests run on which board, module and firmware ----------------------------


@dataclass(frozen=True)
class NoBoard:
    """A test's hil_board marks that no board of the rig matches: the rig cannot run it,
    so the test is an ERROR naming what was asked for (never a silent skip)."""

    wanted: str
    rig: str

    def __str__(self) -> str:
        return "no-board"


def _boards(metafunc: pytest.Metafunc, selection: Selection) -> list[BoardSpec]:
    """The rig's boards, narrowed by the test's hil_board marks (all must match)."""
    boards = list(selection.rig.boards)
    for mark in metafunc.definition.iter_markers(BOARD_MARK):
        wanted = dict(mark.kwargs)
        unknown = sorted(set(wanted) - {"cmdset", "role", "name"})
        if unknown or mark.args:
            raise pytest.UsageError(
                f"{metafunc.definition.nodeid}: {BOARD_MARK} expected keywords cmdset, role "
                f"or name, found {unknown or list(mark.args)}"
            )
        boards = [
            b
            for b in boards
            if wanted.get("cmdset") in (None, b.command_set or b.virtual)
            and wanted.get("role") in (None, b.role)
            and wanted.get("name") in (None, b.name)
        ]
    return boards


def _firmware_for(subject: Subject, abis: Sequence[FirmwareAbi]) -> list[FirmwareAbi]:
    """The selected firmware generations that take `subject`; if none does, the first
    one, so the test shows the refusal instead of silently not running."""
    return [a for a in abis if subject.accepted_by(a)] or [abis[0]]


def _public_params(metafunc: pytest.Metafunc, selection: Selection) -> None:
    names = [n for n in PARAMS if n in metafunc.fixturenames]
    boards: list[str | NoBoard | None] = [None]
    if "hil_board" in names:
        boards = [b.name for b in _boards(metafunc, selection)] or [_no_board(metafunc, selection)]
    pairs: list[tuple[Subject | None, FirmwareAbi | None]] = [(None, None)]
    if "hil_module" in names:
        abis = selection.abis if "hil_firmware_abi" in names else (None,)
        pairs = [
            (s, a)
            for s in selection.subjects
            for a in (_firmware_for(s, selection.abis) if abis != (None,) else abis)
        ]
    elif "hil_firmware_abi" in names:
        pairs = [(None, a) for a in selection.abis]
    combos = [(b, s, a) for b in boards for s, a in pairs]
    values = [
        tuple(v for n, v in zip(PARAMS, combo, strict=True) if n in names) for combo in combos
    ]
    ids = ["-".join(_id(v) for v in combo if v is not None) for combo in combos]
    metafunc.parametrize(names, values, indirect=True, ids=ids)


def _no_board(metafunc: pytest.Metafunc, selection: Selection) -> NoBoard:
    wanted = "; ".join(
        ", ".join(f"{k}={v}" for k, v in mark.kwargs.items())
        for mark in metafunc.definition.iter_markers(BOARD_MARK)
    )
    rig = ", ".join(
        f"{b.name} ({b.command_set or b.virtual}, role {b.role})" for b in selection.rig.boards
    )
    return NoBoard(wanted, rig)


def _id(value: str | NoBoard | Subject | FirmwareAbi) -> str:
    if isinstance(value, Subject):
        return value.label
    if isinstance(value, FirmwareAbi):
        return value.value
    return str(value)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    case_arg = next((a for a in CASE_SOURCES if a in metafunc.fixturenames), None)
    if case_arg is None and not any(n in metafunc.fixturenames for n in PARAMS):
        return
    selection = selection_of(metafunc.config)
    if case_arg is None:
        _public_params(metafunc, selection)
        return
    cases = CASE_SOURCES[case_arg](selection)
    names = [case_arg, *(n for n in PARAMS if n in metafunc.fixturenames)]
    by_param = {"hil_board": "board", "hil_module": "subject", "hil_firmware_abi": "abi"}
    values = [(case, *(getattr(case, by_param[n]) for n in names[1:])) for case in cases]
    metafunc.parametrize(names, values, indirect=names[1:], ids=[case.case_id for case in cases])


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """One board, one worker: group every test by its board's name."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        board = callspec.params.get("hil_board") if callspec is not None else None
        if isinstance(board, str):
            item.add_marker(pytest.mark.xdist_group(board))


# --- rig faults are errors, wherever they happen ---------------------------------------


class QuietRepeats:
    """A board out of the run after an earlier fault: its test's report is the one line
    naming that fault, made without rendering a traceback (the first fault's report has
    it), so a lost board's hundreds of later tests cost milliseconds, not minutes. A
    plugin object of its own: it answers makereport first, where the wrapper below
    relabels the reports it lets pytest make."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> pytest.TestReport | None:
        raised = call.excinfo.value if call.excinfo is not None else None
        if type(raised).__name__ != "BoardOutOfRun" or call.when == "collect":
            return None  # (BoardOutOfRun is hil.harness's, loaded once a board is)
        return pytest.TestReport(
            item.nodeid,
            item.location,
            {x: 1 for x in item.keywords},
            "failed",
            f"{type(raised).__module__}.{type(raised).__name__}: {raised}",
            call.when,
            duration=call.duration,
            start=call.start,
            stop=call.stop,
            user_properties=item.user_properties,
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """A rig fault raised in a test's body is an ERROR of the test, not a FAIL.

    pytest reports an error for a phase other than `call`, so the body's report is
    relabelled as its setup's: every reporter (terminal, JUnit XML, xdist, the
    qualification's feed) then shows an error, with the body's traceback. A board's
    later tests after its first fault report one line each, naming that fault (a lost
    board would otherwise print a full traceback for each of hundreds of tests).
    """
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    raised = call.excinfo.value if call.excinfo is not None else None
    if not report.failed or not isinstance(raised, RIG_FAULTS):
        return
    item.stash[FAULT_REPORTED] = True
    if call.when == "call":
        report.when = "setup"
        report.user_properties.append(("rig_fault", str(raised)))


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def hil_selection(pytestconfig: pytest.Config) -> Selection:
    """What this run covers: rig, modules under test, firmware generations and grid."""
    return selection_of(pytestconfig)


@pytest.fixture(scope="session")
def hil_rig(
    hil_selection: Selection, pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BoardPool]:
    """The session's boards, each opened when a test first uses it and closed at the end."""
    from hil.pool import BoardPool

    pool = BoardPool(
        hil_selection.rig, tmp_path_factory.mktemp("hil-state"), pytestconfig.stash[TIMEOUT]
    )
    yield pool
    pool.close()


@pytest.fixture
def hil_board(request: pytest.FixtureRequest, hil_rig: BoardPool) -> Iterator[BoardUnderTest]:
    """The board under test: identify it, read its screen, press its keys.

    A rig fault on the board during the test that the test caught itself (`except
    Exception`, `pytest.raises(FirmwareError)`) still makes the test an ERROR, at its
    teardown: what a test saw of a board that failed under it proves nothing."""
    from hil.handles import BoardUnderTest
    from hil.harness import BoardFault

    if isinstance(request.param, NoBoard):
        raise BoardFault(
            f"expected a board of the rig with {request.param.wanted}, found none among "
            f"{request.param.rig}"
        )
    name: str = request.param
    out_before = name in hil_rig.dead
    yield BoardUnderTest(hil_rig, name)
    if request.node.stash.get(FAULT_REPORTED, False):
        return  # the test's report already is that fault's ERROR
    if out_before:
        hil_rig.check_in_run(name)
    elif name in hil_rig.dead:
        raise BoardFault(
            f"board {name} faulted during the test, which caught the fault and went on "
            f"(its outcome proves nothing): {hil_rig.dead[name]}"
        )


@pytest.fixture
def hil_module(request: pytest.FixtureRequest) -> Subject:
    """The module under test: its bytes, sha256, manifest and written rule."""
    subject: Subject = request.param
    return subject


@pytest.fixture
def hil_firmware_abi(request: pytest.FixtureRequest) -> FirmwareAbi:
    """The firmware generation the terminal runs (one that takes the module, if any)."""
    abi: FirmwareAbi = request.param
    return abi


@pytest.fixture
def hil_terminal(
    hil_board: BoardUnderTest, hil_module: Subject, hil_firmware_abi: FirmwareAbi
) -> TerminalUnderTest:
    """The terminal under test: the firmware on `hil_board`, running `hil_module`."""
    from hil.handles import TerminalUnderTest

    return TerminalUnderTest(hil_board, hil_module, hil_firmware_abi)
