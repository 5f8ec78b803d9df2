#!/usr/bin/env bash
# Installs the system packages Archboard needs when they are missing: graphviz (`dot`), librsvg
# (`rsvg-convert`) and fonts always; for the tests (WITH_TESTS=1) Debian's Chromium for the browser tests and nginx for
# the deployed-topology test; the wrk load generator for bench/load.py when WITH_BENCH=1.
set -euo pipefail

need=()
command -v dot >/dev/null 2>&1 || need+=(graphviz)
# librsvg draws the drawn SVG as PNG and PDF (its library, in whiteboard/rendering/rsvg_worker.py);
# rsvg-convert, from the same package, is the tests' reference for those pixels.
command -v rsvg-convert >/dev/null 2>&1 || need+=(librsvg2-bin)
# The font list is read once: `fc-list | grep -q` under pipefail fails whenever grep stops
# reading early, and the font would be installed again on every run.
fonts="$(fc-list 2>/dev/null || true)"
grep -qi "DejaVuSans" <<<"$fonts" || need+=(fonts-dejavu-core)
grep -qi "NotoSans-" <<<"$fonts" || need+=(fonts-noto-core)
grep -qi "NotoColorEmoji" <<<"$fonts" || need+=(fonts-noto-color-emoji)
if [ "${WITH_TESTS:-0}" = "1" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
fi
if [ "${WITH_BENCH:-0}" = "1" ]; then
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
fi
[ ${#need[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ERROR: apt-get is not available on this machine, so ${need[*]} cannot be installed automatically." >&2
  echo "       Install them with your system's package manager and run make again." >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ERROR: installing ${need[*]} needs root (or sudo); run as root or install them yourself." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# The tests run nginx as a child process of their own; the system service must not start (it
# would take port 80). policy-rc.d answering 101 is how Debian's maintainer scripts are told so.
if [[ " ${need[*]} " == *" nginx "* ]] && [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
if [[ " ${need[*]} " == *" nginx "* ]] && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --quiet nginx  # nor at the next boot
fi
echo "Installed: ${need[*]}"
