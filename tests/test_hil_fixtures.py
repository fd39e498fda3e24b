"""The HIL plugin as another team's repository uses it: its public fixtures, markers and
settings, loaded through the `pytest11` entry point (no conftest, no -p), on real PTYs.

Each test writes a small test file of its own into a pytester folder outside this
repository and runs it; the suite's own tests (hil/test_*.py) are not involved.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

import price_modules
from hil import options
from tests.serial_helpers import pty_pair

ISOLATED = ("-p", "no:cacheprovider", "-p", "no:textual-snapshot", "-p", "no:faulthandler")

SALES = """
from firmware_host.keys import Key


def test_a_sale_at_happy_hour(hil_terminal):
    shown = hil_terminal.sell(2, 10, hour=13)
    assert shown.lines[1].strip().endswith("20.00")
    assert shown.priced_by == hil_terminal.module.sha256


def test_the_board_says_who_it_is(hil_board):
    assert hil_board.identity.cmdset in ("epson", "cd5220")
    assert hil_board.identity.cols == 20


def test_keys_typed_on_the_board_reach_the_terminal(hil_terminal):
    hil_terminal.press(Key.CLEAR, Key.D7)
    assert hil_terminal.board.lines()[1].strip() == "7"
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess(*ISOLATED, "-v", *args)


def test_a_team_writes_tests_against_the_public_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sales=SALES)
    result = run(pytester, "--hil-module", "v3", "--hil-firmware-abi", "current")
    # Two virtual boards; one module on the current firmware: 3 tests x 2 boards.
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(
        [
            "*test_a_sale_at_happy_hour[[]epson-v3-current[]] PASSED*",
            "*test_the_board_says_who_it_is[[]cd5220[]] PASSED*",
        ]
    )


def test_the_plugin_is_loaded_once_even_when_also_named_with_p(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sales=SALES)
    result = run(pytester, "-p", "hil.plugin", "--hil-module", "v3", "-k", "who_it_is")
    result.assert_outcomes(passed=2)


BY_COMMAND_SET = """
import pytest


@pytest.mark.hil_board(cmdset="cd5220")
def test_only_on_the_cd5220_board(hil_board):
    assert hil_board.identity.cmdset == "cd5220"


@pytest.mark.hil_board(role="pole")
def test_only_on_a_pole_display(hil_board):
    assert hil_board.spec.role == "pole"
"""


def test_a_test_asking_for_a_board_the_rig_lacks_is_an_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_pick=BY_COMMAND_SET)
    result = run(pytester, "--hil-board", "/dev/null,cmdset=epson,name=front", "-k", "cd5220")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["E *BoardFault: expected a board of the rig with cmdset=cd5220, found none among "
         "front (epson, role None)"]
    )  # fmt: skip


def test_boards_are_picked_by_command_set_or_role(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_pick=BY_COMMAND_SET)
    rig = pytester.path / "rig.toml"
    rig.write_text(
        'name = "two"\n[[boards]]\nname = "front"\nvirtual = "epson"\n'
        '[[boards]]\nname = "pole"\nvirtual = "cd5220"\nrole = "pole"\n'
    )
    result = run(pytester, "--hil-rig", str(rig), "-rs")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_only_on_the_cd5220_board[[]pole[]] PASSED*",
            "*test_only_on_a_pole_display[[]pole[]] PASSED*",
        ]
    )


UNPLUGGED = """
def test_the_board_is_pulled_during_the_sale(hil_terminal):
    hil_terminal.sell(1, 10, hour=12)
    hil_terminal.board.virtual.unplug()
    hil_terminal.sell(2, 10, hour=12)


def test_after_that_the_board_is_out_of_the_run(hil_terminal):
    hil_terminal.sell(1, 10, hour=12)
"""


def test_a_board_unplugged_inside_the_test_body_is_an_error_not_a_failure(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_unplug=UNPLUGGED)
    junit = pytester.path / "unplug.xml"
    result = run(
        pytester, "--hil-module", "v3", "--hil-firmware-abi", "current", f"--junitxml={junit}"
    )
    result.assert_outcomes(errors=4)
    result.stdout.no_fnmatch_line("*FAILED*")
    result.stdout.fnmatch_lines(["E *BoardFault: board epson *PortLost*"])
    xml = junit.read_text()
    assert xml.count("<error ") == 4 and "<failure " not in xml


SWALLOWED = """
import pytest
from firmware_host.errors import FirmwareError


def test_a_refusal_expected_but_the_board_is_pulled(hil_terminal):
    hil_terminal.board.virtual.unplug()
    with pytest.raises(FirmwareError):  # meant for the firmware's refusal
        hil_terminal.sell(1, 10, hour=12)


def test_a_fault_caught_by_a_broad_except(hil_terminal):
    try:
        hil_terminal.sell(1, 10, hour=12)
    except Exception:
        pass


def test_a_test_that_does_not_touch_its_board(hil_board):
    pass
"""


def test_a_rig_fault_the_test_body_swallows_is_still_an_error(
    pytester: pytest.Pytester,
) -> None:
    """The board fails under the test and the test catches it: the test's own verdict
    (passed) proves nothing, so its teardown reports the fault as an ERROR."""
    pytester.makepyfile(test_swallowed=SWALLOWED)
    rig = pytester.makefile(
        ".toml", rig='name = "one"\n[[boards]]\nname = "epson"\nvirtual = "epson"\n'
    )
    result = run(
        pytester, "--hil-rig", str(rig), "--hil-module", "v3", "--hil-firmware-abi", "current"
    )
    result.stdout.fnmatch_lines(["*faulted during the test, which caught the fault*PortLost*"])
    # The first passed its body, then its teardown is the fault's ERROR; the second
    # cannot start on a board out of the run; the third never touched the board, but
    # a run whose board faulted does not pass its tests either.
    result.assert_outcomes(passed=2, errors=3)
    result.stdout.fnmatch_lines(["*ERROR at setup of test_a_fault_caught_by_a_broad_except*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_module_the_firmware_refuses_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sales=SALES)
    result = run(pytester, "--hil-module", "v4", "--hil-firmware-abi", "current", "-k", "happy")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        ["*v4: expected the current firmware to load it, found IncompatibleExportType*"]
    )


@pytest.mark.parametrize(
    "board",
    ["/dev/ttyNOPE,cmdset=epson", "/dev/ttyNOPE,control=/dev/ttyNOPE2,cmdset=epson"],
)
def test_a_board_that_is_not_there_ends_in_errors_never_passes_or_skips(
    pytester: pytest.Pytester, board: str
) -> None:
    pytester.makepyfile(test_sales=SALES)
    result = run(pytester, "--hil-board", board, "--hil-module", "v3")
    result.assert_outcomes(errors=3)  # and nothing passed, failed or skipped
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_display_only_board_reports_its_sales_as_not_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sales=SALES)
    with pty_pair() as (_, display):
        result = run(
            pytester, "--hil-board", f"{display},cmdset=epson,display_only", "--hil-module",
            "v3", "-k", "happy", "-rs",
        )  # fmt: skip
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*not run: board board0 is display-only (rig file)*"])


def test_a_display_only_board_that_is_not_there_is_an_error_not_a_skip(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_sales=SALES)
    result = run(
        pytester, "--hil-board", "/dev/ttyNOPE,cmdset=epson,display_only", "--hil-module", "v3"
    )
    result.assert_outcomes(errors=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*/dev/ttyNOPE*"])


PLAIN = """
def test_nothing_to_do_with_boards():
    assert 1 + 1 == 2
"""


def test_a_session_that_uses_no_fixture_starts_nothing_and_reads_no_setting(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIL_RIG", str(pytester.path / "no-such-rig.toml"))
    pytester.makepyfile(test_plain=PLAIN)
    run(pytester).assert_outcomes(passed=1)


def test_settings_come_from_ini_env_and_command_line_in_that_rising_order(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini("[pytest]\nhil_modules =\n    v2\n    v3\nhil_firmware_abi = current\n")
    pytester.makepyfile(test_which="def test_which(hil_module):\n    pass\n")

    def modules(*args: str) -> list[str]:
        result = run(pytester, "--collect-only", "-q", *args)
        return sorted(set(re.findall(r"test_which\[(\w+)\]", result.stdout.str())))

    assert modules() == ["v2", "v3"]
    monkeypatch.setenv("HIL_MODULE", "v3")
    assert modules() == ["v3"]
    assert modules("--hil-module", "v1", "--hil-module", "v4") == ["v1", "v4"]


def test_a_bad_setting_stops_the_run_naming_where_it_came_from(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings are read when the first test asks for the rig, at collection: a bad one
    is a collection error that names it, and nothing runs."""
    monkeypatch.setenv("HIL_TIMEOUT", "soon")
    pytester.makepyfile(test_sales=SALES)
    result = run(pytester)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        ["E *UsageError: hil: $HIL_TIMEOUT: expected a positive number of seconds, found 'soon'"]
    )
    result.assert_outcomes(errors=1)


def test_resolve_takes_the_command_line_then_environment_then_ini() -> None:
    ini = {"module": ["v2"], "timeout": "3", "full_grid": True}
    env = {"HIL_MODULE": "v3 v1", "HIL_TIMEOUT": "4.5"}
    assert options.resolve({}, {}, {})["module"] == []
    resolved = options.resolve({}, {}, ini)
    assert (resolved["module"], resolved["timeout"], resolved["full_grid"]) == (["v2"], 3.0, True)
    resolved = options.resolve({}, env, ini)
    assert (resolved["module"], resolved["timeout"]) == (["v3", "v1"], 4.5)
    resolved = options.resolve({"module": ["v4"], "timeout": "9"}, env, ini)
    assert (resolved["module"], resolved["timeout"]) == (["v4"], 9.0)
    assert options.resolve({}, {"HIL_BOARD": "/dev/a,cmdset=epson;/dev/b"}, {})["board"] == [
        "/dev/a,cmdset=epson",
        "/dev/b",
    ]
    assert price_modules.versions()  # the catalogue the default selection falls back to


@pytest.mark.parametrize(
    ("cli", "env", "ini", "named"),
    [
        ({}, {"HIL_RIG": ""}, {}, "$HIL_RIG"),
        ({}, {"HIL_BOARD": " "}, {}, "$HIL_BOARD"),
        ({}, {"HIL_MODULE": ";"}, {}, "$HIL_MODULE"),
        ({}, {"HIL_TIMEOUT": ""}, {}, "$HIL_TIMEOUT"),
        ({"rig": ""}, {}, {}, "--hil-rig"),
        ({"board": [""]}, {}, {}, "--hil-board"),
        ({}, {}, {"rig": ""}, "ini hil_rig"),
    ],
)  # fmt: skip
def test_a_setting_given_but_empty_is_an_error_not_the_default(
    cli: dict[str, Any], env: dict[str, str], ini: dict[str, Any], named: str
) -> None:
    """`HIL_RIG=` left over in a CI job must not run on the virtual boards unseen."""
    with pytest.raises(options.OptionError, match=re.escape(named)):
        options.resolve(cli, env, ini)


def test_an_empty_flag_is_false() -> None:
    assert options.resolve({}, {"HIL_FULL_GRID": ""}, {})["full_grid"] is False
