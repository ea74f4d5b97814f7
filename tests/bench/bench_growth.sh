#!/usr/bin/env bash
# How cost grows with data size: the main operations on load_demo(SCALE, 42) at each scale of
# BENCH_SCALES (default "0.1 1 5"; scale 1 is about 0.5 M operation rows, 5 about 2.5 M), each
# scale in a fresh database that is dropped when the scale is done (to free the disk).
#
#   load_demo        prodplan.load_demo(scale, 42, BENCH_VIA): generating the demo factory and
#                    loading it; BENCH_VIA is 'direct' by default (rows straight into the tables,
#                    through the same merge), since an .xlsx sheet holds at most 1,048,575 rows
#                    and scale 5's operations sheet has 2.6 M ('workbook' works up to about 2;
#                    bench_ingest.sh measures the workbook path)
#   refresh_aggs     the first (full) prodplan.refresh_aggregates()
#   plan             prodplan.plan('{"plant": "DEMO", "time_limit_ms": 2000}'): the time limit
#                    caps the search, so beyond small data its time says little about growth
#   kpis_by_wc       prodplan.kpis(from, to, 'work_center'), the first call (a result_cache miss)
#   order_status     count(*) of the view prodplan.order_status
#   order_details    prodplan.order_detail for 200 orders (the first 200 by order_id of the open
#                    ones and those created in the window below), in one statement: a detail
#                    screen's read, 200 times (0.23.0)
#   order_list_doc   the first prodplan.order_list_document('DEMO', from): the list rebuilt
#   gantt_doc        prodplan.gantt_document(plan): the plan's Gantt as a screen reads it
#   risk_queue       count(*) of prodplan.risk_queue()
#   defect_rates     count(*) of prodplan.defect_rates('work_center', from, to)
#   bottlenecks      count(*) of prodplan.bottlenecks(from, to)
#   simulate         count(*) of prodplan.simulate(plan, 200)
#   whatif           prodplan.whatif('[{"type": "duration_factor", "work_center": WC, "factor": 1.1}]',
#                    plan), WC the work center with the most operations in the plan (the change
#                    needs a work center or a product); its local search has a 100 ms default limit
#   export_xlsx      length(prodplan.export_xlsx('plan'))
#   train_leadtime   prodplan.train_leadtime('{}')
#
# in that order, where from .. to is the last 90 days of data (to = the day after the last day
# with completed operations in agg_operation_day). ANALYZE runs, untimed, after load_demo and
# after the refresh. Each time is measured with clock_timestamp() in the session that runs the
# call (no connection time). Prints one table: seconds per operation at each scale, then the
# largest scale's time over the base scale's (scale 1 if listed, else the first scale listed, or
# the smallest when the first is the largest), the data ratio (operation rows, first line of the
# table) and the growth exponent log(time ratio) / log(data ratio): below 0.2 flat, below 0.8
# sub-linear, up to 1.2 linear, above super-linear. Times of a few ms are mostly noise, and on a
# busy machine so is anything short. An operation that fails prints n/a,
# with the first line of its error below the table; the script goes on.
# Exit status 1 if load_demo fails at any scale, else 0.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
read -r -a scales <<<"${BENCH_SCALES:-0.1 1 5}"
via=${BENCH_VIA:-direct}
case $via in direct | workbook) ;; *) echo "bench_growth: BENCH_VIA must be direct or workbook" >&2; exit 2 ;; esac
[ ${#scales[@]} -gt 0 ] || { echo "bench_growth: BENCH_SCALES is empty" >&2; exit 2; }
for s in "${scales[@]}"; do
  if ! [[ $s =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] || ! awk -v s="$s" 'BEGIN{exit !(s > 0)}'; then
    echo "bench_growth: bad scale '$s' in BENCH_SCALES" >&2
    exit 2
  fi
done
db=pp_bench_growth
work=$(mktemp -d "${TMPDIR:-/tmp}/pp_growth.XXXXXX")
# shellcheck source=../integration/db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/db_helpers.sh"
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() { rm -rf "$work"; pp_drop_test_databases; }
trap cleanup EXIT
q() { psql -qX -d "$db" -v ON_ERROR_STOP=1 -At "$@"; }

ops=(load_demo refresh_aggs plan kpis_by_wc order_status order_details order_list_doc gantt_doc risk_queue
  defect_rates bottlenecks simulate whatif export_xlsx train_leadtime)
declare -A secs=()   # [op,scale] -> seconds or n/a
declare -A value=()  # [op,scale] -> what the call returned
declare -A oprows=() # [scale] -> operation rows loaded
errors=()            # "scale op: first line of the error"

# timed OP SCALE SQL: runs SQL (one statement returning one value) timed with clock_timestamp()
# in its session; stores secs[OP,SCALE] and value[OP,SCALE], or n/a and the error. Status 1 on error.
timed() {
  local op=$1 scale=$2 sql=$3 out err
  if out=$(q 2>"$work/err" <<SQL
SELECT clock_timestamp() AS t0 \gset
$sql;
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 3);
SQL
  ); then
    secs[$op,$scale]=$(tail -n 1 <<<"$out")
    value[$op,$scale]=$(sed '$d' <<<"$out" | head -n 1)
    return 0
  fi
  err=$(grep -m 1 'ERROR' "$work/err" || head -n 1 "$work/err")
  err=$(sed -E 's/^psql:[^ ]* //; s/^ERROR: +//' <<<"$err")
  secs[$op,$scale]=n/a
  errors+=("scale $scale, $op: ${err:-failed without a message}")
  return 1
}
skip() {  # skip OP SCALE REASON: n/a without running it
  secs[$1,$2]=n/a
  errors+=("scale $2, $1: not run ($3)")
}

echo "bench_growth: $(nproc) cores, $(date '+%Y-%m-%d %H:%M:%S %Z'), prodplan.load_demo scales ${scales[*]}, seed 42, via $via"
load_failed=0
for scale in "${scales[@]}"; do
  pp_fresh_databases "$db"
  trap cleanup EXIT # pp_fresh_databases sets its own
  t=$SECONDS plan='' from='' to=''
  if ! timed load_demo "$scale" "SELECT prodplan.load_demo($scale, 42, '$via') -> 'rows' ->> 'operation'"; then
    load_failed=1
    errors+=("scale $scale: nothing else run (load_demo failed)")
  else
    oprows[$scale]=${value[load_demo,$scale]}
    q -c "ANALYZE" >/dev/null
    refreshed=0
    if timed refresh_aggs "$scale" "SELECT count(*) FROM prodplan.refresh_aggregates()"; then
      refreshed=1
      q -c "ANALYZE" >/dev/null
    fi
    if timed plan "$scale" "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 2000}')"; then
      plan=${value[plan,$scale]}
    fi
    [ $refreshed = 0 ] || to=$(q -c "SELECT max(day) + 1 FROM prodplan.agg_operation_day WHERE plant_id = 'DEMO' AND completed > 0" 2>/dev/null || true)
    [ -z "$to" ] || from=$(q -c "SELECT date '$to' - 90")
    window="timestamptz '$from', timestamptz '$to'"
    if [ -n "$to" ]; then
      timed kpis_by_wc "$scale" "SELECT count(*) FROM prodplan.kpis($window, 'work_center')" || true
    else
      skip kpis_by_wc "$scale" "no window: no refreshed aggregates with completed operations"
    fi
    timed order_status "$scale" "SELECT count(*) FROM prodplan.order_status" || true
    if [ -n "$to" ]; then
      timed order_details "$scale" "SELECT sum(length(prodplan.order_detail(o.plant_id, o.order_id)::text))
        FROM (SELECT plant_id, order_id FROM prodplan.production_order
              WHERE plant_id = 'DEMO' AND (finished_at IS NULL OR created_at >= timestamptz '$from')
              ORDER BY order_id LIMIT 200) o" || true
      timed order_list_doc "$scale" "SELECT length(prodplan.order_list_document('DEMO', timestamptz '$from')::text)" || true
    else
      skip order_details "$scale" "no window"
      skip order_list_doc "$scale" "no window"
    fi
    if [ -n "$plan" ]; then
      timed gantt_doc "$scale" "SELECT length(prodplan.gantt_document($plan)::text)" || true
    else
      skip gantt_doc "$scale" "plan failed"
    fi
    timed risk_queue "$scale" "SELECT count(*) FROM prodplan.risk_queue()" || true
    if [ -n "$to" ]; then
      timed defect_rates "$scale" "SELECT count(*) FROM prodplan.defect_rates('work_center', $window)" || true
      timed bottlenecks "$scale" "SELECT count(*) FROM prodplan.bottlenecks($window)" || true
    else
      skip defect_rates "$scale" "no window"
      skip bottlenecks "$scale" "no window"
    fi
    if [ -n "$plan" ]; then
      timed simulate "$scale" "SELECT count(*) FROM prodplan.simulate($plan, 200)" || true
      # duration_factor needs a work center or a product: the plan's busiest work center.
      wc=$(q -c "SELECT work_center_id FROM prodplan.planned_operations WHERE plan_id = $plan GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1" || true)
      timed whatif "$scale" "SELECT prodplan.whatif('[{\"type\": \"duration_factor\", \"work_center\": \"$wc\", \"factor\": 1.1}]', $plan)" || true
    else
      skip simulate "$scale" "plan failed"
      skip whatif "$scale" "plan failed"
    fi
    timed export_xlsx "$scale" "SELECT length(prodplan.export_xlsx('plan'))" || true
    timed train_leadtime "$scale" "SELECT prodplan.train_leadtime('{}')" || true
  fi
  psql -qX -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  echo "scale $scale: ${oprows[$scale]:-no} operation rows, window ${from:-?} to ${to:-?}, plan ${plan:-none}, done in $((SECONDS - t)) s" >&2
done

# The base scale (1, else the first listed; the smallest when the first is the largest) and the largest.
big=${scales[0]} small=${scales[0]} base=''
num() { awk -v a="$1" -v b="$3" "BEGIN{exit !(a $2 b)}"; }  # num A OP B: numeric test
for s in "${scales[@]}"; do
  if num "$s" '>' "$big"; then big=$s; fi
  if num "$s" '<' "$small"; then small=$s; fi
  if [ -z "$base" ] && num "$s" == 1; then base=$s; fi
done
[ -n "$base" ] || base=${scales[0]}
[ "$base" != "$big" ] || base=$small
ratio() {  # ratio A B: A / B, or - when either is missing or not above 0
  awk -v a="${1:-}" -v b="${2:-}" 'BEGIN{
    if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || a + 0 <= 0 || b + 0 <= 0) { print "-"; exit }
    printf (a / b < 10 ? "%.2f" : "%.1f"), a / b }'
}
data_ratio=$(ratio "${oprows[$big]:-}" "${oprows[$base]:-}")
exponent() {  # exponent TIME_BIG TIME_BASE: log(time ratio) / log(data ratio) and a word
  awk -v a="${1:-}" -v b="${2:-}" -v rb="${oprows[$big]:-}" -v rs="${oprows[$base]:-}" 'BEGIN{
    if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || a + 0 <= 0 || b + 0 <= 0) { print "-"; exit }
    if (rb !~ /^[0-9]+$/ || rs !~ /^[0-9]+$/ || rs + 0 <= 0 || rb / rs <= 1.05) { print "-"; exit }
    e = log(a / b) / log(rb / rs)
    printf "%.2f %s", e, (e < 0.2 ? "flat" : e < 0.8 ? "sub" : e <= 1.2 ? "linear" : "super") }'
}

echo
col=12
printf '%-16s' "scale"
for s in "${scales[@]}"; do printf " %${col}s" "$s"; done
printf " %14s %8s  %s\n" "x $base->$big" "data x" "exponent"
printf '%-16s' "operation rows"
for s in "${scales[@]}"; do printf " %${col}s" "${oprows[$s]:-n/a}"; done
printf " %14s %8s\n" "$data_ratio" "$data_ratio"
for op in "${ops[@]}"; do
  printf '%-16s' "$op"
  for s in "${scales[@]}"; do printf " %${col}s" "${secs[$op,$s]:-n/a}"; done
  printf " %14s %8s  %s\n" "$(ratio "${secs[$op,$big]:-}" "${secs[$op,$base]:-}")" "$data_ratio" \
    "$(exponent "${secs[$op,$big]:-}" "${secs[$op,$base]:-}")"
done
echo "(seconds; x: time at scale $big over time at scale $base; data x: operation rows the same way;"
echo " exponent: log(x) / log(data x): < 0.2 flat, < 0.8 sub-linear, <= 1.2 linear, else super-linear;"
echo " plan's search is capped by its 2 s time limit, whatif's by its default 100 ms)"
if [ ${#errors[@]} -gt 0 ]; then
  echo
  echo "errors:"
  printf '  %s\n' "${errors[@]}"
fi
exit "$load_failed"
