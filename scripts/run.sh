#!/usr/bin/env bash
# Runs Kassa in demo mode: the desktop window with the built-in simulated N950 and KICC
# terminals, a demo catalog and a demo manager PIN (1234; demo cashier 0000), so a newcomer sees
# a working checkout with no hardware. Installs what it needs first; safe to re-run.
# `--kiosk` opens the self-service kiosk instead. Without a display (no $DISPLAY or
# $WAYLAND_DISPLAY), it shows the same checkout headlessly: the N950 simulator and a demo sale
# and refund through kassactl.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec bash scripts/demo-cli.sh
fi

bash scripts/deps.sh build-essential pkg-config libwebkit2gtk-4.1-dev
(cd ui && npm install --no-audit --no-fund && npm run build)
cargo build --release -p kassa --features custom-protocol
export KASSA_DATA_DIR="${KASSA_DATA_DIR:-$PWD/target/demo-data}"
echo "Kassa demo: data in $KASSA_DATA_DIR — manager PIN 1234, cashier PIN 0000"
exec target/release/kassa "$@"
