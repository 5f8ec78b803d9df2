"""Run every benchmark in bench/ (each prints its table and writes bench/results/<name>.json).

`make bench` runs them all; `python bench/run_all.py render review` runs some. A benchmark that
misses one of its targets exits non-zero; the others still run, and the summary says which.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ORDER = ["render", "review", "estimate", "layout", "collab", "editor", "liveness", "load"]


def main(names: list[str]) -> int:
    available = [n for n in ORDER if (BENCH / f"{n}.py").exists()]
    chosen = names or available
    unknown = [n for n in chosen if n not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}", file=sys.stderr)
        return 2
    results: list[tuple[str, int, float]] = []
    for name in chosen:
        print(f"\n=== bench/{name}.py", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(BENCH / f"{name}.py")], cwd=BENCH.parent)
        results.append((name, code, time.monotonic() - started))
    print("\n=== summary")
    for name, code, seconds in results:
        verdict = "targets met" if code == 0 else f"exit {code}: a target was missed or the run failed"
        print(f"  {name:<8} {seconds:6.1f} s  {verdict}  (bench/results/{name}.json)")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
