#!/usr/bin/env bash
# Measures Kassa's cold start (launch → sign-in screen ready for input; PIN → checkout ready)
# and its idle memory (RSS and PSS of the app and its WebKit processes together) on the real
# window under a private Xvfb display. Builds the release binary first (`--debug` measures the
# debug build instead). KASSA_RUNS (default 5) and KASSA_IDLE_MS (default 10000) tune it.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
[ "${1:-}" = "--debug" ] && profile=debug
for tool in Xvfb xdotool node; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install xvfb xdotool nodejs)" >&2; exit 1; }
done

echo "== building the UI and the $profile binary"
(cd ui && { [ -d node_modules ] || npm install --no-audit --no-fund; } && npm run build --silent)
if [ "$profile" = release ]; then
  cargo build -p kassa --release --features custom-protocol
else
  cargo build -p kassa --features custom-protocol
fi

display=""
for n in $(seq 150 199); do
  if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then display=":$n"; break; fi
done
[ -n "$display" ] || { echo "no free X display number" >&2; exit 1; }
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done

echo "== measuring on $display ($(nproc) cores, $(uname -r))"
DISPLAY="$display" KASSA_BIN="$PWD/target/$profile/kassa" node scripts/measure-startup.mjs
