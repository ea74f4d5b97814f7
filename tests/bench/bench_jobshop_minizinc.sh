#!/usr/bin/env bash
# MiniZinc/Gecode reference for bench_jobshop: solves the same public
# instances ($PRODPLAN_SHARED/bench, default ../shared relative to the working
# directory) with tests/bench/jobshop.mzn (classic) and fjobshop.mzn
# (flexible), each with `minizinc --solver gecode --time-limit N`, and prints
# the same per-instance lines and per-family mean-gap table as bench_jobshop,
# so a wrapper can show ours vs MiniZinc side by side.
#
#   bench_jobshop_minizinc.sh [--time-ms N] [--filter REGEX] [--family ft,la,...] [--jobs K]
#
# The time limit covers MiniZinc's flattening too. An instance without any
# solution within the limit is printed with "-" and left out of the means
# (its count is shown as "no_sol"). Prints "skipped" and exits 0 when
# minizinc, gecode or the instances are missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
time_ms=1000
filter=""
families=""
jobs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --time-ms) time_ms=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    --family) families=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    *) echo "usage: $0 [--time-ms N] [--filter REGEX] [--family ft,la,...] [--jobs K]" >&2; exit 2 ;;
  esac
done
shared=${PRODPLAN_SHARED:-../shared}
bench="$shared/bench"
if ! command -v minizinc >/dev/null 2>&1; then
  echo "bench_jobshop_minizinc: skipped (minizinc not installed)"
  exit 0
fi
if ! minizinc --solvers 2>/dev/null | grep -qi gecode; then
  echo "bench_jobshop_minizinc: skipped (no gecode solver for minizinc)"
  exit 0
fi
if [ ! -d "$bench/jssp" ] && [ ! -d "$bench/fjsp" ]; then
  echo "bench_jobshop_minizinc: skipped (no instances under $bench)"
  exit 0
fi
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)
work=$(mktemp -d "${TMPDIR:-/tmp}/pp_mzn.XXXXXX")
trap 'rm -rf "$work"' EXIT

# One tab-separated task per instance: name family format path best lower.
"$python" - "$bench" "$filter" "$families" > "$work/tasks.tsv" <<'PY'
import csv, os, re, sys
bench, flt, fams = sys.argv[1], sys.argv[2], sys.argv[3]
wanted = [f for f in fams.split(",") if f]
def family(name):
    for f in ("edata", "rdata", "vdata"):
        if name.startswith("hurink_" + f): return f
    for f in ("kacem", "abz", "orb", "swv", "ft", "la", "yn", "mk"):
        if name.startswith(f): return f
    return "other"
for d, ext, fmt, csvname in (("jssp", ".txt", "jsp", "jssp_bounds.csv"), ("fjsp", ".fjs", "fjs", "fjsp_bounds.csv")):
    if not os.path.isdir(os.path.join(bench, d)): continue
    bounds = {}
    with open(os.path.join(bench, csvname)) as f:
        for row in csv.DictReader(f): bounds[row["name"]] = (row["upper_bound"], row["lower_bound"])
    for fn in sorted(os.listdir(os.path.join(bench, d))):
        if not fn.endswith(ext): continue
        name = fn[:-len(ext)]
        if flt and not re.search(flt, name): continue
        fam = family(name)
        if wanted and fam not in wanted: continue
        ub, lb = bounds.get(name, ("", ""))
        print("\t".join([name, fam, fmt, os.path.join(bench, d, fn), ub or "-1", lb or "-1"]))
PY

# Converts one instance file to .dzn for jobshop.mzn / fjobshop.mzn.
to_dzn() {
  "$python" - "$1" "$2" <<'PY'
import sys
fmt, path = sys.argv[1], sys.argv[2]
lines = [l.split() for l in open(path) if l.split()]
while lines and not lines[0][0].lstrip("+-").isdigit(): lines.pop(0)
n_jobs, n_machines = int(lines[0][0]), int(lines[0][1])
rows = [list(map(int, l)) for l in lines[1:1 + n_jobs]]
if fmt == "jsp":
    n_ops = len(rows[0]) // 2
    mach = [[r[2 * k] for k in range(n_ops)] for r in rows]
    dur = [[r[2 * k + 1] for k in range(n_ops)] for r in rows]
    flat = lambda a: ",".join(str(x) for r in a for x in r)
    print(f"n_jobs = {n_jobs}; n_ops = {n_ops}; n_machines = {n_machines};")
    print(f"machine = array2d(1..{n_jobs}, 1..{n_ops}, [{flat(mach)}]);")
    print(f"duration = array2d(1..{n_jobs}, 1..{n_ops}, [{flat(dur)}]);")
else:
    first, last, aop, am, ad = [], [], [], [], []
    op = 0
    for r in rows:
        n, i = r[0], 1
        for k in range(n):
            op += 1
            first.append(k == 0); last.append(k == n - 1)
            cnt = r[i]; i += 1
            alts = sorted((r[i + 2 * a + 1], r[i + 2 * a] - 1) for a in range(cnt))  # shortest first
            i += 2 * cnt
            for d, m in alts:
                aop.append(op); am.append(m); ad.append(d)
    b = lambda v: ",".join("true" if x else "false" for x in v)
    i = lambda v: ",".join(map(str, v))
    print(f"n_ops = {op}; n_machines = {n_machines}; n_alts = {len(aop)};")
    print(f"first_of_job = [{b(first)}]; last_of_job = [{b(last)}];")
    print(f"alt_op = [{i(aop)}]; alt_machine = [{i(am)}]; alt_duration = [{i(ad)}];")
PY
}

# Solves one task line; prints "name family best ours gap seconds".
solve_one() {
  IFS=$'\t' read -r name fam fmt path best lower <<<"$1"
  local model="$here/jobshop.mzn"
  [ "$fmt" = fjs ] && model="$here/fjobshop.mzn"
  local dzn="$work/$name.dzn"
  to_dzn "$fmt" "$path" > "$dzn"
  local t0 t1 out ms
  t0=$(date +%s.%N)
  out=$(minizinc --solver gecode --time-limit "$time_ms" "$model" "$dzn" 2>/dev/null)
  t1=$(date +%s.%N)
  ms=$(printf '%s\n' "$out" | sed -n 's/^makespan = \([0-9]*\)$/\1/p' | tail -1)
  [ -n "$ms" ] || ms=-
  awk -v n="$name" -v f="$fam" -v b="$best" -v m="$ms" -v t0="$t0" -v t1="$t1" 'BEGIN {
    gap = (m == "-" || b <= 0) ? "-" : sprintf("%.2f", 100 * (m - b) / b);
    printf "%-22s %-6s %8s %8s %7s %7.2f\n", n, f, b, m, gap, t1 - t0 }'
  rm -f "$dzn"
}
export -f to_dzn solve_one
export here work python time_ms

count=$(wc -l < "$work/tasks.tsv")
echo "bench_jobshop_minizinc: $count instances, gecode, ${time_ms} ms each, $jobs at once"
printf '%-22s %-6s %8s %8s %7s %7s\n' instance family best minizinc gap% sec
tr '\n' '\0' < "$work/tasks.tsv" | xargs -0 -r -P "$jobs" -I{} bash -c 'solve_one "$1"' _ {} | tee "$work/results.txt"

echo
awk 'BEGIN { split("ft la abz orb swv yn mk kacem edata rdata vdata other", order, " ") }
  { fam = $2; n[fam]++; if ($5 == "-") { nosol[fam]++; next }
    sum[fam] += $5; cnt[fam]++; if (!(fam in mx) || $5 > mx[fam]) mx[fam] = $5; if ($4 <= $3) best[fam]++ }
  END {
    printf "%-8s %6s %9s %9s %9s %7s\n", "family", "count", "mean_gap%", "max_gap%", "at_best", "no_sol"
    for (i = 1; i <= 12; i++) { f = order[i]; if (!(f in n)) continue
      if (cnt[f] > 0) printf "%-8s %6d %9.2f %9.2f %9d %7d\n", f, n[f], sum[f] / cnt[f], mx[f], best[f] + 0, nosol[f] + 0
      else printf "%-8s %6d %9s %9s %9d %7d\n", f, n[f], "-", "-", 0, nosol[f] + 0
      tsum += sum[f]; tcnt += cnt[f] }
    if (tcnt > 0) printf "%-8s %6d %9.2f\n", "all", tcnt, tsum / tcnt }' "$work/results.txt"
