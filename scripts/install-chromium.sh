#!/usr/bin/env bash
# Debian's Chromium for the console's browser tests (playwright-core drives /usr/bin/chromium:
# `npx playwright install` cannot download browsers here) and ffmpeg for browser publishing (the
# server's ingest feeds MediaRecorder webm to ffmpeg). Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
[ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1); $(ffmpeg -version | head -1)"
