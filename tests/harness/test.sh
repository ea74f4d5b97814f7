#!/usr/bin/env bash
# make test: deps, build + install, then against a throwaway preloaded cluster every pg_regress
# suite (make installcheck) and every tests/integration/test_*.sh, while beside them, niced, on
# the CPU the database tests leave idle (they mostly wait on one backend, a scheduler tick or a
# restart), a side lane builds and runs the unit tests with AddressSanitizer and
# UndefinedBehaviorSanitizer, then builds the libFuzzer targets of tests/fuzz and runs them all
# at once for FUZZ_SECONDS (60) each (make fuzz). The cluster is always stopped and deleted
# (also on failure or Ctrl-C). The last line is "N passed, M failed[, K skipped]" over all of
# them; the exit status is non-zero if anything failed, including the build.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
pp_clean_make_env
cd "$PP_ROOT"

# Every test server overwrites freed memory (see pp_cluster_start); empty to turn it off.
export PP_MALLOC_PERTURB=${PP_MALLOC_PERTURB-165}
T0=$SECONDS
CLUSTER=''
SUITES=()
declare -A S_PASS=() S_FAIL=() S_SKIP=() S_FAILED_NAMES=() S_SKIPPED_NAMES=()

suite_add() { # suite passed failed skipped failed_names skipped_names
  local s=$1
  [ -n "${S_PASS[$s]+x}" ] || { SUITES+=("$s"); S_PASS[$s]=0 S_FAIL[$s]=0 S_SKIP[$s]=0 S_FAILED_NAMES[$s]='' S_SKIPPED_NAMES[$s]=''; }
  S_PASS[$s]=$((S_PASS[$s] + $2))
  S_FAIL[$s]=$((S_FAIL[$s] + $3))
  S_SKIP[$s]=$((S_SKIP[$s] + ${4:-0}))
  [ -z "${5:-}" ] || S_FAILED_NAMES[$s]="${S_FAILED_NAMES[$s]}${S_FAILED_NAMES[$s]:+ }$5"
  [ -z "${6:-}" ] || S_SKIPPED_NAMES[$s]="${S_SKIPPED_NAMES[$s]}${S_SKIPPED_NAMES[$s]:+ }$6"
}

stop_cluster() {
  if [ -n "$CLUSTER" ]; then
    local dir=$CLUSTER
    CLUSTER=''
    cp "$dir/server.log" "$PP_LOGDIR/test-server.log" 2>/dev/null || true
    pp_temp_cluster_stop "$dir" >/dev/null 2>&1 || pp_err "could not stop the test cluster in $dir"
  fi
}
trap stop_cluster EXIT
trap 'echo; pp_err "interrupted"; exit 130' INT
trap 'pp_err "terminated"; exit 143' TERM

summary() {
  local s p=0 f=0 k=0 line
  stop_cluster
  echo
  echo "---- summary ($((SECONDS - T0)) s) ----"
  for s in "${SUITES[@]}"; do
    line=$(printf '%-14s %4d passed, %d failed' "$s" "${S_PASS[$s]}" "${S_FAIL[$s]}")
    [ "${S_SKIP[$s]}" -eq 0 ] || line+=", ${S_SKIP[$s]} skipped"
    [ -z "${S_FAILED_NAMES[$s]}" ] || line+="   failed: ${S_FAILED_NAMES[$s]}"
    [ -z "${S_SKIPPED_NAMES[$s]}" ] || line+="   skipped: ${S_SKIPPED_NAMES[$s]}"
    echo "$line"
    p=$((p + S_PASS[$s])) f=$((f + S_FAIL[$s])) k=$((k + S_SKIP[$s]))
  done
  [ "$f" -eq 0 ] || echo "logs: $PP_LOGDIR, build/regress, build/integration"
  if [ "$k" -gt 0 ]; then echo "$p passed, $f failed, $k skipped"; else echo "$p passed, $f failed"; fi
  [ "$f" -eq 0 ]
}

# ---------------------------------------------------------------------------------------------
pp_step "dependencies"
# LibreOffice and poppler render the Excel reports to PDF and PNG in
# tests/integration/test_reports.sh; Pillow checks the pages are not blank.
# clang and its runtime build the fuzz targets.
if ! pp_deps libreoffice-calc-nogui poppler-utils python3-pil clang libclang-rt-14-dev; then
  pp_exit_if_interrupted
  suite_add setup 0 1 0 deps
  summary || exit 1
fi

pp_step "build and install prodplan.so"
if ! pp_build; then
  pp_exit_if_interrupted
  suite_add build 0 1 0 prodplan.so
  summary || exit 1
fi

pp_step "throwaway cluster"
if ! pp_temp_cluster_start; then
  pp_exit_if_interrupted
  suite_add cluster 0 1 0 start
  summary || exit 1
fi
CLUSTER=$PP_CLUSTER_DIR
pp_say "cluster: $CLUSTER, port $PP_PORT, server user $(pp_server_user), shared_preload_libraries = prodplan"

# ---------------------------------------------------------------------------------------------
run_regress() {
  local -a suites
  local log="$PP_LOGDIR/regress.log" rc=0 line name result pass=0 fail=0 skip=0 failed='' aborted=''
  shopt -s nullglob
  suites=("$PP_ROOT"/sql/*.sql)
  shopt -u nullglob
  if [ ${#suites[@]} -eq 0 ]; then
    pp_say "pg_regress: no suites in sql/"
    return 0
  fi
  rm -rf "$PP_ROOT/build/regress"
  mkdir -p "$PP_ROOT/build/regress"
  pp_say "pg_regress: ${#suites[@]} suite(s), make installcheck (log: $log)"
  set +e
  env PGHOST="$CLUSTER" PGPORT="$PP_PORT" PGUSER=postgres PSQLRC=/dev/null \
    make -C "$PP_ROOT" installcheck PG_CONFIG="$PP_PG_CONFIG" </dev/null 2>&1 |
    tee "$log" | grep --line-buffered -E '\.\.\. +(ok|FAILED|failed)|^(not )?ok [0-9]+ '
  rc=${PIPESTATUS[0]}
  set -e
  pp_note_rc "$rc"
  pp_exit_if_interrupted
  while IFS= read -r line; do
    if [[ $line =~ ^(test[[:space:]]+|[[:space:]]+)([^[:space:]]+)[[:space:]]+\.\.\.[[:space:]]+(ok|FAILED|failed\ \(ignored\)) ]]; then
      name=${BASH_REMATCH[2]} result=${BASH_REMATCH[3]}
    elif [[ $line =~ ^(not\ ok|ok)[[:space:]]+[0-9]+[[:space:]]+[-+][[:space:]]+([^[:space:]]+)(.*) ]]; then
      name=${BASH_REMATCH[2]} result=${BASH_REMATCH[1]}
      [[ ${BASH_REMATCH[3]} != *'# SKIP'* ]] || result='failed (ignored)'
    elif [[ $line =~ ^(test[[:space:]]+|[[:space:]]+)([^[:space:]]+)[[:space:]]+\.\.\.[[:space:]] ]]; then
      # pg_regress stopped inside this test (e.g. "diff: expected/x.out: No such file").
      name=${BASH_REMATCH[2]} result=aborted
    else
      continue
    fi
    case $result in
      ok) pass=$((pass + 1)) ;;
      'failed (ignored)') skip=$((skip + 1)) ;;
      aborted) fail=$((fail + 1)); failed+="${failed:+ }$name(aborted)"; aborted=$name ;;
      *) fail=$((fail + 1)); failed+="${failed:+ }$name" ;;
    esac
  done <"$log"
  local ran=$((pass + fail + skip))
  if [ "$rc" -ne 0 ]; then
    if [ -n "$aborted" ]; then
      pp_err "pg_regress stopped during test $aborted (the tests after it did not run); end of $log:"
      tail -n 25 "$log" >&2
    elif [ "$ran" -eq 0 ]; then
      pp_err "make installcheck failed before running any test; end of $log:"
      tail -n 25 "$log" >&2
    fi
    # Suites pg_regress never reached count as failed too.
    local f base
    for f in "${suites[@]}"; do
      base=$(basename "$f" .sql)
      if ! grep -qE "^(test +| +)$base +\.\.\.|^(not )?ok +[0-9]+ +[-+] +$base( |\$)" "$log"; then
        fail=$((fail + 1)) failed+="${failed:+ }$base(not run)"
      fi
    done
    if [ "$fail" -eq 0 ]; then
      fail=1 failed='(pg_regress run)'
      pp_err "make installcheck failed (exit status $rc); end of $log:"
      tail -n 25 "$log" >&2
    fi
  fi
  suite_add pg_regress "$pass" "$fail" "$skip" "$failed"
  if [ "$fail" -gt 0 ]; then
    if [ -s "$PP_ROOT/build/regress/regression.diffs" ]; then
      echo "---- build/regress/regression.diffs (first 300 lines) ----"
      head -n 300 "$PP_ROOT/build/regress/regression.diffs"
    fi
    echo "---- server log, last 100 lines ($CLUSTER/server.log) ----"
    tail -n 100 "$CLUSTER/server.log" 2>/dev/null || true
    echo "---- end of server log ----"
  fi
}

run_integration() {
  local -a scripts own=() shared=()
  local script name log rc t pass=0 fail=0 skip=0 failed='' skipped='' reason lane lane_results
  shopt -s nullglob
  scripts=("$PP_ROOT"/tests/integration/test_*.sh)
  shopt -u nullglob
  if [ ${#scripts[@]} -eq 0 ]; then
    pp_say "integration: no tests/integration/test_*.sh"
    return 0
  fi
  rm -rf "$PP_ROOT/build/integration"
  mkdir -p "$PP_ROOT/build/integration"
  # Scripts that start a throwaway cluster of their own (pp_temp_cluster_start) mostly wait:
  # scheduler ticks, crash recovery, restarts. They run one after another in a second lane,
  # beside the others, whose cluster they never touch.
  for script in "${scripts[@]}"; do
    if grep -q '^pp_temp_cluster_start' "$script"; then own+=("$script"); else shared+=("$script"); fi
  done
  pp_say "integration: ${#scripts[@]} script(s), ${#own[@]} of them with a cluster of their own in a second lane (logs: build/integration/)"
  report() {  # name rc seconds
    local name=$1 rc=$2 secs=$3 log=$PP_ROOT/build/integration/$1.log
    case $rc in
      0)
        pass=$((pass + 1))
        printf '  %-40s ok       %3d s\n' "$name" "$secs"
        ;;
      77)
        skip=$((skip + 1)) skipped+="${skipped:+ }$name"
        reason=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1 || true)
        printf '  %-40s skipped  %3d s  %s\n' "$name" "$secs" "$reason"
        ;;
      *)
        fail=$((fail + 1)) failed+="${failed:+ }$name"
        printf '  %-40s FAILED   %3d s  (exit status %s)\n' "$name" "$secs" "$rc"
        echo "---- $name output (last 200 lines of build/integration/$name.log) ----"
        tail -n 200 "$log"
        echo "---- end of $name output ----"
        ;;
    esac
  }
  lane_results=$PP_ROOT/build/integration/second-lane.results
  : >"$lane_results"
  (
    for script in "${own[@]}"; do
      name=$(basename "$script" .sh) t=$SECONDS rc=0
      pp_run_script "$script" "$CLUSTER" "$PP_ROOT/build/integration/$name.log" || rc=$?
      echo "$name $rc $((SECONDS - t))" >>"$lane_results"
    done
  ) &
  lane=$!
  for script in "${shared[@]}"; do
    name=$(basename "$script" .sh)
    log=$PP_ROOT/build/integration/$name.log
    t=$SECONDS rc=0
    pp_run_script "$script" "$CLUSTER" "$log" || rc=$?
    pp_exit_if_interrupted
    report "$name" "$rc" "$((SECONDS - t))"
    if ! pp_cluster_running "$CLUSTER"; then
      pp_err "the test server is down after $name; its log ends with:"
      tail -n 40 "$CLUSTER/server.log" >&2 || true
      pp_cluster_start "$CLUSTER" || { wait "$lane" || true; suite_add integration "$pass" $((fail + 1)) "$skip" "$failed (server restart)" "$skipped"; return 0; }
      PP_PORT=$(pp_cluster_port "$CLUSTER")
    fi
  done
  wait "$lane" || true
  pp_exit_if_interrupted
  echo "  (second lane)"
  while read -r name rc t; do report "$name" "$rc" "$t"; done <"$lane_results"
  for script in "${own[@]}"; do
    name=$(basename "$script" .sh)
    grep -q "^$name " "$lane_results" || report "$name" "(did not finish)" 0
  done
  suite_add integration "$pass" "$fail" "$skip" "$failed" "$skipped"
}

# The side lane, beside the database tests: the sanitized unit tests (build and run), then the
# fuzzers (build, then every target at once for FUZZ_SECONDS). At the lowest priority: the
# database tests keep the CPU they need, the lane takes the rest. Its results come back
# through files.
SIDE_PID=''
SIDE_LOG=$PP_LOGDIR/side-lane.log
UNIT_RESULT=$PP_LOGDIR/unit.result
FUZZ_LOG=$PP_LOGDIR/fuzz.log
start_side_lane() {
  pp_say "side lane: sanitized unit tests, then every fuzz target for ${FUZZ_SECONDS:-60} s, at low priority beside the database tests (logs: $SIDE_LOG, $FUZZ_LOG)"
  rm -f "$UNIT_RESULT"
  # Its own session, so its own scheduler autogroup, at nice 19: with autogroups (on by
  # default in Debian's kernel) the CPU is shared between sessions first, and the servers run
  # in sessions of their own (pg_ctl), so a plain nice inside this session took half the CPU
  # from them (the database tests ran 1.5-2.7x slower; make test took 1251 s). At nice 19 the
  # tests run at full speed and the lane ends about 5 minutes after them (1198 s); at nice 10
  # the tests slowed again (reports 99 s instead of 54) and the whole took longer.
  # -w: should setsid have to fork, it waits, so SIDE_PID still ends with the lane.
  setsid -w bash -c '
    echo 19 >/proc/self/autogroup 2>/dev/null || true
    renice -n 19 -p $$ >/dev/null 2>&1 || true
    source "$1/tests/harness/lib.sh"
    pp_unit_sanitized >"$2" 2>&1 </dev/null || true
    printf "%s|%s|%s|%s\n" "$PP_UNIT_PASSED" "$PP_UNIT_FAILED" "${PP_UNIT_SKIPPED:-0}" "$PP_UNIT_FAILED_NAMES" >"$3"
    env FUZZ_SECONDS="$4" FUZZ_TIMEOUT="$5" FUZZ_PARALLEL=1 "$1/tests/harness/fuzz.sh" >"$6" 2>&1 </dev/null || true
  ' side-lane "$PP_ROOT" "$SIDE_LOG" "$UNIT_RESULT" "${FUZZ_SECONDS:-60}" "${FUZZ_TIMEOUT:-30}" "$FUZZ_LOG" </dev/null &
  SIDE_PID=$!
}
finish_side_lane() {
  local line pass fail passed failed skipped names
  [ -n "$SIDE_PID" ] || return 0
  pp_step "unit tests (AddressSanitizer + UndefinedBehaviorSanitizer) and fuzz targets (side lane)"
  wait "$SIDE_PID" || true
  SIDE_PID=''
  if IFS='|' read -r passed failed skipped names <"$UNIT_RESULT" 2>/dev/null; then
    grep -E '^unit|^error|^---- failures|^\[  FAILED  \]|runtime error|ERROR: ' "$SIDE_LOG" | head -n 60 | sed 's/^/  /' || true
    suite_add unit "${passed:-0}" "${failed:-1}" "${skipped:-0}" "$names"
  else
    pp_err "the sanitized unit tests left no result; end of $SIDE_LOG:"
    tail -n 25 "$SIDE_LOG" >&2 || true
    suite_add unit 0 1 0 '(unit run)'
  fi
  grep -E '^(ok|FAIL): ' "$FUZZ_LOG" | sed 's/^/  /' || true
  line=$(grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed' "$FUZZ_LOG" | tail -n 1 || true)
  if [ -n "$line" ]; then
    pass=$(sed -E 's/^fuzz: ([0-9]+) passed.*/\1/' <<<"$line")
    fail=$(sed -E 's/^fuzz: [0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
    suite_add fuzz "$pass" "$fail" 0 "$(sed -nE 's/^FAIL: (fuzz_[a-z_]+).*/\1/p' "$FUZZ_LOG" | paste -sd ' ' -)"
  else
    pp_err "the fuzz run ended without a summary; end of $FUZZ_LOG:"
    tail -n 25 "$FUZZ_LOG" >&2 || true
    suite_add fuzz 0 1 0 '(fuzz run)'
  fi
}
# Ctrl-C or a failure: the side lane's processes (make, the compilers, the test binary, the
# fuzzers) go too: each process's children are listed before it is stopped, so that none is
# lost to reparenting and none is started after.
kill_tree() {
  local c kids
  kids=$(pgrep -P "$1" 2>/dev/null || true)
  kill -STOP "$1" 2>/dev/null || true
  for c in $kids; do kill_tree "$c"; done
  kill -TERM "$1" 2>/dev/null || true
  kill -CONT "$1" 2>/dev/null || true
}
trap 'stop_cluster; [ -z "$SIDE_PID" ] || kill_tree "$SIDE_PID"' EXIT

start_side_lane
pp_step "pg_regress suites"
run_regress
pp_step "integration tests"
run_integration
finish_side_lane

summary || exit 1
