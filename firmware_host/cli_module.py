"""`pos-module`: keys, signing, verification and inspection of price modules.

    pos-module keygen --out DIR [--key-id ID]
    pos-module sign --key KEY (--module FILE | --version v3) --version-number N
                    --release-counter N --expires ISO [--status --language --tax --abi]
                    --out DOC.json
    pos-module verify DOC --trust DIR [--dev]
    pos-module inspect (FILE | --version v3)

Exit codes: 0 done, 1 the document or module was refused, 2 usage error, 3 a file
(key, module, output) could not be read or written. Refusals print the error class and
its message on stderr, so scripts can tell why.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from firmware_host.config import ABI_NAMES, STATUSES, parse_document
from firmware_host.errors import (
    DocumentRejected,
    FirmwareError,
    KeyFileError,
    ModuleRejected,
    StoreError,
)
from firmware_host.runtime import inspect_module
from firmware_host.signing import (
    PRIVATE_SUFFIX,
    encode_document,
    generate_keypair,
    load_private_key,
    module_fields,
    sign_fields,
)
from firmware_host.store import atomic_write
from firmware_host.texts import languages
from firmware_host.trust import TrustStore, authenticate
from price_modules import CatalogueError, wasm_bytes

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_FILE = 0, 1, 2, 3


class FileProblem(FirmwareError):
    """A file named on the command line could not be read."""


# Most specific first: the first class an error is an instance of decides the exit code.
EXIT_CODES: tuple[tuple[type[FirmwareError], int], ...] = (
    (DocumentRejected, EXIT_REFUSED),
    (ModuleRejected, EXIT_REFUSED),
    (KeyFileError, EXIT_FILE),
    (StoreError, EXIT_FILE),
    (FileProblem, EXIT_FILE),
    (FirmwareError, EXIT_REFUSED),
)


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FileProblem(f"{path}: expected a readable file, found {exc.strerror}") from None


def module_bytes(args: argparse.Namespace) -> bytes:
    """The module named by `--module FILE` / a positional file, or `--version vN`."""
    if args.version:
        try:
            return wasm_bytes(args.version)
        except CatalogueError as exc:
            raise FileProblem(str(exc)) from None
    return read_file(Path(args.module))


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
    return EXIT_OK


def _sign(args: argparse.Namespace) -> int:
    key_path = Path(args.key)
    key = load_private_key(key_path)
    key_id = args.key_id or key_path.name.removesuffix(PRIVATE_SUFFIX)
    fields = module_fields(
        module_bytes(args),
        version=args.version_number,
        release_counter=args.release_counter,
        expires=args.expires,
        status=args.status,
        language=args.language,
        tax=args.tax,
        abi=args.abi,
    )
    document = sign_fields(fields, key, key_id)
    raw = encode_document(document)
    # The signer checks its own output as a device would, before anyone ships it.
    parse_document(raw, dev_mode=False, languages=languages())
    atomic_write(Path(args.out), raw)
    print(json.dumps({"out": args.out, "key-id": key_id, "sha256": document["sha256"]}))
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    desired = parse_document(
        read_file(Path(args.document)), dev_mode=args.dev, languages=languages()
    )
    authenticate(desired, TrustStore.load(Path(args.trust)), dev_mode=args.dev)
    signed_by = desired.key_id if desired.signature else None
    print(
        json.dumps(
            {
                "verified": True,
                "key-id": signed_by,
                "version": desired.version,
                "sha256": desired.module_sha256,
            }
        )
    )
    return EXIT_OK


def _inspect(args: argparse.Namespace) -> int:
    print(json.dumps(inspect_module(module_bytes(args)).as_dict(), indent=2))
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pos-module", description=__doc__.splitlines()[0])
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
    sign.add_argument("--version-number", type=int, required=True, help="desired version")
    sign.add_argument("--release-counter", type=int, required=True)
    sign.add_argument("--expires", required=True, help="ISO 8601 with time zone")
    sign.add_argument("--status", choices=STATUSES, default="enabled")
    sign.add_argument("--language", default="EN")
    sign.add_argument("--tax", type=float, default=0.0)
    sign.add_argument("--abi", choices=ABI_NAMES, default="current")
    sign.add_argument("--out", required=True, help="document file to write")
    sign.set_defaults(run=_sign)

    verify = commands.add_parser("verify", help="check a document as a device would")
    verify.add_argument("document")
    verify.add_argument("--trust", required=True, help="folder of <key-id>.pub files")
    verify.add_argument("--dev", action="store_true", help="development mode: allow unsigned")
    verify.set_defaults(run=_verify)

    inspect = commands.add_parser("inspect", help="exports, imports, sha256 and size")
    target = inspect.add_mutually_exclusive_group(required=True)
    target.add_argument("module", nargs="?", help="a .wasm file")
    target.add_argument("--version", help="a catalogue version, e.g. v3")
    inspect.set_defaults(run=_inspect)
    return parser


def run_command(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run one subcommand; a typed error becomes its message on stderr and an exit code."""
    try:
        return run(args)
    except FirmwareError as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return next(code for kind, code in EXIT_CODES if isinstance(error, kind))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return run_command(args.run, args)


if __name__ == "__main__":
    sys.exit(main())
