"""`python -m price_modules`: list the catalogue, one line a version."""

from __future__ import annotations

from price_modules.catalogue import manifest, versions


def main() -> None:
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


if __name__ == "__main__":
    main()
