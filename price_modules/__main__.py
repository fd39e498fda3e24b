"""`python -m price_modules`: list the catalogue, one line a version."""

from __future__ import annotations

import sys

from firmware_host.exits import ExitCode, run_main
from price_modules.catalogue import manifest, versions


def _list() -> int:
    records = [(version, manifest(version)) for version in versions()]
    label_width = max((len(v) for v, _ in records), default=0)
    name_width = max((len(r.name) for _, r in records), default=0)
    signature_width = max((len(str(r.signature)) for _, r in records), default=0)
    for version, record in records:
        print(
            f"{version:<{label_width}}  {record.name:<{name_width}}  "
            f"price_func{record.signature!s:<{signature_width}}  {record.size:>5} B  "
            f"sha256 {record.sha256[:16]}  {record.description}"
        )
    return ExitCode.OK


def main() -> int:
    """The exit-code table's codes: output that cannot be written (a full disk) is 2."""
    return run_main("python -m price_modules", _list)


if __name__ == "__main__":
    sys.exit(main())
