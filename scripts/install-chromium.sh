#!/usr/bin/env bash
# Installs Debian's Chromium (for the console's browser tests, driven by playwright-core with
# executablePath /usr/bin/chromium: `npx playwright install` cannot download browsers here) and
# ffmpeg (the console's publish path: the server's WebSocket ingest feeds MediaRecorder webm to ffmpeg).
# Idempotent: does nothing when both are there. Runs `apt-get update` at most once.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)

if [ ${#need[@]} -eq 0 ]; then
  echo "chromium and ffmpeg are already installed: $(/usr/bin/chromium --version 2>/dev/null | head -1); $(ffmpeg -version | head -1)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-chromium.sh: need root (or sudo) to apt-get install ${need[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${need[@]}"
echo "installed: $(/usr/bin/chromium --version 2>/dev/null | head -1); $(ffmpeg -version | head -1)"
