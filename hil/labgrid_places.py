"""Boards held through labgrid: a place acquired on the coordinator, its serial ports
resolved to pyserial URLs, the place released on every exit path.

The only module of the rig that imports labgrid (the `labgrid` extra); hil/rig.py imports
it only for a rig that names places. A place's exporter publishes each serial port as a
`NetworkSerialPort` resource (host, port, speed) and starts ser2net for it once the place
is acquired, so the board's two ports become `rfc2217://host:port?ign_set_control` URLs:
ser2net runs the port with `local` (no modem lines), so pyserial must not wait for
DTR/RTS acknowledgements. A place someone else holds is a PlaceHeld naming the holder,
never taken over, and a release names its holder (`fromuser`), so it never frees a place
another run took meanwhile.

The session runs labgrid's own client (`ClientSession`, as `labgrid-client` does) on an
event loop in a thread of its own: every call has a deadline, a Ctrl-C in the test
process interrupts the wait and not the loop, and the release that follows still runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Coroutine
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import grpc
from labgrid.remote.client import ClientSession, ServerError
from labgrid.remote.generated import labgrid_coordinator_pb2 as pb
from labgrid.remote.generated import labgrid_coordinator_pb2_grpc as pb_grpc

from boardlink.errors import RigError
from hil.rig import BoardSpec, PlaceSpec

T = TypeVar("T")

ACQUIRE_TIMEOUT_S = 10.0  # connect, acquire, and the exporter starting ser2net per port
RELEASE_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 2.0
SERIAL_CLASS = "NetworkSerialPort"
URLS = {
    "rfc2217": "rfc2217://{host}:{port}?ign_set_control",
    "raw": "socket://{host}:{port}",
}
# labgrid's client keepalive (labgrid/remote/client.py, ClientSession.__attrs_post_init__),
# plus a subchannel pool of our own: the coordinator tells clients apart by their TCP
# peer (`assert peer not in self.clients` in ClientStream), and gRPC would otherwise share
# one connection among every channel to the same address in this process (another
# holder, labgrid's RemotePlaceManager), tripping that assertion.
CHANNEL_OPTIONS = [
    ("grpc.keepalive_time_ms", 7500),
    ("grpc.keepalive_timeout_ms", 10000),
    ("grpc.http2.ping_timeout_ms", 10000),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.use_local_subchannel_pool", 1),
]


class PlaceError(RigError):
    """A labgrid place could not be acquired, resolved or released: the rig's fault."""


class PlaceHeld(PlaceError):
    """The place is held by someone else; it is never taken over."""


@dataclass(frozen=True)
class HeldPlace:
    """A place this run holds, and the board it gives: its ports as pyserial URLs."""

    place: str
    coordinator: str
    holder: str  # this run's name on the coordinator: LG_HOSTNAME/LG_USERNAME, as labgrid's
    exporter: str  # the exporter(s) publishing its ports
    host: str  # where they publish them
    board: BoardSpec


class _Session(ClientSession):  # type: ignore[misc]
    """labgrid's client session on a connection of its own, waking waiters on each update."""

    channel: Any
    changed: asyncio.Event

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        self._unused = self.channel  # never connected: gRPC connects on the first call
        self.channel = grpc.aio.insecure_channel(self.address, options=CHANNEL_OPTIONS)
        self.stub = pb_grpc.CoordinatorStub(self.channel)
        self.changed = asyncio.Event()

    async def on_resource_changed(self, *args: Any) -> None:
        await super().on_resource_changed(*args)
        self.changed.set()

    async def on_place_changed(self, *args: Any) -> None:
        await super().on_place_changed(*args)
        self.changed.set()

    async def close(self) -> None:
        await self._unused.close()
        await super().close()


class _LoopThread:
    """An event loop running in a daemon thread; the caller waits with a deadline."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="labgrid", daemon=True)
        self.thread.start()

    def run(self, work: Coroutine[Any, Any, T], timeout: float) -> T:
        """`work`'s result; TimeoutError past `timeout`. An interrupt of the wait (Ctrl-C)
        cancels the work and propagates."""
        future = asyncio.run_coroutine_threadsafe(asyncio.wait_for(work, timeout), self.loop)
        try:
            return future.result(timeout + STOP_TIMEOUT_S)
        except BaseException:
            future.cancel()
            raise

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(STOP_TIMEOUT_S)
        if not self.thread.is_alive():
            self.loop.close()


async def _whole(request: Awaitable[T]) -> T:
    """A request that changes the coordinator's state, never cut off halfway: a cancelled
    AcquirePlace leaves the coordinator with an exporter's resource acquired for a place
    that is not (until its resynchronisation, every 15 s). Cancelling the wait (a deadline,
    Ctrl-C) lets the request finish; the coordinator orders a later release after it."""
    return await asyncio.shield(request)


def _named_resources(session: _Session, place: Any) -> dict[str, tuple[list[str], Any]]:
    """The place's acquired resources by the name the place gives them (a named match's
    rename, else the exporter's name), each with its path and its current entry."""
    named: dict[str, tuple[list[str], Any]] = {}
    for path in place.acquired_resources:  # exporter, group, class, name
        match = place.getmatch(path)
        name = match.rename if match is not None and match.rename else path[3]
        named[name] = (path, session.resources.get(path[0], {}).get(path[1], {}).get(path[3]))
    return named


def _port(
    place: Any, role: str, resource: str, named: dict[str, tuple[list[str], Any]]
) -> tuple[list[str], dict[str, Any]] | str:
    """The path and parameters of the resource carrying `role`'s port once its exporter
    has published it; else why not yet. What waiting cannot mend is a PlaceError."""
    where = f"place {place.name}: {role} port (resource {resource!r})"
    if resource not in named:
        found = sorted(named) or "none (is its exporter running?)"
        raise PlaceError(f"{where}: expected a resource of that name, found {found}")
    path, entry = named[resource]
    data = entry.data if entry is not None else {}
    if "cls" not in data:
        raise PlaceError(f"{where}: expected exporter {path[0]} to publish it, found it gone")
    if entry.cls != SERIAL_CLASS:
        raise PlaceError(f"{where}: expected a {SERIAL_CLASS}, found a {entry.cls}")
    if entry.extra.get("proxy_required"):
        raise PlaceError(
            f"{where}: expected a port reachable directly, found exporter {path[0]} isolated "
            "(it needs labgrid's SSH proxy, which the rig does not use)"
        )
    if not (entry.avail and entry.acquired == place.name and entry.args.get("port")):
        return f"{where}: exporter {path[0]} has not published its port yet"
    return path, entry.args


def _url(where: str, args: dict[str, Any]) -> str:
    protocol = args.get("protocol", "rfc2217")
    if protocol not in URLS:
        raise PlaceError(f"{where}: expected a protocol of {sorted(URLS)}, found {protocol!r}")
    host = str(args["host"])
    return URLS[protocol].format(host=f"[{host}]" if ":" in host else host, port=args["port"])


class PlaceHolder:
    """The places one run holds on one coordinator: each acquired when its board is first
    used, all released on close() (the pool's close, the end of a qualification)."""

    def __init__(self, coordinator: str, timeout: float = ACQUIRE_TIMEOUT_S) -> None:
        self.coordinator = coordinator
        self.timeout = timeout
        self.held: dict[str, HeldPlace] = {}
        self._asked: set[str] = set()  # acquisitions sent whose outcome was not seen
        self._thread: _LoopThread | None = None
        self._session: _Session | None = None
        _OPEN.add(self)

    def __enter__(self) -> PlaceHolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def holder(self) -> str:
        session = self._connect()
        return f"{session.gethostname()}/{session.getuser()}"

    def _run(self, work: Coroutine[Any, Any, T], timeout: float, what: str) -> T:
        assert self._thread is not None
        try:
            return self._thread.run(work, timeout)
        except TimeoutError:
            raise PlaceError(
                f"coordinator {self.coordinator}: expected {what} within {timeout:g} s, "
                "found no answer"
            ) from None
        except grpc.aio.AioRpcError as exc:
            raise PlaceError(
                f"coordinator {self.coordinator}: expected {what}, found {exc.details()}"
            ) from exc

    def _connect(self) -> _Session:
        if self._session is None:
            self._thread = _LoopThread()
            try:
                self._session = self._run(self._start(), self.timeout, "a session")
            except BaseException:
                self._thread.stop()
                self._thread = None
                raise
        return self._session

    async def _start(self) -> _Session:
        session = _Session(self.coordinator, asyncio.get_running_loop())
        try:
            await session.start()
        except ServerError:
            await session.close()
            raise PlaceError(
                f"coordinator {self.coordinator}: expected a labgrid coordinator, found none "
                "answering"
            ) from None
        return session

    def hold(self, board: BoardSpec) -> HeldPlace:
        """Acquire `board`'s place and wait until its exporter publishes its ports; a place
        acquired but unusable goes back at once."""
        assert board.place is not None, board
        session = self._connect()
        name = board.place.name
        try:
            held = self._run(
                self._acquire(session, board, board.place),
                self.timeout,
                f"place {name} acquired and its ports published",
            )
        except BaseException:
            if name in self._asked:  # acquired, perhaps: give it back now, or on close()
                with contextlib.suppress(PlaceError):
                    self._release(name)
            raise
        self.held[name] = held
        self._asked.discard(name)
        return held

    def _taken(self, place: Any) -> PlaceHeld:
        mine = place.acquired == self.holder
        hint = (
            " (this user on this host: another run, or one that ended without releasing "
            f"it; free it with `labgrid-client -p {place.name} release`)"
            if mine
            else ""
        )
        return PlaceHeld(
            f"place {place.name} on coordinator {self.coordinator}: expected it free, found "
            f"it held by {place.acquired}{hint}; not taken over"
        )

    async def _acquire(self, session: _Session, board: BoardSpec, spec: PlaceSpec) -> HeldPlace:
        if session.stopping.is_set():
            raise PlaceError(
                f"coordinator {self.coordinator}: expected it to stay connected, found it gone "
                f"before place {spec.name} was asked for"
            )
        await session.sync_with_coordinator()
        place = session.places.get(spec.name)
        if place is None:
            raise PlaceError(
                f"coordinator {self.coordinator}: expected a place named {spec.name}, found "
                f"{sorted(session.places) or 'none'}"
            )
        if place.acquired:
            raise self._taken(place)
        self._asked.add(spec.name)
        try:
            await _whole(session.stub.AcquirePlace(pb.AcquirePlaceRequest(placename=spec.name)))
        except grpc.aio.AioRpcError as exc:
            self._asked.discard(spec.name)
            await session.sync_with_coordinator()
            if place.acquired:  # someone was quicker
                raise self._taken(place) from exc
            raise PlaceError(
                f"place {spec.name} on coordinator {self.coordinator}: expected it acquired, "
                f"found {exc.details()}"
            ) from exc
        await session.sync_with_coordinator()
        ports = await self._published(session, place, spec)
        exporters = sorted({path[0] for path, _ in ports.values()})
        hosts = sorted({str(args["host"]) for _, args in ports.values()})
        where = f"place {spec.name}"
        concrete = replace(
            board,
            url=_url(where, ports["display"][1]),
            control=_url(where, ports["control"][1]) if "control" in ports else None,
            baudrate=int(ports["display"][1].get("speed") or board.baudrate),
        )
        return HeldPlace(
            spec.name, self.coordinator, self.holder, ", ".join(exporters), ", ".join(hosts),
            concrete,
        )  # fmt: skip

    async def _published(
        self, session: _Session, place: Any, spec: PlaceSpec
    ) -> dict[str, tuple[list[str], dict[str, Any]]]:
        """The display (and control) port's path and parameters, once published."""
        roles = {"display": spec.display, **({"control": spec.control} if spec.control else {})}
        while True:
            session.changed.clear()
            named = _named_resources(session, place)
            found = {role: _port(place, role, name, named) for role, name in roles.items()}
            waiting = [state for state in found.values() if isinstance(state, str)]
            if not waiting:
                return {role: state for role, state in found.items() if not isinstance(state, str)}
            if session.stopping.is_set():
                raise PlaceError(
                    f"coordinator {self.coordinator}: expected it to stay connected, found it "
                    f"gone; {waiting[0]}"
                )
            await session.changed.wait()

    def _release(self, name: str) -> None:
        """Give `name` back, if this run (by its name) still holds it."""
        session = self._connect()
        request = pb.ReleasePlaceRequest(placename=name, fromuser=self.holder)
        self._run(
            _whole(session.stub.ReleasePlace(request)), RELEASE_TIMEOUT_S, f"place {name} released"
        )
        self.held.pop(name, None)
        self._asked.discard(name)

    def close(self) -> None:
        """Release every place held or asked for, then disconnect; the places that could
        not be released are named in one PlaceError, after all the rest is done."""
        if self._session is None or self._thread is None:
            _OPEN.discard(self)
            return
        failures = []
        for name in sorted(set(self.held) | self._asked):
            try:
                self._release(name)
            except PlaceError as exc:
                failures.append(str(exc))
        session, self._session = self._session, None
        try:
            self._thread.run(self._disconnect(session), STOP_TIMEOUT_S)
        except (TimeoutError, grpc.aio.AioRpcError):
            pass  # the coordinator forgets a client whose connection closes
        finally:
            self._thread.stop()
            self._thread = None
        _OPEN.discard(self)
        if failures:
            raise PlaceError("; ".join(failures))

    @staticmethod
    async def _disconnect(session: _Session) -> None:
        await session.stop()
        await session.close()


_OPEN: set[PlaceHolder] = set()  # not closed yet: each may hold places, so each is kept


def close_all() -> list[str]:
    """Close every holder of this process still open (the HIL plugin's last word, should a
    pool not have closed); what could not be released, one message per holder."""
    failures = []
    for holder in list(_OPEN):
        try:
            holder.close()
        except PlaceError as exc:
            failures.append(str(exc))
    return failures
