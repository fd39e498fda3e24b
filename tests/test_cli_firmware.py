"""`pos-module` and `pos-firmware`: the operator's path from key pair to a priced sale."""

from __future__ import annotations

import io
import json
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from firmware_host import cli_firmware
from firmware_host.device import Device
from firmware_host.signing import encode_document, load_private_key, module_fields, sign_fields
from firmware_host.trust import TrustStore
from price_modules import cli as cli_module
from price_modules import manifest, wasm_path
from tests.documents import minimal

ROOT = Path(__file__).resolve().parent.parent


def run(capsys: pytest.CaptureFixture[str], main: object, *argv: str) -> tuple[int, str, str]:
    assert callable(main)
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code, out, _ = run(
        capsys, cli_module.main, "keygen", "--out", str(tmp_path / "keys"), "--key-id", "ops"
    )
    assert code == 0
    assert json.loads(out)["key-id"] == "ops"
    return tmp_path / "keys"


def sign(capsys: pytest.CaptureFixture[str], keys: Path, out: Path, *extra: str) -> int:
    code, _, _ = run(
        capsys,
        cli_module.main,
        "sign",
        "--key",
        str(keys / "ops.key"),
        "--version-number",
        "1",
        "--release-counter",
        "3",
        "--expires",
        "2099-01-01T00:00:00Z",
        "--out",
        str(out),
        *extra,
    )
    return code


def apply(
    capsys: pytest.CaptureFixture[str], doc: Path, state: Path, keys: Path
) -> tuple[int, dict[str, Any]]:
    """`pos-firmware apply`, returning the exit code and the printed reported state."""
    argv = ("apply", str(doc), "--state-dir", str(state), "--trust", str(keys))
    code, out, _ = run(capsys, cli_firmware.main, *argv)
    report: dict[str, Any] = json.loads(out)
    return code, report


def test_keygen_writes_an_owner_only_private_key(keys: Path) -> None:
    assert stat.S_IMODE((keys / "ops.key").stat().st_mode) == 0o600
    assert (keys / "ops.pub").is_file()


def test_keygen_into_a_file_exits_2_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The machine could not do its part (exits.py's RIG), nothing was refused."""
    (tmp_path / "keys").write_text("not a folder")
    code, _, err = run(capsys, cli_module.main, "keygen", "--out", str(tmp_path / "keys"))
    assert (code, err) == (
        2,
        f"KeyFileError: {tmp_path / 'keys'}: expected a folder for key files, found a file\n",
    )


def test_sign_verify_apply_and_sell(
    tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "doc.json"
    assert sign(capsys, keys, doc, "--version", "v3", "--language", "DE", "--tax", "0.1") == 0
    code, out, _ = run(capsys, cli_module.main, "verify", str(doc), "--trust", str(keys))
    assert (code, json.loads(out)["key-id"]) == (0, "ops")
    state = tmp_path / "state"
    with freeze_time("2026-01-01 13:00"):
        code, report = apply(capsys, doc, state, keys)
        assert code == 0
        assert report["ack"]["code"] == 200
        assert report["running"]["sha256"] == manifest("v3").sha256
        assert (report["language"], report["tax"]) == ("DE", 0.1)
        out_lines = io.StringIO()
        with Device(state, trust=TrustStore.load(keys)) as device:
            cli_firmware.serve(device, io.StringIO("2 10\n11 10\nx\n"), out_lines)
    assert out_lines.getvalue().splitlines() == [
        "1 price 20",
        "2 refused InvalidPrice: Invalid price : 110",
        "error: expected 'count unit_price' (two integers), found 'x'",
    ]


@pytest.mark.parametrize("bad", ["--5", "²", "٣", "+5", "1_0", "9" * 5000])
def test_run_answers_a_line_int_cannot_read_with_an_error_and_goes_on(
    tmp_path: Path, bad: str
) -> None:
    """`isdigit` passed "--5" and "²" to `int`, whose ValueError ended the `run` loop."""
    with Device(tmp_path / "state", dev_mode=True) as device:
        assert device.load_module(wasm_path("v3").read_bytes(), label="v3").accepted
        out = io.StringIO()
        cli_firmware.serve(device, io.StringIO(f"{bad} 10\n0 50\n"), out)
    assert out.getvalue().splitlines() == [
        f"error: expected 'count unit_price' (two integers), found {bad + ' 10'!r}",
        "1 price 0",
    ]


def test_apply_of_a_refused_document_exits_1_with_the_reason(
    tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`pos-module sign` refuses v4 (tests/test_cli_module.py); a careless signer might not."""
    doc = tmp_path / "v4.json"
    fields = module_fields(
        wasm_path("v4").read_bytes(), version=1, release_counter=1, expires="2099-01-01T00:00:00Z"
    )
    doc.write_bytes(encode_document(sign_fields(fields, load_private_key(keys / "ops.key"), "ops")))
    code, report = apply(capsys, doc, tmp_path / "state", keys)
    assert code == 1
    assert report["ack"]["error"] == "IncompatibleExportType"
    assert report["ack"]["reason"].startswith("Incompatible Export Type: price_func expected")
    assert report["running"] is None


def test_apply_of_an_unreadable_document_exits_1_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "absent.json"
    code, out, _ = run(
        capsys, cli_firmware.main, "apply", str(missing), "--state-dir", str(tmp_path)
    )
    ack = json.loads(out)["ack"]
    assert (code, ack["error"]) == (1, "DocumentUnreadable")
    assert ack["reason"].startswith(f"{missing}: expected a readable document, found ")


def test_apply_reads_no_more_than_the_size_cap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file far over the cap (sparse: large on paper) is refused without being read;
    /dev/zero, which never ends, is no document at all (tests/test_hostile_inputs.py)."""
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    code, out, _ = run(
        capsys, cli_firmware.main, "apply", str(huge), "--state-dir", str(tmp_path / "state")
    )
    ack = json.loads(out)["ack"]
    assert (code, ack["error"]) == (1, "DocumentTooLarge")
    assert ack["reason"] == (
        f"{huge}: expected a document of at most 91480 bytes, found {50 * 1024 * 1024}"
    )


def test_verify_refuses_a_tampered_document(
    tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "doc.json"
    assert sign(capsys, keys, doc, "--version", "v3") == 0
    fields = json.loads(doc.read_text())
    fields["tax"] = 0.9
    doc.write_text(json.dumps(fields))
    code, _, err = run(capsys, cli_module.main, "verify", str(doc), "--trust", str(keys))
    assert code == 1
    assert err.startswith("BadSignature: signature: expected a valid Ed25519 signature by 'ops'")


def test_sign_refuses_an_unknown_language_before_writing(
    tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "doc.json"
    assert sign(capsys, keys, doc, "--version", "v3", "--language", "XX") == 1
    assert not doc.exists()


def test_missing_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, cli_module.main, "inspect", str(tmp_path / "absent.wasm"))
    assert code == 2
    assert err == (
        f"FileProblem: {tmp_path / 'absent.wasm'}: expected a readable module file, "
        "found No such file or directory\n"
    )


def test_inspect_lists_exports_imports_sha256_and_size(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, cli_module.main, "inspect", "--version", "v4")
    info = json.loads(out)
    assert code == 0
    assert (info["sha256"], info["size"], info["imports"]) == (
        manifest("v4").sha256,
        manifest("v4").size,
        [],
    )
    price_func = next(e for e in info["exports"] if e["name"] == "price_func")
    assert price_func["type"] == "func (i32, i32, i32) -> f32"


def test_headless_run_reads_sales_from_stdin(tmp_path: Path) -> None:
    """A real process: the development-mode catalogue module, hour-independent sales.

    A count past i64 made the journal raise OverflowError inside an open transaction,
    and bytes that are not UTF-8 ended the loop; both are answered and the next line sells.
    """
    state = tmp_path / "state"
    with Device(state, dev_mode=True) as device:
        assert device.load_module(wasm_path("v3").read_bytes(), label="v3").accepted
    done = subprocess.run(
        [
            *(sys.executable, "-m", "firmware_host.cli_firmware", "run"),
            *("--state-dir", str(state), "--dev"),
        ],
        input=b"0 50\n1000 1\n9223372036854775808 1\n\xff\xfe 1\n0 60\n",
        capture_output=True,
        cwd=ROOT,
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout.decode().splitlines() == [
        "1 price 0",
        "2 refused InvalidInput: count: expected 0..999, found 1000",
        "- refused InvalidInput: count: expected -2147483648..2147483647, "
        "found 9223372036854775808",
        "error: expected 'count unit_price' (two integers), found '\\\\xff\\\\xfe 1'",
        "3 price 0",
    ]


def test_development_mode_applies_the_cloud_example_and_report_shows_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "cloud.json"
    doc.write_bytes(minimal(wasm_path("v2").read_bytes(), **{"key-id": "unverified"}))
    state = tmp_path / "state"
    argv = ("--state-dir", str(state))
    code, out, _ = run(capsys, cli_firmware.main, "apply", str(doc), *argv)
    assert (code, json.loads(out)["ack"]["error"]) == (1, "InvalidField")
    code, out, _ = run(capsys, cli_firmware.main, "apply", str(doc), *argv, "--dev")
    assert code == 0
    code, out, _ = run(capsys, cli_firmware.main, "report", *argv, "--dev")
    report = json.loads(out)
    assert code == 0
    assert report["running"]["sha256"] == manifest("v2").sha256
    assert report["running"]["key-id"] is None  # an unsigned document proves no key
    assert (report["tax"], report["desired-version"], report["ack"]["status"]) == (
        0.1,
        None,
        "booted",
    )
    # Restarted in production mode, the unsigned module does not run, and says why.
    code, out, _ = run(capsys, cli_firmware.main, "report", *argv)
    report = json.loads(out)
    assert (code, report["running"], report["status"]) == (0, None, "enabled")
    assert report["closed-reason"] == (
        f"no stored module may run: UntrustedModule: module {manifest('v2').sha256}: "
        "expected a module installed from a signed document, found one installed unsigned "
        "in development mode"
    )


def test_ctrl_c_ends_a_run_with_exit_2_and_one_line_not_a_traceback(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with Device(state, dev_mode=True) as device:
        assert device.load_module(wasm_path("v3").read_bytes(), label="v3").accepted
    with subprocess.Popen(
        [
            *(sys.executable, "-m", "firmware_host.cli_firmware", "run"),
            *("--state-dir", str(state), "--dev"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        proc.stdin.write(b"0 50\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == b"1 price 0\n"  # in its loop, waiting for a line
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 2
        err = proc.stderr.read().decode()
    assert err == "pos-firmware: interrupted (Ctrl-C): stopped before it finished\n"
