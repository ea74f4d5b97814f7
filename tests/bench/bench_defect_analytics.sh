#!/usr/bin/env bash
# defect_rates and defect_heatmap over all data of load_demo(BENCH_SCALE)
# (default 1, seed 42, 'direct'): served from the quality aggregates
# (quality_order_day, defect_cell_day) after refresh_aggregates(), against
# the base-table computation (defect_rates_base, defect_heatmap_base).
# Median of BENCH_CALLS (5) calls each, in one session after a warm-up
# call; every result is checked identical to the base tables'. Then what
# the aggregates cost to keep: the first (full) refresh, and the refresh
# after appending one day of data (the newest day's orders, operations and
# defects again, a day later), with the append's statements timed with and
# without the quality aggregates' triggers. Target: every call under 100 ms.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning -c TimeZone=UTC"
scale=${BENCH_SCALE:-1}
calls=${BENCH_CALLS:-5}
# shellcheck source=../integration/db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/db_helpers.sh"
pp_fresh_databases pp_bench_defects
q() { psql -qX -d pp_bench_defects -v ON_ERROR_STOP=1 -At "$@"; }

if [ "$(q -c "SELECT to_regclass('prodplan.agg_quality_order_day') IS NULL")" = t ]; then
  echo "bench_defect_analytics: prodplan.agg_quality_order_day is missing (extension older than 0.8.0?)" >&2; exit 1
fi
q -c "SELECT prodplan.load_demo($scale, 42, 'direct') IS NOT NULL" >/dev/null
q -c "ANALYZE" >/dev/null
q <<'SQL'
CREATE SCHEMA bench;
-- Median milliseconds of n executions of a statement (after one warm-up).
CREATE FUNCTION bench.ms(stmt text, n int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t timestamptz; ms float8[] := '{}';
BEGIN
  EXECUTE stmt;
  FOR i IN 1 .. n LOOP
    t := clock_timestamp();
    EXECUTE stmt;
    ms := ms || extract(epoch FROM clock_timestamp() - t) * 1000;
  END LOOP;
  RETURN (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(ms) x);
END $$;
SQL

full=$(q -c "SELECT string_agg(aggregate || ' ' || round(seconds::numeric, 2) || ' s (' || rows_written || ' rows)', ', ' ORDER BY aggregate)
             FROM prodplan.refresh_aggregates() WHERE aggregate IN ('quality_order_day', 'defect_cell_day')")
counts=$(q -c "SELECT (SELECT count(*) FROM prodplan.production_order) || ' orders, ' || (SELECT count(*) FROM prodplan.operation)
                      || ' operations, ' || (SELECT count(*) FROM prodplan.defect) || ' defects'")
echo "load_demo($scale, 42, 'direct'): $counts"
echo "first (full) refresh of the quality aggregates: $full"
echo "paths: $(q -c "SELECT string_agg(a || ': ' || r.reason, '; ') FROM unnest(ARRAY['quality_order_day', 'defect_cell_day']) a,
                          LATERAL prodplan.agg_read_plan(a, NULL, NULL, NULL) r")"
printf '%-38s %14s %14s %8s %10s\n' "call (all data; median of $calls)" "aggregates ms" "base ms" ratio identical
fail=0
row() {  # label aggregate-call base-call: times both, checks the rows identical (in order)
  local out agg base same cols
  # defect_rates returns 8 columns, defect_heatmap 7 (and the ordinality).
  case $2 in *defect_rates*) cols="c1, c2, c3, c4, c5, c6, c7, c8, n" ;; *) cols="c1, c2, c3, c4, c5, c6, c7, n" ;; esac
  out=$(q -c "SELECT round(bench.ms(\$s\$SELECT count(*) FROM $2\$s\$, $calls)::numeric, 1),
                     round(bench.ms(\$s\$SELECT count(*) FROM $3\$s\$, $calls)::numeric, 1),
                     (SELECT array_agg(x::text ORDER BY n) FROM $2 WITH ORDINALITY x($cols))
                     IS NOT DISTINCT FROM (SELECT array_agg(x::text ORDER BY n) FROM $3 WITH ORDINALITY x($cols))")
  IFS='|' read -r agg base same <<<"$out"
  printf '%-38s %14s %14s %8s %10s\n' "$1" "$agg" "$base" "$(awk -v a="$agg" -v b="$base" 'BEGIN{printf "%.0fx", b/a}')" \
    "$([ "$same" = t ] && echo yes || echo NO)"
  [ "$same" = t ] || fail=1
}
for by in overall product work_center evaluating_phase severity week; do
  row "defect_rates('$by')" "prodplan.defect_rates('$by', NULL, NULL, '{\"ignore_gates\": true}')" \
      "prodplan.defect_rates_base('$by', NULL, NULL, '{\"ignore_gates\": true}')"
done
row "defect_heatmap()" "prodplan.defect_heatmap()" "prodplan.defect_heatmap_base()"
# A window that ends mid-day, as a dashboard's last 90 days would.
to=$(q -c "SELECT max(created_at) - interval '7 hours' FROM prodplan.production_order")
row "defect_rates('work_center'), 90 d" "prodplan.defect_rates('work_center', timestamptz '$to' - interval '90 days', '$to', '{\"ignore_gates\": true}')" \
    "prodplan.defect_rates_base('work_center', timestamptz '$to' - interval '90 days', '$to', '{\"ignore_gates\": true}')"
row "defect_heatmap(), 90 d" "prodplan.defect_heatmap(timestamptz '$to' - interval '90 days', '$to')" \
    "prodplan.defect_heatmap_base(timestamptz '$to' - interval '90 days', '$to')"

# One more day: a week-old day's orders, operations and defects again, on
# the day after the newest order (new ids; the operations belong to the same
# orders as the originals, created days or weeks before; the defects too).
append="
CREATE TEMP TABLE d AS SELECT ref, ((SELECT max(created_at) AT TIME ZONE 'UTC' FROM prodplan.production_order)::date + 1 - ref) * interval '1 day' AS shift
FROM (SELECT (max(created_at) AT TIME ZONE 'UTC')::date - 7 AS ref FROM prodplan.production_order) r;
INSERT INTO prodplan.production_order (plant_id, order_id, product_id, created_at, due_at)
SELECT plant_id, order_id || '-next', product_id, created_at + d.shift, due_at + d.shift
FROM prodplan.production_order, d
WHERE created_at >= d.ref::timestamp AT TIME ZONE 'UTC' AND created_at < (d.ref + 1)::timestamp AT TIME ZONE 'UTC';
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, is_rework, started_at, ended_at, event_time)
SELECT plant_id, operation_id || '-next', order_id, work_center_id, sequence, is_rework, started_at + d.shift, ended_at + d.shift,
       event_time + d.shift
FROM prodplan.operation, d
WHERE event_time >= d.ref::timestamp AT TIME ZONE 'UTC' AND event_time < (d.ref + 1)::timestamp AT TIME ZONE 'UTC';
INSERT INTO prodplan.defect (plant_id, order_id, evaluation_operation_id, description, culprit_operation_id,
                             evaluation_work_center_id, severity, detected_at)
SELECT plant_id, order_id, evaluation_operation_id, description || ' (next)', culprit_operation_id, evaluation_work_center_id,
       severity, detected_at + d.shift
FROM prodplan.defect, d
WHERE detected_at >= d.ref::timestamp AT TIME ZONE 'UTC' AND detected_at < (d.ref + 1)::timestamp AT TIME ZONE 'UTC';"
triggers="agg_quality_operation_ins ON prodplan.operation, agg_quality_order_ins ON prodplan.production_order, agg_quality_defect_ins ON prodplan.defect"
ms_append() {  # with or without the quality triggers; rolled back
  local toggle=""
  if [ "$1" = without ]; then
    toggle=$(echo "$triggers" | tr ',' '\n' | sed 's/^ *\(.*\) ON \(.*\)$/ALTER TABLE \2 DISABLE TRIGGER \1;/')
  fi
  # The Time lines: the append (all its statements), then the ROLLBACK.
  # (JIT off: compiling the statements would take seconds and hide the rest.)
  PGOPTIONS="$PGOPTIONS -c jit=off" q -c "BEGIN" -c "$toggle" -c '\timing on' -c "$append" -c "ROLLBACK" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' |
    awk '{t[NR] = $1} END {printf "%.0f", t[NR - 1]}'
}
with=$(ms_append with)
without=$(ms_append without)
PGOPTIONS="$PGOPTIONS -c jit=off" q -c "$append" >/dev/null
rows=$(q -c "SELECT (SELECT count(*) FROM prodplan.production_order WHERE order_id LIKE '%-next') || ' orders, '
                    || (SELECT count(*) FROM prodplan.operation WHERE operation_id LIKE '%-next') || ' operations, '
                    || (SELECT count(*) FROM prodplan.defect WHERE description LIKE '% (next)') || ' defects'")
pending=$(q -c "SELECT string_agg(aggregate || ' ' || n || ' ranges, ' || days || ' days', '; ' ORDER BY aggregate)
                FROM (SELECT aggregate, count(*) AS n, sum(to_day - from_day + 1) AS days FROM prodplan.aggregate_invalidation
                      WHERE aggregate IN ('quality_order_day', 'defect_cell_day') GROUP BY 1) x")
echo "append one day: $rows; its inserts $with ms with the quality aggregates' triggers, $without ms without (logged: $pending)"
echo "calls before the refresh (changed days from the base tables): defect_rates('work_center') $(q -c "SELECT round(bench.ms(\$s\$SELECT count(*) FROM prodplan.defect_rates('work_center', NULL, NULL, '{\"ignore_gates\": true}')\$s\$, $calls)::numeric, 1)") ms, defect_heatmap() $(q -c "SELECT round(bench.ms(\$s\$SELECT count(*) FROM prodplan.defect_heatmap()\$s\$, $calls)::numeric, 1)") ms"
inc=$(q -c "SELECT string_agg(aggregate || ' ' || round(seconds * 1000)::text || ' ms (' || ranges || ' ranges)', ', ' ORDER BY aggregate)
            FROM prodplan.refresh_aggregates()")
echo "refresh after the append: $inc"
for by in overall work_center; do
  row "after the append: defect_rates('$by')" "prodplan.defect_rates('$by', NULL, NULL, '{\"ignore_gates\": true}')" \
      "prodplan.defect_rates_base('$by', NULL, NULL, '{\"ignore_gates\": true}')"
done
row "after the append: defect_heatmap()" "prodplan.defect_heatmap()" "prodplan.defect_heatmap_base()"
exit $fail
