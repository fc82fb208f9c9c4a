#!/usr/bin/env bash
# Takes the README's screenshots from the real window: builds Kassa, starts a private Xvfb
# display and tauri-driver, drives the demo café to a busy checkout and captures it with
# ImageMagick's `import` into docs/screenshot-checkout.png (and a payment waiting for the card
# into docs/screenshot-payment.png).
set -euo pipefail
source "$(dirname "$0")/../tests/e2e/env.sh"
trap kassa_cleanup EXIT
kassa_need import "apt-get install imagemagick"
kassa_build
kassa_start_display
kassa_start_driver
mkdir -p "$KASSA_ROOT/docs"
node "$KASSA_E2E_DIR/screenshot.mjs"
