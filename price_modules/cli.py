"""`pos-module`: keys, signing, verification and inspection of price modules.

    pos-module keygen --out DIR [--key-id ID]
    pos-module sign --key KEY (--module FILE | --version v3 | --from-document DOC)
                    --version-number N --release-counter N --expires RFC3339
                    [--status --language --tax] [--abi] --out DOC.json
    pos-module verify DOC --trust DIR [--dev] [--abi]
    pos-module inspect (FILE | --version v3)
    pos-module init FILE.wasm [--name NAME] [--label LABEL]

`sign` runs the device's own acceptance first (acceptance.py) and signs nothing a
terminal would refuse; `--from-document` wraps the cloud's unsigned document, keeping
its status, language, tax and module. `verify` reports every stage of acceptance.
`init` writes the skeleton of a team's own module's manifest.json beside its .wasm,
from the binary (export, sha256, size); it names what is left to fill in, and never
overwrites a manifest.

Exit codes are the project's table (exits.py): 0 done, 1 the document or module was
refused (a module file over the firmware's size cap included), 2 a file (key, module,
output) could not be read or written, or is no regular file, 3 a usage error (a
version the catalogue lacks, a `--trust` that names no folder, a number not in ASCII
decimal), 4 a bug. Refusals print the error class and its message on stderr, so scripts can tell
why.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from firmware_host.abi import FirmwareAbi
from firmware_host.acceptance import Outcome, verify_stages
from firmware_host.commands import (
    TRUST_FOLDER,
    UsageProblem,
    integer_argument,
    number_argument,
    read_input,
    run_command,
)
from firmware_host.config import (
    ABI_NAMES,
    KNOWN_FIELDS,
    STATUSES,
    load_object,
    max_document_bytes,
    parse_fields,
)
from firmware_host.errors import DocumentTooLarge, MissingExport, ModuleTooLarge
from firmware_host.exits import ExitCode, UsageParser, run_main
from firmware_host.runtime import EXPORT_NAME, Limits, export_signature, inspect_module
from firmware_host.signing import (
    generate_keypair,
)
from firmware_host.store import atomic_write
from firmware_host.texts import languages
from firmware_host.trust import TrustStore
from price_modules.catalogue import (
    MANIFEST_NAME,
    CatalogueError,
    dump_manifest,
    parse_manifest,
    versions,
    wasm_path,
)
from price_modules.signer import signed_document

CLOUD_FIELDS = ("status", "language", "tax", "price-func")
SETTINGS_DEFAULTS = {"status": "enabled", "language": "EN", "tax": 0.0}


def utc_now() -> datetime:
    """Looked up at call time, so freezegun controls expiry checks in tests."""
    return datetime.now(UTC)


def read_module(path: Path, limits: Limits) -> bytes:
    """A module file: read up to the firmware's module cap; one over it is refused as
    the firmware would refuse it (ModuleTooLarge), not as unreadable."""
    return read_input(path, limits.max_module_bytes, "module file", ModuleTooLarge)


def read_document(path: Path, limits: Limits) -> bytes:
    """A desired-state document file: read up to a device's document cap."""
    return read_input(
        path, max_document_bytes(limits.max_module_bytes), "document", DocumentTooLarge
    )


def module_bytes(args: argparse.Namespace, limits: Limits) -> bytes:
    """The module named by `--module FILE` / a positional file, or `--version vN`; a
    version the catalogue lacks names nothing: a usage error."""
    if args.version:
        if args.version not in versions():
            raise UsageProblem(
                f"--version: expected a catalogue version ({', '.join(versions())}), "
                f"found {args.version!r}"
            )
        return read_module(wasm_path(args.version), limits)
    return read_module(Path(args.module), limits)


def _keygen(args: argparse.Namespace) -> int:
    pair = generate_keypair(Path(args.out), args.key_id)
    print(
        json.dumps(
            {
                "key-id": pair.key_id,
                "private": str(pair.private_path),
                "public": str(pair.public_path),
            }
        )
    )
    return ExitCode.OK


def _cloud_document(path: Path, limits: Limits) -> tuple[bytes, dict[str, Any]]:
    """The module and settings of the cloud's unsigned document, checked as a device would."""
    data = load_object(read_document(path, limits), max_document_bytes(limits.max_module_bytes))
    extra = sorted(set(data) & set(KNOWN_FIELDS) - set(CLOUD_FIELDS))
    if extra:
        raise UsageProblem(
            f"{path}: expected the cloud's unsigned document ({', '.join(CLOUD_FIELDS)}), "
            f"found field {extra[0]!r}"
        )
    desired = parse_fields(
        data, dev_mode=True, languages=languages(), max_module_bytes=limits.max_module_bytes
    )
    return desired.module, {name: data[name] for name in SETTINGS_DEFAULTS}


def _module_and_settings(args: argparse.Namespace, limits: Limits) -> tuple[bytes, dict[str, Any]]:
    """From the cloud document (`--from-document`), else from the options."""
    given = {name: getattr(args, name) for name in SETTINGS_DEFAULTS}
    if args.from_document:
        named = [f"--{name}" for name, value in given.items() if value is not None]
        if named:
            raise UsageProblem(
                f"--from-document keeps the document's status, language and tax, "
                f"found {', '.join(named)} too"
            )
        return _cloud_document(Path(args.from_document), limits)
    settings = {k: v if v is not None else SETTINGS_DEFAULTS[k] for k, v in given.items()}
    return module_bytes(args, limits), settings


def _sign(args: argparse.Namespace) -> int:
    limits = Limits()
    wasm, settings = _module_and_settings(args, limits)
    raw, document = signed_document(
        wasm,
        Path(args.key),
        key_id=args.key_id,
        version=args.version_number,
        release_counter=args.release_counter,
        expires=args.expires,
        abi=args.abi,
        settings=settings,
        now=utc_now(),
        limits=limits,
    )
    atomic_write(Path(args.out), raw)
    print(json.dumps({"out": args.out, "key-id": document["key-id"], "sha256": document["sha256"]}))
    return ExitCode.OK


def _verify(args: argparse.Namespace) -> int:
    limits = Limits()
    desired, stages = verify_stages(
        read_document(Path(args.document), limits),
        trust=TrustStore.load(args.trust),
        firmware=FirmwareAbi.from_name(args.abi),
        dev_mode=args.dev,
        languages=languages(),
        now=utc_now(),
        limits=limits,
    )
    verified = all(stage.outcome is Outcome.PASSED for stage in stages)
    signed_by = desired.key_id if desired and desired.signature else None
    print(
        json.dumps(
            {
                "verified": verified,
                "key-id": signed_by,
                "version": desired.version if desired else None,
                "sha256": desired.module_sha256 if desired else None,
                "stages": [stage.as_dict() for stage in stages],
            },
            indent=2,
        )
    )
    failed = next((stage.error for stage in stages if stage.error is not None), None)
    if failed is not None:
        print(f"{type(failed).__name__}: {failed}", file=sys.stderr)
        return ExitCode.REFUSED
    return ExitCode.OK


def _inspect(args: argparse.Namespace) -> int:
    print(json.dumps(inspect_module(module_bytes(args, Limits())).as_dict(), indent=2))
    return ExitCode.OK


SKELETON_DOMAIN = {"max_count": 999, "max_unit_price": 999, "max_price": 100}
TO_FILL_IN = (
    "specification: what it must compute, a price table of hour ranges and multipliers "
    '({"price_table": [{"hours": [0, 23], "multiplier": 1}]}) or a reference file beside '
    'the manifest ({"reference": "reference.py"} defining price(count, unit_price, hour))',
    'golden: cases written from the specification ({"hour": 13, "count": 2, '
    '"unit_price": 10, "price": 20} or "refusal": "Invalid price : 110")',
)
FOR_THE_RECORD = (
    "domain: written as what a terminal takes (counts and unit prices 0..999, its guard's "
    "maximum price 100); the exhaustive tier sweeps all of it, and claims fails a narrower "
    "one or another maximum price",
    "description: what the module does",
    "release_counter and toolchain: as your release process records them",
)


def manifest_skeleton(wasm: bytes, name: str, label: str) -> dict[str, Any]:
    """A manifest for `wasm` from what the binary says; the claims a person must make
    (domain, specification, golden cases) are left for them, so the specification and
    golden checks fail until they are made."""
    info = inspect_module(wasm)
    signature = export_signature(wasm)
    if signature is None:
        raise MissingExport(
            f"price module has no function {EXPORT_NAME!r}: expected one to describe, found "
            f"{', '.join(e.name for e in info.exports) or 'no exports'}"
        )
    return {
        "name": name,
        "version": label,
        "description": f"{name}: to be described",
        "export": {
            "name": EXPORT_NAME,
            "params": list(signature.params),
            "results": list(signature.results),
        },
        "sha256": info.sha256,
        "size": info.size,
        "release_counter": 1,
        "toolchain": {"rustc": "unknown", "target": "wasm32-unknown-unknown", "flags": []},
        "domain": dict(SKELETON_DOMAIN),
        "golden": [],
    }


def _init(args: argparse.Namespace) -> int:
    wasm_file = Path(args.module)
    target = wasm_file.with_name(MANIFEST_NAME)
    if target.exists():
        raise UsageProblem(
            f"{target}: expected no manifest yet (init never overwrites one), found one"
        )
    stem = wasm_file.stem if wasm_file.stem != "price_func" else wasm_file.resolve().parent.name
    wasm = read_module(wasm_file, Limits())
    data = manifest_skeleton(wasm, args.name or stem, args.label or stem)
    text = dump_manifest(data)
    try:
        parse_manifest(json.loads(text), str(target), target.parent)
    except CatalogueError as exc:  # a name or label the manifest cannot hold
        raise UsageProblem(str(exc)) from exc
    atomic_write(target, text.encode("utf-8"))
    print(f"wrote {target} (docs/manifest.md says what each field means)")
    print("to fill in before pos-qualify can pass it:")
    for item in TO_FILL_IN:
        print(f"  {item}")
    print("and for the record:")
    for item in FOR_THE_RECORD:
        print(f"  {item}")
    return ExitCode.OK


def _parser() -> argparse.ArgumentParser:
    parser = UsageParser(prog="pos-module", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    keygen = commands.add_parser("keygen", help="create an Ed25519 key pair")
    keygen.add_argument("--out", required=True, help="folder for <key-id>.key and .pub")
    keygen.add_argument("--key-id", help="name of the key (default: derived from it)")
    keygen.set_defaults(run=_keygen)

    sign = commands.add_parser("sign", help="sign a module into a desired-state document")
    sign.add_argument("--key", required=True, help="private key file (<key-id>.key)")
    sign.add_argument("--key-id", help="default: the key file's name without .key")
    source = sign.add_mutually_exclusive_group(required=True)
    source.add_argument("--module", help="a .wasm file")
    source.add_argument("--version", help="a catalogue version, e.g. v3")
    source.add_argument(
        "--from-document", help="the cloud's unsigned document: keep its settings and module"
    )
    sign.add_argument(
        "--version-number", type=integer_argument, required=True, help="desired version"
    )
    sign.add_argument("--release-counter", type=integer_argument, required=True)
    sign.add_argument("--expires", required=True, help="RFC 3339 with time zone, e.g. ...Z")
    sign.add_argument("--status", choices=STATUSES, help="default: enabled")
    sign.add_argument("--language", help="default: EN")
    sign.add_argument("--tax", type=number_argument, help="a rate, default: 0")
    sign.add_argument("--abi", choices=ABI_NAMES, default="current", help="target firmware")
    sign.add_argument("--out", required=True, help="document file to write")
    sign.set_defaults(run=_sign)

    verify = commands.add_parser("verify", help="check a document as a device would")
    verify.add_argument("document")
    verify.add_argument(
        "--trust", type=TRUST_FOLDER, required=True, help="folder of <key-id>.pub files"
    )
    verify.add_argument("--dev", action="store_true", help="development mode: allow unsigned")
    verify.add_argument("--abi", choices=ABI_NAMES, default="current", help="device firmware")
    verify.set_defaults(run=_verify)

    inspect = commands.add_parser("inspect", help="exports, imports, sha256 and size")
    target = inspect.add_mutually_exclusive_group(required=True)
    target.add_argument("module", nargs="?", help="a .wasm file")
    target.add_argument("--version", help="a catalogue version, e.g. v3")
    inspect.set_defaults(run=_inspect)

    init = commands.add_parser("init", help="write a manifest skeleton beside a .wasm")
    init.add_argument("module", help="the module's .wasm file")
    init.add_argument(
        "--name",
        help="the rule's name (default: the file's name, or the folder's for price_func.wasm)",
    )
    init.add_argument("--label", help="the version label tests are named by (default: as --name)")
    init.set_defaults(run=_init)
    return parser


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    return run_command(args.run, args)


def main(argv: Sequence[str] | None = None) -> int:
    return run_main("pos-module", partial(_main, argv))


if __name__ == "__main__":
    sys.exit(main())
