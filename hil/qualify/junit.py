"""The record as JUnit XML, so CI systems show a qualification like any test run.

One testcase per check; its properties carry the limits, expected and observed values,
and a failing or erroring check lists its named cases in the failure text.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from hil.qualify.record import Record, write_atomic
from hil.qualify.results import CheckResult, Outcome

_ELEMENT = {Outcome.FAIL: "failure", Outcome.ERROR: "error", Outcome.SKIPPED: "skipped"}
# What XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF); a path
# or a board URL may carry any of them, and the file must still parse.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub(lambda m: ascii(m.group())[1:-1], text)


def _clean(root: ET.Element) -> None:
    """Every text and attribute of the tree as XML 1.0 holds it: a character it cannot
    is written as its Python escape (\\x01, \\udcff), visibly."""
    for node in root.iter():
        node.attrib = {k: _xml_safe(v) for k, v in node.attrib.items()}
        if node.text:
            node.text = _xml_safe(node.text)


def _properties(parent: ET.Element, values: dict[str, object]) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in values.items():
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        ET.SubElement(props, "property", name=name, value=text)


def _case_lines(check: CheckResult) -> str:
    return "\n".join(
        f"{c.case_id}: expected {c.expected}, observed {c.observed} ({c.outcome.value})"
        + (f" [{c.where}]" if c.where else "")
        for c in check.cases
    )


def _testcase(suite: ET.Element, check: CheckResult, classname: str) -> None:
    case = ET.SubElement(
        suite, "testcase", classname=classname, name=check.name, time=f"{check.seconds:.3f}"
    )
    _properties(
        case,
        {
            "title": check.title,
            "outcome": check.outcome.value,
            "limits": check.limits,
            "expected": check.expected,
            "observed": check.observed,
            "cases": {
                "passed": check.passed,
                "failed": check.failed,
                "errors": check.errors,
                "skipped": check.skipped,
            },
        },
    )
    element = _ELEMENT.get(check.outcome)
    if element is not None:
        node = ET.SubElement(case, element, message=check.observed)
        node.text = _case_lines(check) or check.observed
    elif check.outcome is Outcome.INFO:
        ET.SubElement(case, "system-out").text = check.observed


def junit_xml(record: Record) -> bytes:
    module = record.module
    classname = f"qualification.{module['version']}"
    counts = {o: sum(1 for c in record.checks if c.outcome is o) for o in Outcome}
    # A check left out (--no-boards) is JUnit's skipped; the suite's outcome is the verdict.
    root = ET.Element("testsuites")
    suite = ET.SubElement(
        root,
        "testsuite",
        name=f"qualification {module['version']} {module['sha256'][:8]}",
        tests=str(len(record.checks)),
        failures=str(counts[Outcome.FAIL]),
        errors=str(counts[Outcome.ERROR]),
        skipped=str(counts[Outcome.SKIPPED]),
        timestamp=record.created,
        time=f"{record.seconds:.3f}",
    )
    _properties(
        suite,
        {
            "outcome": record.outcome.value,
            "module.version": module["version"],
            "module.sha256": module["sha256"],
            "module.abi": module["abi"],
            "firmware_abi": record.firmware_abi,
            "rig": record.rig,
            "git": record.software.get("git", {}),
        },
    )
    for check in record.checks:
        _testcase(suite, check, classname)
    _clean(root)
    ET.indent(root)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"


def write_junit(record: Record, path: Path) -> None:
    write_atomic(path, junit_xml(record))
