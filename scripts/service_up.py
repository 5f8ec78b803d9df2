"""Exit 0 when a service answers: `service_up.py postgres URL` or `service_up.py redis URL`."""

from __future__ import annotations

import socket
import sys
from urllib.parse import urlparse


def main() -> int:
    kind, url = sys.argv[1], sys.argv[2]
    parsed = urlparse(url)
    port = parsed.port or {"postgres": 5432, "redis": 6379}[kind]
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", port), timeout=1):
            return 0
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
