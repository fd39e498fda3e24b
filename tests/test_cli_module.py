"""`pos-module sign` and `verify` agree with the device: what a terminal refuses is never
signed (with the terminal's own message), and verify reports each stage of acceptance."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from firmware_host import cli_firmware
from firmware_host.device import Device
from firmware_host.errors import NotCanonical
from firmware_host.runtime import DEFAULT_MAX_MODULE_BYTES
from firmware_host.signing import (
    encode_document,
    generate_keypair,
    load_private_key,
    module_fields,
    sign_fields,
)
from firmware_host.trust import TrustStore
from price_modules import cli as cli_module
from price_modules import manifest, wasm_bytes, wasm_path
from tests.documents import minimal
from tests.test_cli_firmware import run
from tests.test_hostile_modules import hostile

FAR = "2099-01-01T00:00:00Z"


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    generate_keypair(tmp_path / "keys", "ops")
    return tmp_path / "keys"


def sign_cli(
    capsys: pytest.CaptureFixture[str], keys: Path, out: Path, *source: str, **options: str
) -> tuple[int, str]:
    """`pos-module sign` with version 1, counter 1 and a far expiry unless `options` say."""
    values = {"version-number": "1", "release-counter": "1", "expires": FAR} | {
        k.replace("_", "-"): v for k, v in options.items()
    }
    argv = [f"--{k}={v}" for k, v in values.items()]
    code, _, err = run(
        capsys, cli_module.main, "sign", "--key", str(keys / "ops.key"), *source, *argv,
        "--out", str(out),
    )  # fmt: skip
    return code, err


def device_refusal(keys: Path, state: Path, wasm: bytes, fields: dict[str, Any]) -> str:
    """The same document signed through the API and applied to a real device: its ack."""
    unsigned = module_fields(wasm, version=1, release_counter=1, expires=FAR) | fields
    try:
        document = sign_fields(unsigned, load_private_key(keys / "ops.key"), "ops")
    except NotCanonical:  # the API cannot sign it either; the device parses before verifying
        document = unsigned | {"key-id": "ops", "signature": base64.b64encode(bytes(64)).decode()}
    raw = encode_document(document)
    with Device(state, trust=TrustStore.load(keys)) as device:
        ack = device.apply_document(raw).ack
    assert ack.error is not None, ack
    return f"{ack.error}: {ack.reason}\n"


OVERSIZE = b"\0asm" + b"\0" * DEFAULT_MAX_MODULE_BYTES


@pytest.mark.parametrize(
    ("wasm", "options"),
    [
        pytest.param(wasm_bytes("v4"), {}, id="float export (v4)"),
        pytest.param(wasm_bytes("v1"), {}, id="launch module for current firmware"),
        pytest.param(minimal(wasm_bytes("v3")), {}, id="a JSON file as the module"),
        pytest.param(hostile("env_import"), {}, id="an import"),
        pytest.param(hostile("missing_export"), {}, id="no price_func"),
        pytest.param(wasm_bytes("v3"), {"expires": "2020-01-01T00:00:00Z"}, id="expired"),
        pytest.param(wasm_bytes("v3"), {"expires": "2099-01-01X00:00:00Z"}, id="odd separator"),
        pytest.param(wasm_bytes("v3"), {"release_counter": str(2**53)}, id="counter 2^53"),
        pytest.param(wasm_bytes("v3"), {"tax": "1.5"}, id="tax over 100 %"),
    ],
)
def test_sign_refuses_what_a_device_refuses_with_the_devices_message(
    tmp_path: Path,
    keys: Path,
    capsys: pytest.CaptureFixture[str],
    wasm: bytes,
    options: dict[str, str],
) -> None:
    module = tmp_path / "candidate.wasm"
    module.write_bytes(wasm)
    out = tmp_path / "doc.json"
    with freeze_time("2026-01-01 13:00"):
        code, err = sign_cli(capsys, keys, out, "--module", str(module), **options)
        as_fields: dict[str, Any] = {k.replace("_", "-"): v for k, v in options.items()}
        if "release-counter" in as_fields:
            as_fields["release-counter"] = int(as_fields["release-counter"])
        if "tax" in as_fields:
            as_fields["tax"] = float(as_fields["tax"])
        expected = device_refusal(keys, tmp_path / "state", wasm, as_fields)
    assert (code, err) == (1, expected)
    assert not out.exists()


def test_sign_refuses_a_module_file_over_the_cap_before_reading_past_it(
    tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused as the file it is (a device would refuse the document carrying it as too
    large too), with nothing read past the cap and nothing written."""
    module = tmp_path / "candidate.wasm"
    module.write_bytes(OVERSIZE)
    out = tmp_path / "doc.json"
    code, err = sign_cli(capsys, keys, out, "--module", str(module))
    assert (code, err) == (
        1,
        f"ModuleTooLarge: {module}: expected a module file of at most "
        f"{DEFAULT_MAX_MODULE_BYTES} bytes, found {len(OVERSIZE)}\n",
    )
    assert not out.exists()


def test_sign_for_launch_firmware_compiles_against_the_launch_abi(
    tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "v1.json"
    assert sign_cli(capsys, keys, doc, "--version", "v1", abi="launch") == (0, "")
    code, out, _ = run(
        capsys, cli_module.main, "verify", str(doc), "--trust", str(keys), "--abi", "launch"
    )
    assert (code, json.loads(out)["verified"]) == (0, True)


def verify(capsys: pytest.CaptureFixture[str], doc: Path, keys: Path) -> tuple[int, Any, str]:
    code, out, err = run(capsys, cli_module.main, "verify", str(doc), "--trust", str(keys))
    return code, json.loads(out), err


def test_verify_reports_every_stage_of_a_good_document(
    tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "v3.json"
    assert sign_cli(capsys, keys, doc, "--version", "v3")[0] == 0
    code, report, err = verify(capsys, doc, keys)
    assert (code, err) == (0, "")
    assert report == {
        "verified": True,
        "key-id": "ops",
        "version": 1,
        "sha256": manifest("v3").sha256,
        "stages": [
            {"stage": "document", "outcome": "passed"},
            {"stage": "signature", "outcome": "passed"},
            {
                "stage": "policy",
                "outcome": "passed",
                "note": "version, rollback and fast-forward rules need the device's floors",
            },
            {"stage": "module", "outcome": "passed"},
        ],
    }


def test_verify_runs_every_stage_and_reports_each_refusal(
    tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A careless document: unknown key, expired and a float export, all three named."""
    rogue = generate_keypair(tmp_path / "rogue", "rogue")
    fields = module_fields(
        wasm_bytes("v4"), version=1, release_counter=1, expires="2020-01-01T00:00:00Z"
    )
    doc = tmp_path / "doc.json"
    doc.write_bytes(
        encode_document(sign_fields(fields, load_private_key(rogue.private_path), "rogue"))
    )
    with freeze_time("2026-01-01 13:00"):
        code, report, err = verify(capsys, doc, keys)
    assert code == 1
    assert report["verified"] is False
    outcomes = [(s["stage"], s["outcome"], s.get("error")) for s in report["stages"]]
    assert outcomes == [
        ("document", "passed", None),
        ("signature", "failed", "UnknownKey"),
        ("policy", "failed", "DocumentExpired"),
        ("module", "failed", "IncompatibleExportType"),
    ]
    assert report["stages"][3]["reason"] == (
        "Incompatible Export Type: price_func expected (i32, i32, i32) -> i32, "
        "found (i32, i32, i32) -> f32"
    )
    assert err == f"UnknownKey: {report['stages'][1]['reason']}\n"


def test_verify_of_an_unparsable_document_runs_nothing_else(
    tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "doc.json"
    doc.write_bytes(b'{"expires": "2027-01-01\\ud80000:00:00Z"}')
    code, report, err = verify(capsys, doc, keys)
    assert code == 1
    assert [(s["stage"], s["outcome"]) for s in report["stages"]] == [
        ("document", "failed"),
        ("signature", "not-run"),
        ("policy", "not-run"),
        ("module", "not-run"),
    ]
    assert err.startswith("InvalidField: field ")


def cloud_document(tmp_path: Path, wasm: bytes, **settings: Any) -> Path:
    path = tmp_path / "cloud.json"
    fields = {
        "status": settings.get("status", "disabled"),
        "language": settings.get("language", "FR"),
        "tax": settings.get("tax", 0.2),
        "price-func": base64.b64encode(wasm).decode(),
    }
    path.write_text(json.dumps(fields))
    return path


def test_sign_from_document_keeps_the_clouds_status_language_tax_and_module(
    tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cloud = cloud_document(tmp_path, wasm_path("v2").read_bytes())
    doc = tmp_path / "doc.json"
    assert sign_cli(capsys, keys, doc, "--from-document", str(cloud)) == (0, "")
    signed = json.loads(doc.read_text())
    original = json.loads(cloud.read_text())
    assert {k: signed[k] for k in original} == original
    assert (signed["sha256"], signed["key-id"]) == (manifest("v2").sha256, "ops")
    assert verify(capsys, doc, keys)[0] == 0
    with freeze_time("2026-01-01 13:00"), Device(tmp_path / "s", trust=TrustStore.load(keys)) as d:
        report = d.apply_document_file(doc)
    assert report.accepted
    assert (report.config.status, report.config.language, report.config.tax) == (
        "disabled",
        "FR",
        0.2,
    )


@pytest.mark.parametrize(
    ("extra", "wasm", "code", "message"),
    [
        (("--tax", "0.1"), "v3", 3, "UsageProblem: --from-document keeps the document's "),
        ((), "v4", 1, "IncompatibleExportType: Incompatible Export Type: "),
    ],
)
def test_sign_from_document_refuses_overrides_and_what_a_device_refuses(
    tmp_path: Path,
    keys: Path,
    capsys: pytest.CaptureFixture[str],
    extra: tuple[str, ...],
    wasm: str,
    code: int,
    message: str,
) -> None:
    cloud = cloud_document(tmp_path, wasm_bytes(wasm))
    doc = tmp_path / "doc.json"
    found, err = sign_cli(capsys, keys, doc, "--from-document", str(cloud), *extra)
    assert found == code
    assert err.startswith(message)
    assert not doc.exists()


def test_sign_from_document_refuses_a_document_already_signed(
    tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signed = tmp_path / "signed.json"
    assert sign_cli(capsys, keys, signed, "--version", "v3")[0] == 0
    code, err = sign_cli(capsys, keys, tmp_path / "again.json", "--from-document", str(signed))
    assert (code, err) == (
        3,
        f"UsageProblem: {signed}: expected the cloud's unsigned document (status, language, "
        "tax, price-func), found field 'abi'\n",
    )


@pytest.mark.parametrize(
    ("main", "argv"),
    [
        (cli_module.main, ("sign", "--key", "k.key")),
        (cli_firmware.main, ("apply", "doc.json", "--state-dir", "s", "--max-version-step", "0")),
        (cli_firmware.main, ("run", "--state-dir", "s", "--max-counter-step", "\u0663")),
    ],
)
def test_usage_errors_exit_3_as_in_the_projects_table(
    capsys: pytest.CaptureFixture[str], main: Any, argv: tuple[str, ...]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(list(argv))
    assert caught.value.code == 3
    assert "usage error" in capsys.readouterr().err
