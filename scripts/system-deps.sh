#!/usr/bin/env bash
# Installs the system packages Archboard needs when they are missing: graphviz (`dot`), librsvg
# (`rsvg-convert`) and fonts always, Debian's Chromium for the browser tests when WITH_BROWSER=1,
# the wrk load generator for bench/load.py when WITH_BENCH=1.
set -euo pipefail

need=()
command -v dot >/dev/null 2>&1 || need+=(graphviz)
# rsvg-convert turns the drawn SVG into PNG and PDF (whiteboard/rendering/rsvg.py).
command -v rsvg-convert >/dev/null 2>&1 || need+=(librsvg2-bin)
fc-list 2>/dev/null | grep -qi "DejaVuSans" || need+=(fonts-dejavu-core)
fc-list 2>/dev/null | grep -qi "NotoSans-" || need+=(fonts-noto-core)
fc-list 2>/dev/null | grep -qi "NotoColorEmoji" || need+=(fonts-noto-color-emoji)
if [ "${WITH_BROWSER:-0}" = "1" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
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
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "Installed: ${need[*]}"
