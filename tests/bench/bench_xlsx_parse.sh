#!/usr/bin/env bash
# Benchmark of the streaming xlsx reader: runs the bench_xlsx_parse binary
# (tests/bench/bench_xlsx_parse.cpp) built by cmake in $BENCH_BIN_DIR
# (default build/cmake-release). `make bench` calls it with a cluster's
# environment, which it ignores: the reader needs no server.
#   BENCH_SCALE                  demo scale (default 1, the ~1.1 M-row export)
#   PRODPLAN_BENCH_SKIP_OPENPYXL 1 skips the openpyxl comparison (~60-90 s at
#                                scale 1). Default here: 1, because `make bench`
#                                also runs the binary itself, with openpyxl;
#                                set it to 0 to include openpyxl in this run.
# Exit status 77 (skipped) when the binary was not built.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin_dir=${BENCH_BIN_DIR:-build/cmake-release}
case "$bin_dir" in /*) ;; *) bin_dir=$root/$bin_dir ;; esac
bin=$bin_dir/bench_xlsx_parse
if [ ! -x "$bin" ]; then
  echo "bench_xlsx_parse: $bin not built (cmake -DCMAKE_BUILD_TYPE=Release; needs libbenchmark-dev)" >&2
  exit 77
fi
args=("${BENCH_SCALE:-1}")
if [ "${PRODPLAN_BENCH_SKIP_OPENPYXL:-1}" != 0 ]; then
  args+=(--skip-openpyxl)
fi
exec env PRODPLAN_BENCH_SKIP_OPENPYXL="${PRODPLAN_BENCH_SKIP_OPENPYXL:-1}" "$bin" "${args[@]}"
