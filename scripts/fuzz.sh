#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for SECONDS each (default 20) and fails on the first
# crash, leak or timeout. Installs cargo-fuzz if it is missing. Safe to re-run: the corpus
# grown in fuzz/corpus/<target> is kept between runs (it is not committed; the seeds in
# fuzz/seeds/<target> are).
#
#   bash scripts/fuzz.sh            # 20 s per target
#   bash scripts/fuzz.sh 300        # a longer campaign
#   FUZZ_TARGETS="kicc_line n950_driver" bash scripts/fuzz.sh 60
#   bash scripts/fuzz.sh --ci       # what CI runs: a fixed seed and a fixed number of inputs
#
# `--ci` makes the run repeatable: every target starts from the committed seeds only (not the
# local corpus), with libFuzzer's seed fixed and a fixed count of inputs per target (fewer for
# the targets that do RSA per input), so its outcome does not depend on the machine's speed.
#
# Only the machine's stable Rust exists here, so cargo-fuzz's nightly flags (-Z sanitizer,
# sanitizer coverage) are unlocked with RUSTC_BOOTSTRAP=1. AddressSanitizer works with it on
# x86_64 Linux; set FUZZ_SANITIZER=none where it does not. A crash leaves its input in
# fuzz/artifacts/<target>/ and the command to reproduce it in the log.
set -euo pipefail
cd "$(dirname "$0")/.."

CI_MODE=0
if [ "${1:-}" = "--ci" ]; then
  CI_MODE=1
  shift
fi
SECONDS_PER_TARGET="${1:-20}"

# Inputs per target in --ci mode: RSA-2048 private-key work per input makes a few targets
# thousands of times slower than the parsers.
ci_runs() {
  case "$1" in
    antom_envelope | n950_driver) echo 60 ;;
    iotpay_driver) echo 3000 ;;
    *) echo 30000 ;;
  esac
}
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
  mkdir -p "corpus/$t" "seeds/$t"
  if [ "$CI_MODE" = 1 ]; then
    runs="$(ci_runs "$t")"
    echo "== fuzzing $t: $runs inputs from the committed seeds, seed 1"
    # A scratch corpus, so what earlier local runs grew does not change the run.
    scratch="$(mktemp -d)"
    dirs=("$scratch" "seeds/$t")
    limits=(-runs="$runs" -seed=1)
  else
    echo "== fuzzing $t for ${SECONDS_PER_TARGET}s"
    scratch=""
    dirs=("corpus/$t" "seeds/$t")
    limits=(-max_total_time="$SECONDS_PER_TARGET")
  fi
  # -timeout: one input taking over 10 s is a hang, reported as a failure like a crash.
  # -rss_limit_mb: the default 2 GB, stated so a leak fails the same way everywhere.
  if cargo fuzz run -s "$SANITIZER" "$t" "${dirs[@]}" -- "${limits[@]}" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 >"$LOG_DIR/$t.log" 2>&1; then
    grep -E '^#[0-9]+.*DONE|^stat::(number_of_executed_units|peak_rss_mb)' "$LOG_DIR/$t.log" \
      | tr '\n' ' ' || true
    echo
  else
    echo "!! $t failed; the end of its log (full log: fuzz/$LOG_DIR/$t.log):" >&2
    tail -n 40 "$LOG_DIR/$t.log" >&2
    failed+=("$t")
  fi
  [ -n "$scratch" ] && rm -rf "$scratch"
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
if [ "$CI_MODE" = 1 ]; then
  echo "== every fuzz target ran its fixed inputs without a crash"
else
  echo "== every fuzz target ran ${SECONDS_PER_TARGET}s without a crash"
fi
