#!/usr/bin/env bash
# make bench: build + install, build the cmake benchmarks (Release, build/cmake-release), start a
# throwaway preloaded cluster, run every tests/bench/bench_*.sh (same environment as integration
# tests) and every benchmark binary built from tests/bench/*.cpp, print their output (also kept
# in build/bench/), stop the cluster. Exit status non-zero if any of them failed.
# BENCH_ONLY (names, space-separated) runs only those: make load and make growth use it.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
pp_clean_make_env
cd "$PP_ROOT"

CLUSTER=''
stop_cluster() {
  if [ -n "$CLUSTER" ]; then
    local dir=$CLUSTER
    CLUSTER=''
    cp "$dir/server.log" "$PP_LOGDIR/bench-server.log" 2>/dev/null || true
    pp_temp_cluster_stop "$dir" >/dev/null 2>&1 || pp_err "could not stop the bench cluster in $dir"
  fi
}
trap stop_cluster EXIT
trap 'echo; pp_err "interrupted"; exit 130' INT
trap 'pp_err "terminated"; exit 143' TERM

pp_step "dependencies"
# MiniZinc with Gecode: the job-shop peer (tests/bench/bench_jobshop_minizinc.sh);
# scikit-learn: the lead-time peers (tests/bench/leadtime_peers.py).
pp_deps minizinc python3-sklearn
pp_step "build and install prodplan.so"
pp_build

BDIR=$PP_ROOT/build/cmake-release
OUT=$PP_ROOT/build/bench
rm -rf "$OUT"
mkdir -p "$OUT"
failed=()

shopt -s nullglob
sources=("$PP_ROOT"/tests/bench/*.cpp)
scripts=("$PP_ROOT"/tests/bench/bench_*.sh)
shopt -u nullglob
# BENCH_ONLY="bench_load bench_growth": only these (scripts or binaries, by name).
if [ -n "${BENCH_ONLY:-}" ]; then
  keep() { local f n; for f in "$@"; do n=$(basename "$f"); n=${n%.*}; [[ " $BENCH_ONLY " == *" $n "* ]] && echo "$f"; done; }
  mapfile -t sources < <(keep "${sources[@]}")
  mapfile -t scripts < <(keep "${scripts[@]}")
  pp_say "bench: only ${BENCH_ONLY}"
fi

if [ ${#sources[@]} -gt 0 ]; then
  pp_step "benchmark binaries (cmake Release)"
  log=$(pp_logdir)/bench-build.log
  : >"$log"
  home=''
  [ ! -f "$BDIR/CMakeCache.txt" ] || home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BDIR/CMakeCache.txt")
  [ -z "$home" ] || [ "$home" = "$PP_ROOT" ] || rm -rf "$BDIR"
  pp_run_logged "$log" 100 cmake -S "$PP_ROOT" -B "$BDIR" -DCMAKE_BUILD_TYPE=Release \
    -DPRODPLAN_WERROR=OFF -DPRODPLAN_SHARED="$(pp_shared_dir)"
  pp_run_logged "$log" 100 cmake --build "$BDIR" -j2
  pp_say "built (log: $log)"
fi

if [ ${#scripts[@]} -gt 0 ]; then
  pp_step "throwaway cluster"
  pp_temp_cluster_start
  CLUSTER=$PP_CLUSTER_DIR
  pp_say "cluster: $CLUSTER, port $PP_PORT"
  for script in "${scripts[@]}"; do
    name=$(basename "$script" .sh)
    pp_step "$name"
    rc=0
    t=$SECONDS
    pp_run_script "$script" "$CLUSTER" "$OUT/$name.log" "${PRODPLAN_BENCH_TIMEOUT:-3600}" || rc=$?
    pp_exit_if_interrupted
    cat "$OUT/$name.log"
    if [ "$rc" -eq 0 ]; then
      pp_say "($name: ok, $((SECONDS - t)) s)"
    elif [ "$rc" -eq 77 ]; then
      pp_say "($name: skipped)"
    else
      pp_say "($name: FAILED, exit status $rc)"
      failed+=("$name")
    fi
    if ! pp_cluster_running "$CLUSTER"; then
      pp_err "the server is down after $name; restarting it"
      tail -n 40 "$CLUSTER/server.log" >&2 || true
      pp_cluster_start "$CLUSTER"
    fi
  done
fi

for src in "${sources[@]}"; do
  name=$(basename "$src" .cpp)
  bin=$BDIR/$name
  pp_step "$name"
  if [ ! -x "$bin" ]; then
    pp_say "($name was not built: is libbenchmark-dev installed?)"
    failed+=("$name")
    continue
  fi
  rc=0
  (cd "$PP_ROOT" && env PRODPLAN_ROOT="$PP_ROOT" PRODPLAN_SHARED="$(pp_shared_dir)" "$bin") 2>&1 </dev/null |
    tee "$OUT/$name.log" || rc=$?
  pp_note_rc "$rc"
  pp_exit_if_interrupted
  [ "$rc" -eq 0 ] || { pp_say "($name: FAILED, exit status $rc)"; failed+=("$name"); }
done

stop_cluster
if [ ${#sources[@]} -eq 0 ] && [ ${#scripts[@]} -eq 0 ]; then
  pp_say "no benchmarks in tests/bench"
fi
if [ ${#failed[@]} -gt 0 ]; then
  pp_err "failed: ${failed[*]}"
  exit 1
fi
pp_say "bench: done (outputs in build/bench/)"
