"""A pytest plugin that kills its own process with SIGKILL once the first test has
finished: loaded into the HIL suite by a qualification test (`--suite-arg=-p
--suite-arg=tests.suite_killer`) to stand for a suite that crashes mid-run."""

from __future__ import annotations

import os
import signal

import pytest


@pytest.hookimpl(trylast=True)  # after the feed plugin has written the report
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "teardown":
        os.kill(os.getpid(), signal.SIGKILL)
