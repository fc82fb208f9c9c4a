#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for SECONDS each (default 20) and fails on the first
# crash, leak or timeout. Installs cargo-fuzz if it is missing. Safe to re-run: the corpus
# grown in fuzz/corpus/<target> is kept between runs (it is not committed; the seeds in
# fuzz/seeds/<target> are).
#
#   bash scripts/fuzz.sh            # 20 s per target
#   bash scripts/fuzz.sh 300        # a longer campaign
#   FUZZ_TARGETS="kicc_line n950_driver" bash scripts/fuzz.sh 60
#
# Only the machine's stable Rust exists here, so cargo-fuzz's nightly flags (-Z sanitizer,
# sanitizer coverage) are unlocked with RUSTC_BOOTSTRAP=1. AddressSanitizer works with it on
# x86_64 Linux; set FUZZ_SANITIZER=none where it does not. A crash leaves its input in
# fuzz/artifacts/<target>/ and the command to reproduce it in the log.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-20}"
SANITIZER="${FUZZ_SANITIZER:-address}"
LOG_DIR="logs"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
cd fuzz
if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  mapfile -t targets < <(cargo fuzz list)
fi

echo "== building ${#targets[@]} fuzz targets (sanitizer: $SANITIZER)"
cargo fuzz build -s "$SANITIZER"

mkdir -p "$LOG_DIR"
failed=()
for t in "${targets[@]}"; do
  echo "== fuzzing $t for ${SECONDS_PER_TARGET}s"
  mkdir -p "corpus/$t" "seeds/$t"
  # -timeout: one input taking over 10 s is a hang, reported as a failure like a crash.
  # -rss_limit_mb: the default 2 GB, stated so a leak fails the same way everywhere.
  if cargo fuzz run -s "$SANITIZER" "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 >"$LOG_DIR/$t.log" 2>&1; then
    grep -E '^#[0-9]+.*DONE|^stat::(number_of_executed_units|peak_rss_mb)' "$LOG_DIR/$t.log" \
      | tr '\n' ' ' || true
    echo
  else
    echo "!! $t failed; the end of its log (full log: fuzz/$LOG_DIR/$t.log):" >&2
    tail -n 40 "$LOG_DIR/$t.log" >&2
    failed+=("$t")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
echo "== every fuzz target ran ${SECONDS_PER_TARGET}s without a crash"
