#!/usr/bin/env bash
# Fuzz every parser that reads outside data (fuzz/fuzz_targets/*.rs) for a bounded time.
#
#   scripts/fuzz.sh [--ci] [SECONDS_PER_TARGET] [TARGET...]    (default: 20 s, every target)
#
# Builds all targets, then runs each with libFuzzer's -max_total_time on its corpus in
# fuzz/corpus/<target>/ plus fuzz/regressions/<target>/ (minimized inputs that once crashed).
# Locally, new inputs libFuzzer finds are added to fuzz/corpus/<target>/ (review them before
# committing; keep each directory near 50 files, e.g. with `cargo fuzz cmin <target>`). With --ci
# the runs use a temporary copy of the corpus, so the checkout is left as it was.
#
# Exit status: 0 when no target crashed; 1 when one did (the crashing input, kept under
# fuzz/artifacts/<target>/, and the command that replays it are printed); 2 on a usage or build
# error. One summary line per target: runs executed, coverage (edges), features, corpus size.
#
# cargo-fuzz needs nightly compiler flags. A nightly toolchain is used when rustup has one;
# otherwise the default (stable) toolchain with RUSTC_BOOTSTRAP=1. FUZZ_TOOLCHAIN=<name> forces a
# rustup toolchain. cargo-fuzz is installed (cargo install cargo-fuzz --locked) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

ci=0
seconds=20
targets=()
for arg in "$@"; do
  case "$arg" in
    --ci) ci=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    -*)
      echo "fuzz.sh: unknown option $arg" >&2
      exit 2
      ;;
    *)
      if [[ ${#targets[@]} -eq 0 && $arg =~ ^[0-9]+$ && ! -f fuzz/fuzz_targets/$arg.rs ]]; then
        seconds=$arg
      elif [[ -f fuzz/fuzz_targets/$arg.rs ]]; then
        targets+=("$arg")
      else
        echo "fuzz.sh: no fuzz target called $arg (see fuzz/fuzz_targets/)" >&2
        exit 2
      fi
      ;;
  esac
done
if [[ ${#targets[@]} -eq 0 ]]; then
  for f in fuzz/fuzz_targets/*.rs; do targets+=("$(basename "$f" .rs)"); done
fi

# --- toolchain ---------------------------------------------------------------------------------
toolchain=()  # "+nightly", "+<FUZZ_TOOLCHAIN>" or nothing (the default toolchain)
env_prefix="" # shown in the reproducer command
if [[ -n ${FUZZ_TOOLCHAIN:-} ]]; then
  toolchain=("+$FUZZ_TOOLCHAIN")
elif command -v rustup >/dev/null && rustup run nightly rustc --version >/dev/null 2>&1; then
  toolchain=(+nightly)
fi
# A stable or beta compiler accepts cargo-fuzz's -Z flags only with RUSTC_BOOTSTRAP=1.
if ! rustc "${toolchain[@]}" --version | grep -q nightly; then
  export RUSTC_BOOTSTRAP=1
  env_prefix="RUSTC_BOOTSTRAP=1 "
fi
if [[ -z ${CXX:-} ]] && ! command -v c++ >/dev/null; then
  echo "fuzz.sh: libfuzzer-sys compiles libFuzzer with a C++ compiler and there is none (apt-get install g++)" >&2
  exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz =="
  cargo install cargo-fuzz --locked
fi
echo "== fuzz: ${targets[*]} for ${seconds} s each, $(rustc "${toolchain[@]}" --version)${env_prefix:+ with RUSTC_BOOTSTRAP=1} =="

# --- build -------------------------------------------------------------------------------------
if ! cargo "${toolchain[@]}" fuzz build; then
  echo "fuzz.sh: building the fuzz targets failed" >&2
  exit 2
fi

# --- run ---------------------------------------------------------------------------------------
export RUST_BACKTRACE=${RUST_BACKTRACE:-1}         # a panic's backtrace in the report,
export RUST_LIB_BACKTRACE=${RUST_LIB_BACKTRACE:-0} # not cargo-fuzz's own
work=$(mktemp -d "${TMPDIR:-/tmp}/netview-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=()
summaries=()
for t in "${targets[@]}"; do
  corpus=$PWD/fuzz/corpus/$t
  mkdir -p "$corpus" "fuzz/artifacts/$t"
  if [[ $ci -eq 1 ]]; then
    cp -r "$corpus" "$work/corpus-$t"
    corpus=$work/corpus-$t
  fi
  # Inputs that once crashed (minimized, fuzz/regressions/<target>/) are replayed as seeds.
  extra=()
  [[ -d fuzz/regressions/$t ]] && extra=("$PWD/fuzz/regressions/$t")
  log=$work/$t.log
  echo "== fuzz $t (${seconds} s, corpus $corpus) =="
  status=0
  # -timeout: one input running 10 s is a hang worth reporting; -rss_limit_mb: libFuzzer's default.
  cargo "${toolchain[@]}" fuzz run "$t" "$corpus" "${extra[@]}" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 || status=$?
  # libFuzzer's last status line: "#RUNS DONE cov: N ft: N corp: N/SIZE ...", or the last pulse.
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$last")
  line=$(printf '%-9s runs %-9s cov %-6s ft %-6s corpus %s' "$t" "${runs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")
  if [[ $status -ne 0 ]]; then
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "---- $t: output from the first sign of trouble ----"
    # The panic message and its backtrace come first, then libFuzzer's and the sanitizer's report.
    first=$(grep -n -m 1 -E "panicked at|==[0-9]+==ERROR|ERROR: libFuzzer|^SUMMARY|^ALARM|out-of-memory" "$log" | cut -d: -f1 || true)
    if [[ -n $first ]]; then tail -n "+$first" "$log" | head -n 120; else tail -n 60 "$log"; fi
    echo "----"
    if [[ -n $artifact ]]; then
      echo "CRASH in $t: input $artifact"
      echo "  reproduce: ${env_prefix}cargo ${toolchain[*]:+${toolchain[*]} }fuzz run $t $artifact"
      echo "  minimize:  ${env_prefix}cargo ${toolchain[*]:+${toolchain[*]} }fuzz tmin $t $artifact"
    else
      echo "FAILED $t (exit $status) without a crashing input: see the output above"
    fi
    line="$line  CRASH${artifact:+ $artifact}"
    failed+=("$t")
  fi
  summaries+=("$line")
  echo "$line"
done

echo "== fuzz summary (${seconds} s per target) =="
printf '%s\n' "${summaries[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: crash in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no crash (${#targets[@]} targets run)"
