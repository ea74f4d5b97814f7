#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets of tests/fuzz with clang (build/fuzz,
# AddressSanitizer and UndefinedBehaviorSanitizer on the parsers they reach)
# and runs each for FUZZ_SECONDS (default 60) from its committed seed corpus
# (tests/fuzz/corpus/<target>, read only) plus what earlier runs found
# (build/fuzz/corpus/<target>). A crash, a leak, a sanitizer report, a
# timeout (FUZZ_TIMEOUT, default 10 s, on one input) or an out-of-memory
# (2 GB) fails the target and leaves the input in build/fuzz/artifacts. An
# input slower than 10 s but under the timeout is saved there too
# (slow-unit-*) and reported, without failing: on a busy machine that is the
# scheduler's doing. Ends with "fuzz: N passed, M failed".
#   FUZZ_SECONDS=1800 make fuzz        a longer campaign
#   FUZZ_TARGETS="fuzz_cron" make fuzz  some targets only
#   FUZZ_BUILD_JOBS=1                   compile on one core (make test runs
#                                       the fuzzers beside the integration tests)
#   FUZZ_PARALLEL=1                     run every target at once, each still for
#                                       FUZZ_SECONDS (make test: the wall time is
#                                       that of one target; each gets a share of
#                                       the CPU, so fewer inputs)
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
pp_deps clang libclang-rt-14-dev
seconds=${FUZZ_SECONDS:-60}
timeout=${FUZZ_TIMEOUT:-10}
jobs=${FUZZ_BUILD_JOBS:-2}
bdir=$PP_ROOT/build/fuzz
log=$(pp_logdir)/fuzz-build.log
: >"$log"
mapfile -t all < <(cd "$PP_ROOT/tests/fuzz" && ls fuzz_*.cpp | sed 's/\.cpp$//')
read -r -a targets <<<"${FUZZ_TARGETS:-${all[*]}}"
pp_clean_make_env
pp_say "fuzz: clang build in ${bdir#"$PP_ROOT"/} (log: $log)"
if ! pp_run_logged "$log" 100 env CXX=clang++ cmake -S "$PP_ROOT" -B "$bdir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DPRODPLAN_FUZZ=ON -DPRODPLAN_UNITY=ON ||
   ! pp_run_logged "$log" 100 cmake --build "$bdir" -j"$jobs" --target "${targets[@]}"; then
  pp_err "the fuzz build failed (full log: $log)"
  echo "fuzz: 0 passed, ${#targets[@]} failed"
  exit 1
fi
# run_target NAME: one target's campaign; its exit status in build/fuzz/artifacts/NAME.rc.
run_target() {
  local t=$1 name=${1#fuzz_} rc=0
  local corpus=$bdir/corpus/$name artifacts=$bdir/artifacts/$name/
  mkdir -p "$corpus" "$artifacts"
  # Findings of an earlier run were reported then; this run starts clean.
  rm -f "$artifacts"* "$bdir/artifacts/$name.rc"
  # The first finding ends the target's run (its input is saved).
  "$bdir/$t" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts" "$corpus" "$PP_ROOT/tests/fuzz/corpus/$name" >"$(pp_logdir)/fuzz-$name.log" 2>&1 || rc=$?
  echo "$rc" >"$bdir/artifacts/$name.rc"
}
if [ "${FUZZ_PARALLEL:-0}" = 1 ]; then
  pids=()
  for t in "${targets[@]}"; do run_target "$t" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || true; done
else
  for t in "${targets[@]}"; do run_target "$t"; done
fi
passed=0 failed=0
for t in "${targets[@]}"; do
  name=${t#fuzz_}
  artifacts=$bdir/artifacts/$name/
  tlog=$(pp_logdir)/fuzz-$name.log
  rc=$(cat "$bdir/artifacts/$name.rc" 2>/dev/null || echo '?')
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$tlog" | tail -n 1)
  cov=$(grep -oE 'cov: [0-9]+' "$tlog" | tail -n 1 | cut -d' ' -f2)
  slow=$(find "$artifacts" -name 'slow-unit-*' | wc -l)
  if [ "$rc" = 0 ] && [ -z "$(find "$artifacts" -type f ! -name 'slow-unit-*')" ]; then
    passed=$((passed + 1))
    pp_say "ok: $t: ${runs:-?} inputs in ${seconds} s, coverage ${cov:-?} edges, no crash$([ "$slow" = 0 ] || echo "; $slow input(s) over 10 s in $artifacts")"
  else
    failed=$((failed + 1))
    pp_say "FAIL: $t (exit $rc): $(grep -m1 -E 'ERROR|SUMMARY|deadly' "$tlog" || true); inputs in $artifacts; log $tlog"
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
