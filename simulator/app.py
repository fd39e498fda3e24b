"""`pos-sim`: the point-of-sale terminal as an interactive Textual app.

The firmware does the work: a `Device` prices, guards, journals and hot-swaps; its
`TerminalLogic` turns key presses into display lines; a `LineDisplay` keeps the model of
what the glass shows. The app owns the simulated clock, forwards keys (buttons, keyboard,
a board's keypad: one handler) and renders firmware state. Serial and folder I/O run on
worker threads that post messages and are stopped, with a deadline, when the app exits.

What the first frame does not need is imported when first used: the help screen (its
Markdown widget pulls in markdown-it), the load screen, the board mirror (pyserial and
the control client), the virtual board and the folder watch. A start pays only for the
terminal screen and the firmware it shows (bench/sim_startup.py).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from firmware_host.abi import FirmwareAbi
from firmware_host.clock import AdjustableClock
from firmware_host.device import Device, DeviceEvent
from firmware_host.display import LineDisplay
from firmware_host.errors import FirmwareError
from firmware_host.keys import Key
from firmware_host.trust import TrustStore
from price_modules import CatalogueError, manifest, versions, wasm_bytes
from simulator.options import SimOptions
from simulator.ui.clock import ClockPanel, SetHourScreen
from simulator.ui.display import CustomerDisplay
from simulator.ui.event_log import EventLog
from simulator.ui.messages import (
    DeviceEventPosted,
    DocumentApplied,
    KeypadPressed,
    TerminalReady,
    WorkerStatus,
)
from simulator.ui.module_panel import ModulePanel, module_name
from simulator.ui.sales import RECENT_SALES, SalesTable
from simulator.ui.terminal_screen import TerminalScreen
from simulator.worker import ServiceThread

if TYPE_CHECKING:
    from simulator.board import VirtualBoard
    from simulator.mirror import DisplayMirror
    from simulator.ui.load import LoadRequest

# The module a fresh demo runs, per firmware generation: the newest it can load.
DEFAULT_MODULE = {FirmwareAbi.CURRENT: "v3", FirmwareAbi.LAUNCH: "v1"}
ROWS, COLS = 2, 20


class DiscardSink:
    """The embedded display's port: the driver's model is what the UI draws, the bytes
    go nowhere (a mirrored board gets its own LineDisplay)."""

    def write(self, data: bytes) -> None:
        pass


class PosSimApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "POS terminal simulator"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "load", "load module"),
        Binding("t", "set_hour", "set hour"),
        Binding("left_square_bracket", "step_hours(-1)", "-1 h", key_display="["),
        Binding("right_square_bracket", "step_hours(1)", "+1 h", key_display="]"),
        Binding("n", "follow_clock", "system clock", show=False),
        Binding("question_mark,f1", "help", "help", key_display="?"),
        Binding("q,ctrl+q", "quit", "quit", key_display="q"),
    ]

    def __init__(self, options: SimOptions | None = None) -> None:
        super().__init__()
        self.options = options = options or SimOptions()
        self.clock = AdjustableClock(options.clock)
        if options.hour is not None:
            self.clock.set_hour(options.hour)
        trust = TrustStore.load(options.trust_dir) if options.trust_dir else None
        self._temp_dir: Path | None = None
        if options.state_dir is None:
            self._temp_dir = self.state_dir = Path(tempfile.mkdtemp(prefix="pos-sim-"))
        else:
            self.state_dir = options.state_dir
        try:
            self.device = Device(
                self.state_dir,
                abi=options.abi,
                trust=trust,
                dev_mode=options.dev_mode,
                clock=self.clock,
            )
        except BaseException:
            self._remove_temp_dir()
            raise
        self.line_display = LineDisplay(DiscardSink(), options.cmdset, rows=ROWS, columns=COLS)
        self.board: VirtualBoard | None = None
        self.mirror: DisplayMirror | None = None
        self.workers_: list[ServiceThread] = []
        self.shutdown_errors: list[str] = []
        self.ready = False  # set once the demo module is loaded and the workers run
        self.sub_title = f"{options.abi.value} firmware {options.abi.signature}"
        self.terminal = TerminalScreen(self.clock, ROWS, COLS)

    def get_default_screen(self) -> Screen[None]:
        return self.terminal

    # --- widgets -------------------------------------------------------------------

    @property
    def customer_display(self) -> CustomerDisplay:
        return self.terminal.query_one("#display", CustomerDisplay)

    @property
    def event_log(self) -> EventLog:
        return self.terminal.query_one("#events", EventLog)

    @property
    def module_panel(self) -> ModulePanel:
        return self.terminal.query_one("#module", ModulePanel)

    # --- lifetime ------------------------------------------------------------------

    def on_terminal_ready(self, message: TerminalReady) -> None:
        """Start once the widgets exist: replay the boot, load the demo module, start workers."""
        if self._temp_dir is not None:
            self.log_event("boot", "fresh temporary state folder, removed on exit")
        else:
            for event in list(self.device.events):  # what happened at boot, before the UI
                self.log_event(event.kind.value, event.message)
        self.device.subscribe(self._device_event)
        if self.options.dev_mode:
            self.load_version(self.options.module or DEFAULT_MODULE[self.options.abi])
        self._start_workers()
        self.show_state()
        self.ready = True

    def _start_workers(self) -> None:
        target = self.options.mirror
        if self.options.virtual_board:
            from simulator.board import VirtualBoard
            from simulator.mirror import MirrorTarget

            self.board = VirtualBoard(self.options.cmdset).start()
            target = MirrorTarget(
                self.board.display_path, self.options.cmdset, self.board.control_path
            )
            self.log_event("board", f"virtual board on {self.board.display_path}")
        if target is not None:
            from simulator.mirror import DisplayMirror

            self.mirror = DisplayMirror(
                target,
                on_keys=self._board_keys,
                on_status=partial(self._worker_status, "board"),
            )
            self.mirror.show(self.device.screen.lines)
            self.workers_.append(self.mirror)
        if self.options.watch is not None:
            from simulator.watch import FolderWatch

            self.options.watch.mkdir(parents=True, exist_ok=True)
            self.workers_.append(
                FolderWatch(
                    self.options.watch,
                    on_document=self._document_dropped,
                    on_status=partial(self._worker_status, "watch"),
                )
            )
        for worker in self.workers_:
            worker.start()

    def on_unmount(self) -> None:
        """Stop every thread within its deadline, then release the device and ports."""
        for worker in self.workers_:
            try:
                worker.stop()
            except FirmwareError as exc:
                self.shutdown_errors.append(str(exc))
        if self.board is not None:
            try:
                self.board.stop()
            except FirmwareError as exc:
                self.shutdown_errors.append(str(exc))
        self.device.close()
        self._remove_temp_dir()

    def _remove_temp_dir(self) -> None:
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)

    # --- worker callbacks (worker threads: post only) ------------------------------------

    def _device_event(self, event: DeviceEvent) -> None:
        self.post_message(DeviceEventPosted(event))

    def _worker_status(self, source: str, text: str) -> None:
        self.post_message(WorkerStatus(source, text))

    def _board_keys(self, keys: list[Key]) -> None:
        for key in keys:
            self.post_message(KeypadPressed(key))

    def _document_dropped(self, path: Path) -> None:
        report = self.device.apply_document_file(path)
        self.post_message(DocumentApplied(path, report.accepted, report.ack.reason))

    # --- input ---------------------------------------------------------------------

    def on_keypad_pressed(self, message: KeypadPressed) -> None:
        self.press_key(message.key)

    def press_key(self, key: Key) -> None:
        """Every key, from any source, reaches the terminal here."""
        try:
            self.device.press(key)
        except FirmwareError as exc:
            self.log_event("error", f"{type(exc).__name__}: {exc}")
        self.show_screen()
        if key is Key.ENTER:
            self.show_sales()

    def load_version(self, version: str) -> None:
        try:
            wasm = wasm_bytes(version)
        except (CatalogueError, OSError) as exc:
            self.log_event("error", f"catalogue: {exc}")
            return
        self.device.load_module(wasm, label=version)

    def apply_document(self, path: Path) -> None:
        self.device.apply_document_file(path)

    def set_hour(self, hour: int | None) -> None:
        if hour is None:
            return
        try:
            self.clock.set_hour(hour)
        except FirmwareError as exc:
            self.log_event("error", f"clock: {exc}")
            return
        self._clock_changed()

    def _clock_changed(self) -> None:
        self.log_event("clock", f"terminal time {self.clock():%H:%M}")
        self.terminal.query_one("#clock", ClockPanel).show_time()

    # --- actions -------------------------------------------------------------------

    def action_load(self) -> None:
        from simulator.ui.load import LoadScreen

        self.push_screen(LoadScreen(), self._load_request)

    def _load_request(self, request: LoadRequest | None) -> None:
        if request is not None and request.version is not None:
            self.load_version(request.version)
        elif request is not None and request.document is not None:
            self.apply_document(request.document)

    def action_set_hour(self) -> None:
        self.push_screen(SetHourScreen(), self.set_hour)

    def action_step_hours(self, hours: int) -> None:
        self.clock.step(hours)
        self._clock_changed()

    def action_follow_clock(self) -> None:
        self.clock.follow_base()
        self._clock_changed()

    def action_help(self) -> None:
        from simulator.ui.help import HelpScreen

        self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for version in versions():
            info = manifest(version)
            yield SystemCommand(
                f"Load module {version}",
                f"{info.description} {info.signature}",
                partial(self.load_version, version),
            )
        yield SystemCommand("Apply a document", "Load a desired-state JSON file", self.action_load)
        yield SystemCommand("Set hour", "Set the terminal's local hour", self.action_set_hour)
        for hour in range(24):
            set_it = partial(self.set_hour, hour)
            yield SystemCommand(f"Set hour {hour:02d}", "Terminal time", set_it, discover=False)
        yield SystemCommand("Hour forward", "One hour later", partial(self.action_step_hours, 1))
        yield SystemCommand("Hour back", "One hour earlier", partial(self.action_step_hours, -1))
        yield SystemCommand("System clock", "Follow the system clock", self.action_follow_clock)
        yield SystemCommand("Help", "Keys and panels", self.action_help)

    # --- messages from the firmware and the workers ------------------------------------

    def on_device_event_posted(self, message: DeviceEventPosted) -> None:
        event = message.event
        text = event.message
        if event.sha256 is not None:  # name the module instead of a 64-digit hash
            text = text.replace(event.sha256, f"{module_name(event.sha256)} {event.sha256[:12]}")
        self.log_event(event.kind.value, text)
        self.show_state()

    def on_worker_status(self, message: WorkerStatus) -> None:
        self.log_event(message.source, message.text)

    def on_document_applied(self, message: DocumentApplied) -> None:
        verdict = "applied" if message.accepted else f"refused: {message.reason}"
        self.log_event("watch", f"{message.path.name} {verdict}")
        self.show_state()

    # --- rendering -----------------------------------------------------------------

    def log_event(self, kind: str, message: str) -> None:
        self.event_log.add(self.clock(), kind, message)

    def show_state(self) -> None:
        self.module_panel.show(self.device.reported(), self.options.abi)
        self.show_screen()
        self.show_sales()

    def show_screen(self) -> None:
        """The terminal's lines through the driver's model to the panel and the board."""
        lines = self.device.screen.lines
        try:
            self.line_display.show(lines)
        except FirmwareError as exc:
            self.log_event("error", f"display: {exc}")
        self.customer_display.show(self.line_display.shown())
        if self.mirror is not None:
            self.mirror.show(lines)

    def show_sales(self) -> None:
        self.terminal.query_one("#sales", SalesTable).show(self.device.journal.recent(RECENT_SALES))
