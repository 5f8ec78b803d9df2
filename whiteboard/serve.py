"""Start the ASGI server: the one command line of `make run`, the container and the test deployments.

    HOST=0.0.0.0 PORT=8000 FORWARDED_ALLOW_IPS=172.30.99.10 python -m whiteboard.serve [uvicorn options]

Forwarded headers (X-Forwarded-For, X-Forwarded-Proto) are believed only from the proxy named in
FORWARDED_ALLOW_IPS: addresses or networks, comma-separated. Without it they are ignored
altogether: uvicorn's own default would believe them from 127.0.0.1, so any local process could
pose as any client address, and the per-address limits would count the forged one.

The settings are read once before uvicorn starts, with the address named, so that a refusal
(DEBUG or the development key on a public address, a weak production key) ends with its reason
instead of a traceback.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys

from django.core.exceptions import ImproperlyConfigured

from whiteboard.collab.protocol import MAX_MESSAGE_BYTES

APP = "whiteboard.asgi:application"


def trusted_proxies(raw: str) -> str:
    """FORWARDED_ALLOW_IPS checked entry by entry (uvicorn would quietly never match a typo)."""
    entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
    if entries == ["*"]:
        return "*"
    for entry in entries:
        try:
            ipaddress.ip_network(entry)
        except ValueError:
            raise ValueError(
                f"FORWARDED_ALLOW_IPS: {entry!r} is not an IP address or network (e.g. 172.30.99.10 or 10.0.0.0/24)"
            ) from None
    return ",".join(entries)


def uvicorn_args(*, host: str, port: int, forwarded_allow_ips: str) -> list[str]:
    proxy = (
        ["--proxy-headers", f"--forwarded-allow-ips={trusted_proxies(forwarded_allow_ips)}"]
        if forwarded_allow_ips.strip()
        else ["--no-proxy-headers"]
    )
    return [
        APP, "--host", host, "--port", str(port), "--ws", "websockets-sansio", "--ws-max-size", str(MAX_MESSAGE_BYTES),
        "--lifespan", "off", *proxy,
    ]  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m whiteboard.serve", epilog="Other options are passed on to uvicorn (e.g. --workers 2)."
    )
    parser.add_argument("--host", default=os.environ.get("HOST") or "127.0.0.1", help="default: $HOST or 127.0.0.1")
    parser.add_argument("--port", type=int, default=os.environ.get("PORT") or "8000", help="default: $PORT or 8000")
    options, passed_on = parser.parse_known_args(argv)
    try:
        args = uvicorn_args(
            host=options.host, port=options.port, forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "")
        )
    except ValueError as exc:
        print(f"archboard: {exc}", file=sys.stderr)
        return 2
    os.environ["ARCHBOARD_BIND_HOST"] = options.host
    try:
        import whiteboard.settings  # noqa: F401
    except ImproperlyConfigured as exc:
        print(f"archboard: {exc}", file=sys.stderr)
        return 2
    shown = f"[{options.host}]" if ":" in options.host else options.host
    print(f"Archboard on http://{shown}:{options.port}/", flush=True)
    # uvicorn takes this process over: whoever started it signals and waits for the server itself.
    os.execv(sys.executable, [sys.executable, "-m", "uvicorn", *args, *passed_on])  # noqa: S606


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
