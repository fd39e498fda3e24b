"""`python -m price_modules`: list the catalogue, one line a version."""

from __future__ import annotations

from price_modules.catalogue import manifest, versions


def main() -> None:
    for version in versions():
        record = manifest(version)
        print(
            f"{version}  {record.name:<12} price_func{record.signature}  "
            f"{record.size} B  sha256 {record.sha256[:16]}  {record.description}"
        )


if __name__ == "__main__":
    main()
