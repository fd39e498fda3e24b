"""The execution count of `--executions` is what really ran: each call of a property
test's body, counted in the body itself here and compared with the printed figures."""

from __future__ import annotations

import re

import pytest

# In-process and without faulthandler, whose handlers would unseat wasmtime's.
from tests.test_hil_plugin import ISOLATED

SUBJECT = """
from hypothesis import given, settings, strategies as st

RAN = []

@given(st.integers())
@settings(max_examples=37, database=None)
def test_counted(n):
    RAN.append(n)

@given(st.integers())
@settings(max_examples=5, database=None)
def test_fails_at_once(n):
    RAN.append(n)
    assert n < 1000

def test_not_a_property():
    pass

def test_zz_report():
    print("BODY RAN", len(RAN))
"""


def count(pattern: str, text: str) -> int:
    found = re.search(pattern, text, re.M)
    assert found is not None, text
    return int(found.group(1).replace(",", ""))


def test_the_printed_counts_are_the_executions_of_each_body(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_subject=SUBJECT)
    result = pytester.runpytest_inprocess("-p", "tests.executions", *ISOLATED, "--executions", "-s")
    out = result.stdout.str()
    ran = count(r"BODY RAN (\d+)", out)
    counted = count(r"^\s+([\d,]+)\s+test_subject\.py::test_counted$", out)
    failing = count(r"^\s+([\d,]+)\s+test_subject\.py::test_fails_at_once$", out)
    assert counted == 37
    assert failing > 1  # generated, shrunk and replayed: every call counted
    assert counted + failing == ran
    assert count(r"^\s+([\d,]+)\s+total in 2 tests", out) == ran
    assert "test_not_a_property" not in out.split("property-test executions")[1]
