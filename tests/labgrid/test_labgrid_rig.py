"""Rig files and options that name labgrid places: parsed strictly, and without the
`labgrid` extra a message that names it (labgrid's import blocked in a subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hil.rig import CAPABILITIES, BoardSpec, PlaceSpec, RigFileError
from hil.rig_select import options_rig, parse_place_option, select_rig

ROOT = Path(__file__).resolve().parents[2]
RIGS = ROOT / "hil" / "rigs"
DEADLINE_S = 60.0

TOML = """
name = "lab"
coordinator = "labgrid.lab:20408"

[[boards]]
name = "front"
place = "pos-epson-1"

[[boards]]
place = "pos-pole-2"
display_resource = "vfd"
control_resource = "ctl"
command_set = "cd5220"
role = "pole"

[[boards]]
name = "plain"
place = "pos-plain-3"
command_set = "epson"
display_only = true
"""
YAML = """
name: lab
coordinator: labgrid.lab:20408
boards:
  - {name: front, place: pos-epson-1}
  - {place: pos-pole-2, display_resource: vfd, control_resource: ctl, command_set: cd5220,
     role: pole}
  - {name: plain, place: pos-plain-3, command_set: epson, display_only: true}
"""
LAB = (
    BoardSpec("front", capabilities=CAPABILITIES, place=PlaceSpec("pos-epson-1")),
    BoardSpec(
        "pos-pole-2",
        command_set="cd5220",
        capabilities=CAPABILITIES,
        role="pole",
        place=PlaceSpec("pos-pole-2", "vfd", "ctl"),
    ),
    BoardSpec(
        "plain",
        command_set="epson",
        display_only=True,
        place=PlaceSpec("pos-plain-3", control=None),
    ),
)


@pytest.mark.parametrize(("suffix", "text"), [(".toml", TOML), (".yaml", YAML)])
def test_a_rig_file_names_labgrid_places_and_their_coordinator(
    tmp_path: Path, suffix: str, text: str
) -> None:
    path = tmp_path / f"lab{suffix}"
    path.write_text(text)
    rig, kind = select_rig(path, [])
    assert (rig.name, rig.coordinator, rig.boards, kind) == (
        "lab",
        "labgrid.lab:20408",
        LAB,
        "file",
    )
    assert [b.name for b in rig.places] == ["front", "pos-pole-2", "plain"]
    assert not rig.board("plain").sweepable


def test_the_labgrid_example_rig_file_is_valid() -> None:
    rig, _ = select_rig(RIGS / "labgrid.toml", [])
    assert rig.places == list(rig.boards) and rig.coordinator is not None


ENTRY = 'coordinator = "lab:1"\n[[boards]]\n'
PLACE_P = '\n[[boards]]\nname = "a"\nplace = "p"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ENTRY + 'place = "p"\nurl = "/dev/ttyUSB0"',
         "boards[0]: expected fields ['capabilities', "),
        (ENTRY + "place = 3", "boards[0]: field 'place' expected str, found int"),
        (ENTRY + 'place = "p"\ndisplay_resource = 1', "(p): field 'display_resource' expected str"),
        (ENTRY + 'place = "p"\ncontrol_resource = "c"\ndisplay_only = true',
         "(p): display_only expected no control resource, found control 'c'"),
        (ENTRY + 'place = "p"\ndisplay_only = true',
         "(p): expected command_set, or a control channel"),
        (ENTRY + 'place = "two words"', "boards[0]: expected a name of letters"),
        (ENTRY + 'place = "p"\nname = "a/b"', "boards[0]: expected a name of letters"),
        (ENTRY + 'place = "p"\ncapabilities = ["smell"]', "(p): capabilities expected a subset"),
        ('coordinator = "lab:99999"' + PLACE_P,
         "coordinator expected HOST[:PORT], found 'lab:99999'"),
        ('coordinator = "lab 1"' + PLACE_P, "coordinator expected HOST[:PORT], found 'lab 1'"),
        ('coordinator = ["lab"]' + PLACE_P, "field 'coordinator' expected str, found list"),
        (PLACE_P, "are labgrid places: expected a coordinator address (the rig file's "
         "coordinator, or --hil-coordinator), found none"),
        ('coordinator = "lab"' + PLACE_P + '[[boards]]\nname = "b"\nplace = "p"',
         "expected each place once, found ['p'] twice"),
    ],
)  # fmt: skip
def test_a_bad_labgrid_place_or_coordinator_names_the_file_and_the_board(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "lab.toml"
    path.write_text(text + "\n")
    with pytest.raises(RigFileError) as caught:
        select_rig(path, [])
    assert str(caught.value).startswith(str(path)) and message in str(caught.value)


def test_labgrid_places_on_the_command_line_with_the_coordinator_setting(tmp_path: Path) -> None:
    places = [
        "pos-epson-1,name=front",
        "pos-pole-2,display=vfd,control=ctl,cmdset=cd5220,role=pole",
    ]
    rig, kind = select_rig(None, [], places=places, coordinator="10.0.0.5")
    assert (rig.boards, rig.coordinator, kind) == (LAB[:2], "10.0.0.5:20408", "command-line")
    path = tmp_path / "lab.toml"
    path.write_text(TOML)
    rig, _ = select_rig(path, [], coordinator="[::1]:5555")  # the setting over the file's
    assert rig.coordinator == "[::1]:5555"
    with pytest.raises(RigFileError) as caught:
        select_rig(path, [], places=places)
    assert str(caught.value) == "rig: expected --hil-rig or --hil-place, found both"
    mixed = options_rig(["/dev/pts/7,cmdset=epson"], places=["pos-epson-1,name=front"])
    assert [(b.name, b.place) for b in mixed.boards] == [
        ("board0", None),
        ("front", PlaceSpec("pos-epson-1")),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("display=vfd", "expected the place first, found 'display=vfd'"),
        ("pos-1,url=/dev/ttyUSB0", "expected key=value with keys ['cmdset', 'control', "),
        ("pos-1,display_only", "expected command_set, or a control channel"),
    ],
)
def test_a_bad_labgrid_place_option_says_what_was_expected(text: str, message: str) -> None:
    with pytest.raises(RigFileError) as caught:
        parse_place_option(text)
    assert message in str(caught.value) and "--hil-place" in str(caught.value)


# Installs without the extra: labgrid's import fails as it does when it is not installed.
NO_LABGRID = """
import sys

class NoLabgrid:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "labgrid":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoLabgrid())
"""
EXTRA = "need the 'labgrid' extra, not installed (no module 'labgrid'): pip install "
EXTRA += "'pos-hil-rig[labgrid]'"


def _without_labgrid(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "no_labgrid.py").write_text(NO_LABGRID)
    return subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        check=False,
        cwd=tmp_path,
        env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"},
    )


def test_without_labgrid_the_rig_imports_and_a_place_names_the_extra_to_install(
    tmp_path: Path,
) -> None:
    (tmp_path / "lab.toml").write_text(TOML)
    script = (
        "import no_labgrid, sys\n"
        "import hil.plugin, hil.pool, hil.qualify.boards, hil.rig, hil.rig_select\n"
        "assert 'labgrid' not in sys.modules\n"
        "print(hil.rig_select.select_rig(None, ['/dev/pts/7,cmdset=epson'])[1])\n"
        "try:\n"
        "    hil.rig_select.select_rig('lab.toml', [])\n"
        "except hil.rig.RigFileError as exc:\n"
        "    print(exc)\n"
    )
    done = _without_labgrid(tmp_path, "-c", script)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "command-line"
    assert lines[1] == (
        "lab.toml: boards ['front', 'pos-pole-2', 'plain'] are labgrid places, which " + EXTRA
    )


def test_without_labgrid_the_hil_plugin_and_pos_qualify_stop_naming_the_extra(
    tmp_path: Path,
) -> None:
    (tmp_path / "lab.toml").write_text(TOML)
    hil = str(ROOT / "hil")
    suite = _without_labgrid(
        tmp_path, "-m", "pytest", "-p", "no_labgrid", hil, "--hil-rig", "lab.toml", "-q"
    )
    # Settings are read at collection: a collection error that names the extra, nothing run.
    assert suite.returncode == pytest.ExitCode.INTERRUPTED, suite.stdout + suite.stderr
    places = "lab.toml: boards ['front', 'pos-pole-2', 'plain'] are labgrid places, which "
    assert f"UsageError: hil: {places}{EXTRA}" in suite.stdout
    assert " passed" not in suite.stdout
    script = (
        "import no_labgrid, sys\nfrom hil.qualify.cli import main\nsys.exit(main(sys.argv[1:]))"
    )
    qualify = _without_labgrid(tmp_path, "-c", script, "v3", "--rig", "lab.toml", "--no-progress")
    assert qualify.returncode == 3, qualify.stdout + qualify.stderr
    assert EXTRA in qualify.stderr and "Traceback" not in qualify.stderr
