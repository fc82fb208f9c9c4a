#!/usr/bin/env bash
# Kassa's checkout without a window: starts the N950 simulator on loopback and rings up a demo
# sale and a partial refund through kassactl, then prints the order's journal. Installs what it
# needs first; safe to re-run. scripts/run.sh uses it when there is no display.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh build-essential pkg-config

cargo build --release -p kassa-cli -p kassa-sim
BIN=target/release
KEYS=tests/vectors
[ -d "$KEYS" ] || KEYS=assets/demo-keys
export KASSA_DATA_DIR="${KASSA_DATA_DIR:-$PWD/target/demo-data}"
mkdir -p "$KASSA_DATA_DIR"

"$BIN/kassa-sim" antom --listen 127.0.0.1:0 --customer-mode on \
  --pos-public-key "$KEYS/pos_public_key.pem" \
  --terminal-private-key "$KEYS/terminal_private_key_pkcs8.pem" > "$KASSA_DATA_DIR/sim.out" 2>"$KASSA_DATA_DIR/sim.log" &
SIM=$!
trap 'kill $SIM 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "listening on" "$KASSA_DATA_DIR/sim.out" 2>/dev/null && break; sleep 0.1; done
ADDR=$(sed -n 's/^listening on //p' "$KASSA_DATA_DIR/sim.out")
echo "N950 simulator on $ADDR (ledger: $KASSA_DATA_DIR/kassa.db)"

K="$BIN/kassactl"
"$K" terminal add antom-lan --name "Demo N950" --host "${ADDR%:*}" --port "${ADDR##*:}" \
  --client-id N950SN0001 --pos-key "$KEYS/pos_private_key_pkcs8.pem" \
  --terminal-key "$KEYS/terminal_public_key.pem" --customer-mode on --default
"$K" terminal diagnose "Demo N950"
echo "--- a sale: 2 Americano and a Latte, VAT 10 % included"
"$K" sale --currency KRW --item "Americano:4500x2" --item "Caffè Latte:5000" --vat 10 || true
ORDER=$("$K" --json orders --limit 1 | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | head -1)
echo "--- a partial refund of one Americano"
"$K" refund --payment "$ORDER" --amount 4500 --reason "demo: one coffee returned" || true
echo "--- the order and its journal"
"$K" order "$ORDER"
