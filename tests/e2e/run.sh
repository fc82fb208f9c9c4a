#!/usr/bin/env bash
# End-to-end tests of the real Kassa window: builds the UI and the desktop binary, starts its
# own Xvfb display and tauri-driver (over Debian's WebKitWebDriver), and runs every test in
# tests/e2e/specs.mjs against the app in demo mode, each on a fresh data directory. Prints
# `N passed, M failed` last and exits non-zero on any failure. `run.sh NAME` runs the tests
# whose name contains NAME.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

need() { command -v "$1" >/dev/null || { echo "missing $1: $2" >&2; echo "0 passed, 1 failed"; exit 1; }; }
need Xvfb "apt-get install xvfb"
need /usr/bin/WebKitWebDriver "apt-get install webkit2gtk-driver"
need node "install Node.js 20 or newer"
if ! command -v tauri-driver >/dev/null; then
  echo "installing tauri-driver"
  cargo install tauri-driver --locked
fi

echo "== building the UI and the desktop binary"
(cd ui && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build --silent)
cargo build -p kassa --features custom-protocol
(cd "$here" && { [ -d node_modules ] || npm ci --no-audit --no-fund; })

work="$(mktemp -d /tmp/kassa-e2e-run-XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A display of our own.
display=""
for n in $(seq 90 140); do
  if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then display=":$n"; break; fi
done
[ -n "$display" ] || { echo "no free X display number"; echo "0 passed, 1 failed"; exit 1; }
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY="$display"
for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done

# tauri-driver on a free port; the app it launches (app.sh) inherits its environment.
export KASSA_E2E_APP="$here/app.sh"
export KASSA_E2E_BIN="$root/target/debug/kassa"
export KASSA_E2E_DATA_ROOT="$work"
export KASSA_LOG="${KASSA_LOG:-warn}"
port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
tauri-driver --port "$port" --native-driver /usr/bin/WebKitWebDriver >"$work/tauri-driver.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

export KASSA_E2E_DRIVER="http://127.0.0.1:$port/"

echo "== running the end-to-end tests on $display"
set +e
node "$here/main.mjs" "${1:-}"
status=$?
set -e
if [ "$status" -ne 0 ]; then
  mkdir -p "$here/artifacts"
  cp "$work/tauri-driver.log" "$here/artifacts/" 2>/dev/null || true
fi
exit "$status"
