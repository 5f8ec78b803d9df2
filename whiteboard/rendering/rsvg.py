"""PNG and PDF from the drawn SVG, by librsvg's `rsvg-convert`, under the same limits as `dot`.

librsvg draws text through Pango, so right-to-left scripts and emoji come out as the browser
shows them, and it is a few times faster than the alternatives measured (README, "The picture").
One process per picture: its start-up costs a few milliseconds, and a picture that overruns the
time limit only takes its own process down. The SVG comes from `drawn.draw_board` and refers to
nothing outside itself (icons are `data:` URIs), so librsvg reads no file.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess

from whiteboard.rendering.dot import DotFailed, DotTimeout

RSVG = "rsvg-convert"


def convert_svg(svg: bytes, *, fmt: str, zoom: float, timeout: float, memory: int) -> bytes:
    """`svg` as PNG (`zoom` times its size) or PDF; DotTimeout past `timeout` s, DotFailed else."""
    proc = subprocess.Popen(
        [RSVG, "--format", fmt, "--zoom", f"{zoom:g}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"},
        start_new_session=True,
    )
    try:
        # rsvg-convert reads all of stdin before it draws, so the limits are set in time.
        cpu = int(timeout) + 2
        resource.prlimit(proc.pid, resource.RLIMIT_AS, (memory, memory))
        resource.prlimit(proc.pid, resource.RLIMIT_CPU, (cpu, cpu))
        resource.prlimit(proc.pid, resource.RLIMIT_CORE, (0, 0))
    except (OSError, ProcessLookupError):
        pass  # it already ended: its exit status says how
    try:
        out, err = proc.communicate(svg, timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise DotTimeout() from None
    if proc.returncode != 0 or not out:
        message = err.decode(errors="replace").strip() or f"rsvg-convert exited with status {proc.returncode}"
        crashed = proc.returncode < 0 or "memory" in message.lower()
        raise DotFailed(message, crashed=crashed, returncode=proc.returncode)
    return out
