"""The secret key: made at first start, kept in a private file, and judged before it signs anything.

No Django here: the container runs `python -m whiteboard.secretkey` before the settings are ever
read (it creates the file named by SECRET_KEY_FILE when missing), and the settings use `weakness`
to refuse a key that must not sign sessions in production.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

MIN_LENGTH = 50
# Words that mark a value as a placeholder meant to be replaced: Django's "django-insecure-"
# prefix, our development key, and the "change-me" example once committed for docker-compose.
PLACEHOLDER_MARKS = ("insecure", "change-me", "changeme")


def weakness(key: str) -> str | None:
    """Why `key` must not be the production key, or None when it will do."""
    if not key:
        return "is empty"
    lowered = key.lower()
    for mark in PLACEHOLDER_MARKS:
        if mark in lowered:
            return f"is a placeholder (it contains {mark!r})"
    if len(key) < MIN_LENGTH:
        return f"is {len(key)} characters long; at least {MIN_LENGTH} are needed"
    if len(set(key)) < 5:
        return "has fewer than 5 different characters"
    return None


def ensure_key_file(path: Path) -> bool:
    """Create `path` holding a new random key unless it exists; True when this call created it.

    Several workers may start at once on a shared volume. Each writes a complete key into a
    private temporary file beside `path` and hard-links it into place: the link fails when the
    name exists, so exactly one key wins, nobody overwrites it, and nobody reads a half-written
    file. (A rename would replace a key that a faster worker may already be using.)
    """
    if path.exists():
        return False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(64) + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(temporary)


def main(argv: list[str]) -> int:
    """`python -m whiteboard.secretkey [PATH]`: PATH defaults to $SECRET_KEY_FILE; without either, nothing to do."""
    target = argv[0] if argv else os.environ.get("SECRET_KEY_FILE", "")
    if not target:
        return 0
    if ensure_key_file(Path(target)):
        print(f"created a new secret key in {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
