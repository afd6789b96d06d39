#!/usr/bin/env bash
# Regenerates the committed media fixtures of @minirtc/headless (packages/headless/fixtures/).
# Tests never run this: they use the committed files, so CI needs no ffmpeg.
#
# What the fixtures imitate: a phone's <live-pusher> in RTC mode: H.264 constrained baseline
# (no B-frames, so dts == pts as a mini-program encoder sends), 15 fps, one keyframe per second
# (GOP 15; a joining player waits at most 1 s even on servers without a GOP cache, see
# docs on nginx-rtmp), AAC-LC 44.1 kHz mono ~64 kbit/s. A moving test pattern keeps frame sizes
# realistic (a static picture would compress to nearly nothing).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/packages/headless/fixtures"

if ! command -v ffmpeg >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  echo "[make-fixtures] ffmpeg missing: apt-get install ffmpeg" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends ffmpeg
fi

mkdir -p "$OUT"

# make <width> <height> <seconds> <video kbit/s> <file>
make() {
  local w="$1" h="$2" secs="$3" vkbps="$4" file="$5"
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=size=${w}x${h}:rate=15" \
    -f lavfi -i "sine=frequency=440:sample_rate=44100:beep_factor=4" \
    -t "$secs" \
    -c:v libx264 -profile:v baseline -level 3.0 -pix_fmt yuv420p -preset veryfast -tune zerolatency \
    -b:v "${vkbps}k" -maxrate "${vkbps}k" -bufsize "$((vkbps / 2))k" \
    -g 15 -keyint_min 15 -sc_threshold 0 -bf 0 \
    -c:a aac -ar 44100 -ac 1 -b:a 64k \
    -f flv -flvflags no_duration_filesize "$OUT/$file"
  echo "[make-fixtures] $file: $(stat -c %s "$OUT/$file") bytes" >&2
}

# make_still <png> <file>: what peers receive while the app is in the background: the pusher's
# waiting-image (the default one shipped in @minirtc/core/assets), with the microphone's tone.
make_still() {
  local png="$1" file="$2"
  ffmpeg -hide_banner -loglevel error -y \
    -loop 1 -framerate 15 -i "$png" \
    -f lavfi -i "sine=frequency=440:sample_rate=44100:beep_factor=4" \
    -t 2 \
    -c:v libx264 -profile:v baseline -level 3.0 -pix_fmt yuv420p -preset veryfast -tune zerolatency \
    -b:v 100k -g 15 -keyint_min 15 -sc_threshold 0 -bf 0 \
    -c:a aac -ar 44100 -ac 1 -b:a 64k \
    -f flv -flvflags no_duration_filesize "$OUT/$file"
  echo "[make-fixtures] $file: $(stat -c %s "$OUT/$file") bytes" >&2
}

make 640 360 4 600 camera-640x360.flv
make 320 240 2 300 camera-320x240.flv
make_still "$ROOT/packages/core/assets/waiting-image.png" waiting-image-360x640.flv
