"""Running graphviz `dot` (and librsvg's worker, `rsvg.py`) under limits, reusing warm processes.

Half the cost of a small render is `dot` starting up (libraries, fontconfig). `dot` reads any
number of graphs from stdin and writes one picture per graph, so PNG and SVG go through long-lived
`dot` processes; each output is cut off the stream by its format's own end marker. PDF and other
formats use a process per render.

Every process runs in its own session with an address-space limit and a CPU-time limit that is
re-armed before each request; a render that overruns its wall-clock timeout has its process
killed, so the worker is free again at once. Processes are recycled after MAX_USES requests.
"""

from __future__ import annotations

import collections
import contextlib
import os
import resource
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

MAX_USES = 200
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_END = b"</svg>\n"


class DotTimeout(Exception):
    pass


class DotFailed(Exception):
    """dot exited or reported an error; `crashed` when it died (limits hit, out of memory)."""

    def __init__(self, message: str, *, crashed: bool, returncode: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.crashed = crashed
        self.returncode = returncode


def _svg_end(buffer: bytearray) -> int | None:
    # Text in dot's SVG is XML-escaped, so "</svg>" appears only where the document ends.
    index = buffer.find(SVG_END)
    return None if index < 0 else index + len(SVG_END)


def _png_end(buffer: bytearray) -> int | None:
    if len(buffer) < 8:
        return None
    if buffer[:8] != PNG_SIGNATURE:
        raise DotFailed("dot wrote something that is not a PNG", crashed=False)
    pos = 8
    while pos + 8 <= len(buffer):
        length = int.from_bytes(buffer[pos : pos + 4], "big")
        kind = bytes(buffer[pos + 4 : pos + 8])
        pos += 12 + length
        if kind == b"IEND":
            return pos if pos <= len(buffer) else None
    return None


Framer = Callable[[bytearray], int | None]
FRAMERS: dict[str, Framer] = {"svg": _svg_end, "png": _png_end}


class WarmProcess:
    """One long-lived process answering requests on stdin; `framer` finds where an answer ends
    (None: one request, the answer is all it writes before it exits)."""

    def __init__(
        self,
        argv: list[str],
        *,
        name: str,
        key: str,
        framer: Framer | None,
        cwd: Path | None,
        memory: int,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name  # in messages
        self.key = key
        self.framer = framer
        self.uses = 0
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8", **(env or {})},
            start_new_session=True,
            bufsize=0,
        )
        # The limits are in force before the process reads its first request: it blocks on stdin
        # until one is written (prlimit instead of preexec_fn keeps the fast vfork spawn).
        try:
            resource.prlimit(self.proc.pid, resource.RLIMIT_AS, (memory, memory))
            resource.prlimit(self.proc.pid, resource.RLIMIT_CORE, (0, 0))
        except OSError:
            self.kill()
            raise
        self.errors: collections.deque[bytes] = collections.deque(maxlen=40)
        assert self.proc.stdin and self.proc.stdout and self.proc.stderr
        os.set_blocking(self.proc.stdin.fileno(), False)
        self._stderr_reader = threading.Thread(target=self._drain_stderr, daemon=True, name=f"{self.name}-stderr")
        self._stderr_reader.start()

    def _drain_stderr(self) -> None:
        assert self.proc.stderr
        for line in self.proc.stderr:
            if not line.startswith(b"Warning:"):
                self.errors.append(line)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    def render(self, source: bytes, *, timeout: float) -> bytes:
        """Send one request, return its answer; raises DotTimeout or DotFailed (process then dead)."""
        framer = self.framer
        one_shot = framer is None
        soft = int(self._cpu_seconds() + timeout) + 2
        _, hard = resource.prlimit(self.proc.pid, resource.RLIMIT_CPU)
        resource.prlimit(self.proc.pid, resource.RLIMIT_CPU, (soft, hard))
        self.errors.clear()
        assert self.proc.stdin and self.proc.stdout
        stdin, stdout = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        pending = memoryview(source)
        out = bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            selector.register(stdin, selectors.EVENT_WRITE)
            writing = True
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.kill()
                    raise DotTimeout()
                for key, _ in selector.select(remaining):
                    if key.fd == stdin:
                        try:
                            pending = pending[os.write(stdin, pending) :]
                        except BrokenPipeError:
                            pending = pending[:0]
                        if not pending:
                            selector.unregister(stdin)
                            writing = False
                            if one_shot:
                                self.proc.stdin.close()
                        continue
                    chunk = os.read(stdout, 1 << 16)
                    if not chunk:
                        return self._finish_eof(out, one_shot)
                    out += chunk
                    end = framer(out) if framer else None
                    if end is not None:
                        if end != len(out) or writing:
                            self.kill()
                            raise DotFailed(f"{self.name} wrote more than one answer for one request", crashed=False)
                        self.uses += 1
                        return bytes(out)

    def _finish_eof(self, out: bytearray, one_shot: bool) -> bytes:
        code = self.proc.wait()
        self._stderr_reader.join(timeout=1)
        message = b"".join(self.errors).decode(errors="replace").strip()
        if one_shot and code == 0:
            return bytes(out)
        raise DotFailed(message or f"{self.name} exited with status {code}", crashed=code < 0, returncode=code)

    def kill(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None and not stream.closed:
                stream.close()

    def close(self) -> None:
        self.kill()


class WarmPool:
    """Idle warm processes per key, made by `spawn`; concurrency is bounded by the caller's slots."""

    def __init__(self, spawn: Callable[[str], WarmProcess]) -> None:
        self._spawn = spawn
        self._idle: dict[str, list[WarmProcess]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def run(
        self, data: bytes, *, key: str, timeout: float, keep: Callable[[bytes], bool] | None = None, fresh: bool = False
    ) -> bytes:
        """`data` through a warm process of `key` (a new one if `fresh`); the process serves again
        unless `keep(answer)` says its answer has left it unfit to."""
        proc = self._spawn(key) if fresh else self._take(key)
        if proc.framer is None:
            try:
                return proc.render(data, timeout=timeout)
            finally:
                proc.close()
        try:
            result = proc.render(data, timeout=timeout)
        except BaseException:
            proc.kill()
            raise
        if keep is None or keep(result):
            self._give_back(proc)
        else:
            proc.close()
        return result

    def _take(self, key: str) -> WarmProcess:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            while idle:
                proc = idle.pop()
                if proc.alive():
                    return proc
                proc.kill()
        return self._spawn(key)

    def _give_back(self, proc: WarmProcess) -> None:
        with self._lock:
            if not self._closed and proc.uses < MAX_USES and proc.alive():
                self._idle.setdefault(proc.key, []).append(proc)
                return
        proc.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            procs = [p for idle in self._idle.values() for p in idle]
            self._idle.clear()
        for proc in procs:
            proc.close()


class DotPool(WarmPool):
    """`dot -T<fmt>`: warm for the formats with a framer, one process per render for the rest."""

    def __init__(self, *, dot: str, memory: int, cwd: Callable[[], Path]) -> None:
        super().__init__(
            lambda fmt: WarmProcess(
                [dot, f"-T{fmt}"], name="dot", key=fmt, framer=FRAMERS.get(fmt), cwd=cwd(), memory=memory
            )
        )

    def render_graph(self, source: str, *, fmt: str, timeout: float) -> bytes:
        return self.run(source.encode(), key=fmt, timeout=timeout)
