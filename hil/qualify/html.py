"""The record as one self-contained HTML page with its plots inline.

The plots are computed here from the module bytes (a small slice of the domain through
the exhaustive tier's sweep), not stored in the record: the record holds the verdict
and its evidence, the page helps a person see it.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from firmware_host.errors import FirmwareError
from hil.exhaustive import Domain, results_cube
from hil.grid import HOURS_OF_DAY
from hil.qualify import plots
from hil.qualify.record import PlaceInfo, Record, write_atomic
from hil.qualify.results import CheckResult, Outcome
from hil.subject import Subject

PLOT_UNIT_PRICES = (1, 10)
MIN_COUNTS_SHOWN = 20
COLOURS = {
    Outcome.PASS: "#1a7f37",
    Outcome.FAIL: "#cf222e",
    Outcome.ERROR: "#9a6700",
    Outcome.SKIPPED: "#6e7781",
    Outcome.INFO: "#0969da",
}
LABELS = {Outcome.SKIPPED: "NOT RUN"}
STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1200px; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top;
         font-size: 13px; overflow-wrap: anywhere; }
th { background: #f3f3f3; white-space: nowrap; overflow-wrap: normal; }
td.num { text-align: right; white-space: nowrap; overflow-wrap: normal;
         font-variant-numeric: tabular-nums; }
.badge { color: white; padding: 2px 8px; border-radius: 4px; font-weight: bold;
         white-space: nowrap; }
.verdict { font-size: 15px; margin: 0.5em 0 1.5em; }
.notrun { border-left: 4px solid #6e7781; padding: 0.2em 0.8em; background: #f6f8fa; }
code { font-size: 12px; }
figure { margin: 1em 0; }
"""


def badge(outcome: Outcome) -> str:
    label = LABELS.get(outcome, outcome.value)
    return f'<span class="badge" style="background:{COLOURS[outcome]}">{label}</span>'


def table(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def compact(value: Any) -> str:
    """A limit as a person reads it: ranges as a..b, long lists by their length."""
    if isinstance(value, dict) and {"start", "stop", "step"} <= set(value):
        step = "" if value["step"] == 1 else f" step {value['step']}"
        return f"{value['start']}..{value['stop'] - 1}{step}"
    if isinstance(value, dict):
        return "; ".join(f"{k} {compact(v)}" for k, v in value.items())
    if isinstance(value, list) and len(value) > 12:
        if all(isinstance(v, int) for v in value) and value == list(range(value[0], value[-1] + 1)):
            return f"{value[0]}..{value[-1]}"
        return f"{len(value)} items"
    if isinstance(value, list):
        return ", ".join(compact(v) for v in value)
    return str(value)


def _limits(limits: dict[str, Any]) -> str:
    return "<br>".join(f"{escape(k)}: {escape(compact(v))}" for k, v in limits.items())


def _num(value: object) -> str:
    return f'<td class="num">{escape(str(value))}</td>'


def _checks_table(checks: tuple[CheckResult, ...]) -> str:
    head = (
        "<tr><th>check</th><th>outcome</th><th>limits</th><th>expected</th><th>observed</th>"
        "<th>passed</th><th>failed</th><th>errors</th><th>not run</th><th>seconds</th></tr>"
    )
    rows = "".join(
        f"<tr><td>{escape(c.title)}<br><code>{escape(c.name)}</code></td>"
        f"<td>{badge(c.outcome)}</td><td>{_limits(c.limits)}</td>"
        f"<td>{escape(c.expected)}</td><td>{escape(c.observed)}</td>"
        f"{_num(c.passed)}{_num(c.failed)}{_num(c.errors)}"
        f"{_num(c.skipped + c.not_run_cases)}{_num(f'{c.seconds:.2f}')}</tr>"
        for c in checks
    )
    return f"<table>{head}{rows}</table>"


def _not_run_section(record: Record) -> str:
    """Every check and case that did not run, and why: never silent."""
    items = [
        f"<li><b>{escape(c.name)}</b>: {escape(c.observed)}</li>"
        for c in record.checks
        if c.outcome is Outcome.SKIPPED
    ]
    for check in record.checks:
        if check.skipped:
            items.append(
                f"<li><b>{escape(check.name)}</b>: {check.skipped} cases not evaluated</li>"
            )
        for group in check.not_run:
            shown = ", ".join(group.cases[:8]) + (" ..." if len(group.cases) > 8 else "")
            items.append(
                f"<li><b>{escape(check.name)}</b>: {len(group.cases)} tests did not run: "
                f"{escape(group.reason)} (<code>{escape(shown)}</code>)</li>"
            )
    if not items:
        return "<p>Every selected check ran all of its cases.</p>"
    return f'<div class="notrun"><ul>{"".join(items)}</ul></div>'


def _cases_table(record: Record) -> str:
    cases = record.failing_cases()
    if not cases:
        return "<p>No failing case.</p>"
    head = "<tr><th>check</th><th>case</th><th>expected</th><th>observed</th><th>where</th></tr>"
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td><code>{escape(c.case_id)}</code></td>"
        f"<td>{escape(c.expected)}</td><td>{escape(c.observed)}</td><td>{escape(c.where)}</td>"
        "</tr>"
        for name, c in cases
    )
    return f"<table>{head}{rows}</table>"


PricePlane = tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]


def price_plane(subject: Subject, unit_price: int) -> PricePlane:
    """Results [hour, count] at one unit price over the module's declared counts, and
    their fault mask."""
    counts = range(subject.manifest.max_count + 1)
    values, faults = results_cube(
        subject.wasm, Domain(HOURS_OF_DAY, counts, range(unit_price, unit_price + 1))
    )
    return values[:, :, 0], faults[:, :, 0]


def _shown_counts(max_price: int, *planes: np.ndarray[Any, Any]) -> int:
    """Counts up to a quarter past the last one any hour prices: above it all is refused."""
    last = 0
    for plane in planes:
        priced = np.flatnonzero(((plane >= 0) & (plane <= max_price)).any(axis=0))
        last = max(last, int(priced[-1]) if priced.size else 0)
    limit: int = planes[0].shape[1]
    return min(limit, max(MIN_COUNTS_SHOWN, int(last * 1.25) + 1))


def diff_rgb(before: PricePlane, after: PricePlane, shown: int, max_price: int) -> Any:
    """The deployed plane against the candidate's, each with its own faults, over the
    counts both modules declare (at most `shown`)."""
    both = min(shown, before[0].shape[1], after[0].shape[1])
    return plots.diff_colours(
        before[0][:, :both], before[1][:, :both], after[0][:, :both], after[1][:, :both], max_price
    )


def _heatmap(rgb: np.ndarray[Any, Any], title: str, keys: list[tuple[plots.RGB, str]]) -> str:
    return plots.heatmap_svg(
        rgb,
        title=title,
        x_label="hour of day",
        y_label="count",
        x_values=list(range(rgb.shape[0])),
        y_values=list(range(rgb.shape[1])),
        keys=keys,
    )


def plot_unit_prices(record: Record) -> list[int]:
    """The fixed slices, plus the unit price of the first case a check failed on, so a
    failure outside the fixed slices (a wrap-around, say) is seen in a plot too."""
    units = list(PLOT_UNIT_PRICES)
    first = next((c.unit_price for _, c in record.failing_cases() if c.unit_price), None)
    if isinstance(first, int) and first not in units:
        units.append(first)
    return units


def price_figures(subject: Subject, deployed: Subject | None, units: list[int]) -> list[str]:
    max_price = subject.manifest.max_price
    figures = []
    for unit in units:
        if unit > subject.manifest.max_unit_price:
            continue
        try:
            values, faults = price_plane(subject, unit)
            before = price_plane(deployed, unit) if deployed is not None else None
        except FirmwareError as exc:
            figures.append(f"<p>No plot at unit price {unit}: {escape(str(exc))}</p>")
            continue
        planes = [values] if before is None else [values, before[0][:, : values.shape[1]]]
        shown = _shown_counts(max_price, *planes)
        keys = [
            (plots.RAMP[0], "price 0"),
            (plots.RAMP[-1], f"price {max_price}"),
            (plots.REFUSED, "guard refusal"),
            (plots.FAULT, "module fault"),
        ]
        rgb = plots.price_colours(values[:, :shown], faults[:, :shown], max_price)
        title = f"{subject.label}: price by hour and count, unit price {unit}"
        figures.append(_heatmap(rgb, title, keys))
        if before is not None and deployed is not None:
            rgb = diff_rgb(before, (values, faults), shown, max_price)
            keys = [
                (plots.SAME, "same outcome"),
                (plots.CHEAPER, "cheaper than deployed"),
                (plots.DEARER, "dearer than deployed"),
                (plots.NEWLY_REFUSED, "now refused"),
                (plots.NEWLY_PRICED, "now priced"),
                (plots.REFUSED, "refused by both"),
            ]
            title = f"{subject.label} against deployed {deployed.label}, unit price {unit}"
            figures.append(_heatmap(rgb, title, keys))
    return figures


def diff_bars(record: Record) -> str:
    check = next((c for c in record.checks if c.name == "deployed"), None)
    if check is None or check.outcome is not Outcome.INFO or "deployed" not in check.limits:
        return ""
    by_hour = {h["hour"]: h for h in check.details.get("by_hour", [])}
    hours = list(HOURS_OF_DAY)

    def count(key: str) -> list[int]:
        return [int(by_hour.get(h, {}).get(key, 0)) for h in hours]

    other = [
        c - a - b
        for c, a, b in zip(count("changed"), count("cheaper"), count("dearer"), strict=True)
    ]
    return plots.bar_svg(
        [
            (count("cheaper"), plots.CHEAPER, "cheaper"),
            (count("dearer"), plots.DEARER, "dearer"),
            (other, plots.NEWLY_REFUSED, "fault in one only"),
        ],
        hours,
        title=f"Cases that differ from {check.limits.get('deployed')}, whole domain, by hour",
        x_label="hour of day",
        y_label="changed cases",
    )


def _git_text(git: dict[str, Any]) -> str:
    revision = git.get("revision") or "unknown"
    state = {True: "with uncommitted changes", False: "clean", None: "state unknown"}
    return f"{revision} ({state[git.get('dirty')]})"


def _abi_text(module: dict[str, Any]) -> str:
    abi = module.get("abi")
    if abi is None:
        return f"{module['signature']}: no firmware generation calls this signature"
    return f"{module['signature']}: the {abi} firmware's ABI"


RIG_KINDS = {
    "virtual": "virtual boards started by the rig",
    "file": "rig file",
    "command-line": "boards named on the command line",
}


def _rig_text(rig: dict[str, Any], boards_ran: bool) -> str:
    kind = RIG_KINDS.get(str(rig.get("kind")), str(rig.get("kind")))
    source = rig.get("source")
    coordinator = rig.get("coordinator")
    return (
        f"{rig.get('name')}: {kind}"
        + (f" {source}" if rig.get("kind") == "file" else "")
        + (f", labgrid coordinator {coordinator}" if coordinator else "")
        + ("" if boards_ran else "; not used: the boards were left out of this run")
    )


def _boards_ran(record: Record) -> bool:
    return any(c.name == "boards" and c.outcome is not Outcome.SKIPPED for c in record.checks)


def _summary(record: Record) -> str:
    module, grid = record.module, record.grid
    name = f"{module['name']} {module['version']} ({module['source']})"
    return table(
        [
            ("module", escape(name)),
            ("sha256", f"<code>{escape(module['sha256'])}</code>"),
            ("size", f"{module['size']} bytes"),
            ("signature", escape(_abi_text(module))),
            ("firmware", escape(f"{record.firmware_abi} generation")),
            ("grid", escape(f"{grid['name']}: {grid['cases_per_board']} sales per board")),
            ("rig", escape(_rig_text(record.rig, _boards_ran(record)))),
            ("rig revision", f"<code>{escape(_git_text(record.software.get('git', {})))}</code>"),
            ("created", escape(f"{record.created}, took {record.seconds:.1f} s")),
        ]
    )


def _software_table(record: Record) -> str:
    rows = [(k, escape(str(v))) for k, v in record.software.items() if k != "git"]
    return table(rows)


IDENTITY_COLUMNS = ("model", "firmware", "serial", "cmdset")


def _identity_cells(identity: dict[str, Any] | None) -> str:
    if identity is None:
        return "".join("<td>-</td>" for _ in (*IDENTITY_COLUMNS, "size"))
    size = f"{identity.get('rows')} x {identity.get('cols')}"
    return "".join(f"<td>{escape(str(identity.get(k, '-')))}</td>" for k in IDENTITY_COLUMNS) + (
        f'<td class="num">{escape(size)}</td>'
    )


def _place_cells(place: PlaceInfo | None) -> str:
    if place is None:
        return "<td>-</td><td>-</td>"
    exporter = (place.exporter or "-") + (f" ({place.host})" if place.host else "")
    return f"<td>{escape(place.place)}</td><td>{escape(exporter)}</td>"


def _boards_table(record: Record) -> str:
    """One row a board; a rig with labgrid places adds each board's place and exporter."""
    places = any(b.labgrid for b in record.boards)
    head = (
        "<tr><th>board</th>"
        + ("<th>labgrid place</th><th>exporter (host)</th>" if places else "")
        + "<th>display port</th><th>control port</th>"
        + "".join(f"<th>{c}</th>" for c in IDENTITY_COLUMNS)
        + "<th>rows x cols</th><th>problem</th></tr>"
    )
    rows = "".join(
        f"<tr><td>{escape(b.name)}</td>{_place_cells(b.labgrid) if places else ''}"
        f"<td><code>{escape(b.url or '-')}</code></td>"
        f"<td><code>{escape(b.control or '-')}</code></td>{_identity_cells(b.identity)}"
        f"<td>{escape(b.error or '')}</td></tr>"
        for b in record.boards
    )
    return f"<table>{head}{rows}</table>"


def _verdict(record: Record) -> str:
    verdict = record.verdict
    lines = [f"{badge(record.outcome)} {escape(VERDICT_TEXT[record.outcome])}"]
    lines += [f"<li>{escape(reason)}</li>" for reason in verdict.reasons[:20]]
    lines += [
        f"<li>{escape(name)}: left out by the operator, not run</li>" for name in verdict.left_out
    ]
    head, *items = lines
    return f'<div class="verdict">{head}<ul>{"".join(items)}</ul></div>'


VERDICT_TEXT = {
    Outcome.PASS: "Every selected check ran all of its cases and all held.",
    Outcome.FAIL: "A check proved the module wrong: it must not ship.",
    Outcome.ERROR: "The rig could not prove the module: nothing is known to be wrong, and "
    "nothing is proven right.",
}


def render(record: Record, subject: Subject, deployed: Subject | None) -> str:
    version = escape(record.module["version"])
    figures = "".join(
        f"<figure>{f}</figure>" for f in price_figures(subject, deployed, plot_unit_prices(record))
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Qualification {version} {record.outcome.value}</title>
<style>{STYLE}</style></head><body>
<h1>Qualification of {version}</h1>
{_verdict(record)}
{_summary(record)}
<h2>Checks</h2>{_checks_table(record.checks)}
<h2>What did not run</h2>{_not_run_section(record)}
<h2>Failing cases</h2>{_cases_table(record)}
<h2>Boards</h2>{_boards_table(record)}
<h2>Prices</h2>{figures}
<figure>{diff_bars(record)}</figure>
<h2>Totals</h2>{table([(k, f'<span class="num">{v}</span>') for k, v in record.totals.items()])}
<h2>Software</h2>{_software_table(record)}
</body></html>
"""


def write_html(record: Record, subject: Subject, deployed: Subject | None, path: Path) -> None:
    # A path may hold bytes no UTF-8 can (a surrogate escape): shown as its escape.
    write_atomic(path, render(record, subject, deployed).encode("utf-8", "backslashreplace"))
