"""PNG and PDF from the drawn SVG by librsvg, in warm worker processes under the same limits as `dot`.

librsvg draws text through Pango, so right-to-left scripts and emoji come out as the browser
shows them, and it is a few times faster than the alternatives measured (README, "The picture").
The worker (`rsvg_worker.py`) draws many pictures per process, so the ~35 ms of starting librsvg
and fontconfig is paid once, and a picture that overruns the time or memory limit only takes its
own process down (the pool starts another). The SVG comes from `drawn.draw_board` and refers to
nothing outside itself (icons are `data:` URIs), so librsvg reads no file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from whiteboard.rendering.dot import DotFailed, WarmPool, WarmProcess

WORKER = Path(__file__).with_name("rsvg_worker.py")
KEY = "rsvg"
# Threads take their stack size from RLIMIT_STACK as the process starts (glibc): Pango starts a
# few, and at the default 8 MiB each they took enough of the address-space limit that a worker
# under 256 MiB failed one start in ten ("creating thread ... Resource temporarily unavailable").
# 2 MiB is also the main thread's limit: far more than the worker's shallow calls need.
THREAD_STACK = 2 << 20


def _answer_end(buffer: bytearray) -> int | None:
    """Where the worker's answer (`OK|ER <length>` newline, then the bytes) ends in `buffer`."""
    newline = buffer.find(b"\n", 0, 40)
    if newline < 0:
        if len(buffer) >= 40:
            raise DotFailed("the librsvg worker wrote something that is not an answer", crashed=False)
        return None
    status, _, length = bytes(buffer[:newline]).partition(b" ")
    if status not in (b"OK", b"ER", b"EX") or not length.isdigit():
        raise DotFailed("the librsvg worker wrote something that is not an answer", crashed=False)
    end = newline + 1 + int(length)
    return end if len(buffer) >= end else None


class RsvgPool(WarmPool):
    def __init__(self, *, memory: int) -> None:
        # -I: the worker sees neither the environment's PYTHON* variables nor the project's path.
        super().__init__(
            lambda key: WarmProcess(
                ["prlimit", f"--stack={THREAD_STACK}", sys.executable, "-I", str(WORKER)],
                name="librsvg",
                key=key,
                framer=_answer_end,
                cwd=None,
                memory=memory,
            )
        )

    def convert(self, svg: bytes, *, fmt: str, zoom: float, timeout: float) -> bytes:
        """`svg` as PNG (`zoom` times its size) or PDF; DotTimeout past `timeout` s, DotFailed else."""
        request = b"%s %r %d\n" % (fmt.encode(), zoom, len(svg)) + svg
        answer = self.run(request, key=KEY, timeout=timeout, keep=_still_fit)
        if answer.startswith(b"EX ") and b"memory" not in answer:
            # The worker failed while drawing and quit (`rsvg_worker.Refused`). A picture before
            # this one may have left it broken, so a new worker draws it once more: one person's
            # picture never fails for another's. Failing there too, the failure is this picture's.
            answer = self.run(request, key=KEY, timeout=timeout, keep=_still_fit, fresh=True)
        head, _, body = answer.partition(b"\n")
        if not head.startswith(b"OK "):
            message = body.decode(errors="replace")
            raise DotFailed(message, crashed="memory" in message.lower())
        return body


def _still_fit(answer: bytes) -> bool:
    return not answer.startswith(b"EX ")
