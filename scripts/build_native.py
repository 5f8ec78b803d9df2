"""Build the load estimate's compiled twin: whiteboard/domain/estimate.py compiled by mypyc.

The twin is the same source under the module name `whiteboard.domain._estimate_native`, with the
digest of the sources it was built from (`estimate.native_digest()`) appended; estimate.py uses it
only while that digest matches. Run by `make install` whenever those sources change; a machine
without a C compiler or Python headers keeps the pure-Python estimate and says so.

Run from the repository root: `.venv/bin/python scripts/build_native.py`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whiteboard.domain import estimate  # noqa: E402

PACKAGE = ROOT / "whiteboard" / "domain"
BUILD = ROOT / "build" / "native"


def main() -> int:
    os.chdir(ROOT)
    digest = estimate.native_digest()
    name = estimate.NATIVE_MODULE.rpartition(".")[2]
    copy = PACKAGE / f"{name}.py"
    for old in PACKAGE.glob(f"{name}.*"):
        old.unlink()  # a stale build must not outlive a failed one
    copy.write_text((PACKAGE / "estimate.py").read_text() + f"\n\nSOURCE_DIGEST = {digest!r}\n")
    try:
        # Imported here: mypy (which brings mypyc) is a development requirement, and setuptools
        # is only needed to build.
        from mypyc.build import mypycify
        from setuptools import setup

        setup(
            name="archboard-estimate-native",
            packages=[],
            py_modules=[],
            ext_modules=mypycify([str(copy.relative_to(ROOT))], opt_level="3"),
            script_args=["--quiet", "build_ext", "--inplace", "--build-temp", str(BUILD)],
        )
    finally:
        copy.unlink()
    # A fresh interpreter, as the app will be: this one holds the twin it imported before the build.
    check = "from whiteboard.domain import estimate as e; raise SystemExit(e.estimate_board is e.pure_estimate_board)"
    if subprocess.run([sys.executable, "-c", check], cwd=ROOT, check=False).returncode:
        print("build_native: the compiled estimate was built but is not used", file=sys.stderr)
        return 1
    print(f"build_native: compiled the load estimate ({name}, sources {digest[:12]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
