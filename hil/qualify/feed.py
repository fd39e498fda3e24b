"""A pytest plugin loaded into the HIL suite's process by `pos-qualify`: one JSON line per
test phase report, written to the pipe named by HIL_QUALIFY_FEED_FD.

The qualification reads these lines while the suite runs (for the progress bar and to
react to progress) and builds its board check from them; the suite's own JUnit XML is
kept beside the record as the full account. Under pytest-xdist only the controller
writes: it receives every worker's reports, and the pipe is not open in the workers.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

FEED_ENV = "HIL_QUALIFY_FEED_FD"
LONGREPR_CHARS = 2000


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return report.longreprtext[-LONGREPR_CHARS:]


class FeedWriter:
    """Writes the events; registered only in the process that owns the pipe."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def _write(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, default=str) + "\n"
        os.write(self.fd, line.encode("utf-8"))

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._write({"event": "collected", "total": len(session.items)})

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self._write({"event": "deselected", "count": len(items)})

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self._write({"event": "collected", "total": len(ids)})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._write(
            {
                "event": "report",
                "nodeid": report.nodeid,
                "when": report.when,
                "outcome": report.outcome,
                "properties": [list(pair) for pair in report.user_properties],
                "reason": "" if report.passed else _reason(report),
            }
        )


def pytest_configure(config: pytest.Config) -> None:
    value = os.environ.get(FEED_ENV, "")
    if value.isdigit() and not hasattr(config, "workerinput"):
        config.pluginmanager.register(FeedWriter(int(value)), "hil-qualify-feed-writer")
