"""A pytest plugin that counts how many times each property test's body really ran.

Hypothesis calls a test's body through `test.hypothesis.inner_test`, which it documents
as replaceable; wrapping it counts every execution Hypothesis makes (generated examples,
explicit examples, replays from the database and shrinking alike), nothing estimated.
The count travels as a user property of the test's report, so it survives pytest-xdist.
With `--executions`, the terminal summary lists the count per test and the total.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Generator
from typing import Any

import pytest

PROPERTY = "hypothesis-executions"
_STARTED = pytest.StashKey[float]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--executions",
        action="store_true",
        help="print how many examples each property test executed, and the total",
    )


def _counted(inner: Callable[..., Any], counter: list[int]) -> Callable[..., Any]:
    @functools.wraps(inner)
    def run(*args: Any, **kwargs: Any) -> Any:
        counter[0] += 1
        return inner(*args, **kwargs)

    return run


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    handle = getattr(getattr(item, "obj", None), "hypothesis", None)
    if handle is None:
        return (yield)
    inner, counter = handle.inner_test, [0]
    handle.inner_test = _counted(inner, counter)
    try:
        return (yield)
    finally:
        handle.inner_test = inner
        item.user_properties.append((PROPERTY, counter[0]))


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_STARTED] = time.monotonic()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if not config.getoption("executions"):
        return
    counts: dict[str, int] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in report.user_properties:
                if name == PROPERTY:
                    counts[report.nodeid] = counts.get(report.nodeid, 0) + int(value)
    write = terminalreporter.write_line
    terminalreporter.section("property-test executions")
    for nodeid, count in sorted(counts.items()):
        write(f"{count:>10,}  {nodeid}")
    seconds = time.monotonic() - config.stash[_STARTED]
    write(f"{sum(counts.values()):>10,}  total in {len(counts)} tests, {seconds:.0f} s")
