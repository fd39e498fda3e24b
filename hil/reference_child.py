"""The child process a team's reference file runs in: `python -I -m hil.reference_child
FILE`. It answers the rig's requests on its stdout, one JSON line each, and the team's
code never runs inside the qualifier or the HIL suite (hil/reference_process.py).

Requests, one JSON line each on stdin:
- `{"op": "prices", "cases": [[count, unit_price, hour], ...]}` -> `{"ok": [price, ...]}`
- `{"op": "plane", "hour": h, "counts": [start, stop, step], "units": [start, stop,
  step], "out": PATH}` -> the plane saved as .npy at PATH, `{"ok": [rows, cols]}`
Any failure of the team's code is `{"error": "..."}`. The first line says the file
loaded (`{"ready": true}`) or why not.

`price(count, unit_price, hour)` is required; `price_plane(counts, unit_prices, hour)`
(numpy arrays in, a rows x cols array out) is optional and makes whole-domain
comparisons fast; when both are given, each plane is checked against `price` on a
sample of its cases. What the team's code prints goes to stderr, never into answers.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import sys
from numbers import Integral, Real
from pathlib import Path
from typing import Any, TextIO

SAMPLE = 16  # cases of each plane held to `price` when price_plane is given


class ReferenceFault(Exception):
    """The team's file cannot answer as asked."""


def _load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("team_reference", path)
    if spec is None or spec.loader is None:
        raise ReferenceFault(f"{path}: expected a Python file, found none to load")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # their code: SystemExit and the like included
        raise ReferenceFault(
            f"{path}: expected a reference that loads, found {type(exc).__name__}: {exc}"
        ) from exc
    if not callable(getattr(module, "price", None)):
        raise ReferenceFault(
            f"{path}: expected a function price(count, unit_price, hour), found none"
        )
    return module


def _number(value: Any, result: str, where: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ReferenceFault(f"{where} expected a number, found {value!r}")
    if result == "i32":
        if not isinstance(value, Integral):
            raise ReferenceFault(f"{where} expected int, found {value!r}")
        return int(value)
    return float(value)


def _price(module: Any, count: int, unit: int, hour: int, result: str) -> int | float:
    where = f"price({count}, {unit}, {hour})"
    try:
        value = module.price(count, unit, hour)
    except BaseException as exc:
        raise ReferenceFault(f"{where} raised {type(exc).__name__}: {exc}") from exc
    return _number(value, result, where)


def _plane(module: Any, request: dict[str, Any], result: str) -> list[int]:
    import numpy as np  # the hil extra's; only planes need it

    hour = int(request["hour"])
    counts = np.arange(*request["counts"], dtype=np.int64)
    units = np.arange(*request["units"], dtype=np.int64)
    dtype = np.int64 if result == "i32" else np.float64
    if callable(getattr(module, "price_plane", None)):
        try:
            raw = module.price_plane(counts, units, hour)
            plane = np.asarray(raw)
        except BaseException as exc:
            raise ReferenceFault(
                f"price_plane(counts, unit_prices, {hour}) raised {type(exc).__name__}: {exc}"
            ) from exc
        if plane.shape != (len(counts), len(units)):
            raise ReferenceFault(
                f"price_plane(..., {hour}) expected shape {(len(counts), len(units))}, "
                f"found {plane.shape}"
            )
        if result == "i32" and plane.dtype.kind not in "iu":
            raise ReferenceFault(f"price_plane(..., {hour}) expected integers, found {plane.dtype}")
        plane = plane.astype(dtype)
        picker = random.Random(hour)
        for _ in range(SAMPLE):
            i, j = picker.randrange(len(counts)), picker.randrange(len(units))
            want = _price(module, int(counts[i]), int(units[j]), hour, result)
            if plane[i, j] != want:
                raise ReferenceFault(
                    f"price_plane and price disagree at ({counts[i]}, {units[j]}, {hour}): "
                    f"{plane[i, j]} against {want}"
                )
    else:
        plane = np.empty((len(counts), len(units)), dtype=dtype)
        for i, count in enumerate(counts.tolist()):
            for j, unit in enumerate(units.tolist()):
                plane[i, j] = _price(module, count, unit, hour, result)
    np.save(request["out"], plane)
    return [len(counts), len(units)]


def _answer(module: Any, request: dict[str, Any], result: str) -> Any:
    if request.get("op") == "prices":
        return [_price(module, c, u, h, result) for c, u, h in request["cases"]]
    if request.get("op") == "plane":
        return _plane(module, request, result)
    raise ReferenceFault(f"expected op 'prices' or 'plane', found {request.get('op')!r}")


def _send(channel: TextIO, message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def main(argv: list[str]) -> int:
    path, result = Path(argv[0]), argv[1]
    # Answers go to the original stdout; anything the team's code prints, to stderr.
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        module = _load(path)
    except ReferenceFault as exc:
        _send(channel, {"error": str(exc)})
        return 0
    _send(channel, {"ready": True})
    for line in sys.stdin:
        try:
            _send(channel, {"ok": _answer(module, json.loads(line), result)})
        except ReferenceFault as exc:
            _send(channel, {"error": str(exc)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
