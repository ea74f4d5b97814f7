#!/usr/bin/env bash
# Functions that run with the extension owner's rights, and SQL built from
# arguments (issue 11), on load_demo(0.02):
#  1. Every SECURITY DEFINER function of the extension is in the reviewed
#     list below (with why it needs the owner's rights) and pins
#     search_path to exactly "pg_catalog, pg_temp"; every other function
#     pins search_path too, except the listed sketch aggregate support
#     functions (C, they resolve no name; an aggregate cannot carry
#     settings). A new definer function, or one that stops pinning, fails.
#  2. A search_path attack: a planner and an admin put a schema of their own
#     first in search_path, holding look-alikes of what the definer
#     functions call unqualified (the text and date = operators, now(),
#     clock_timestamp(), md5, array_position, unnest, format, set_config)
#     that record every call. A control query shows the trap works in the
#     attacker's own session; then every definer function is reached
#     (source-table triggers by writes, the refresh, KPIs and their cache,
#     metrics, KPI snapshots, partition upkeep): none of the look-alikes
#     ever runs, and the calls succeed.
#  3. Crafted arguments: plant ids, job names, report names, table names
#     and keys with quotes, semicolons and SQL are taken as data (stored
#     and found verbatim, or refused with an error of a user class); a
#     canary table survives and the plans table keeps its rows.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
db=pp_secdef
pp_fresh_databases "$db"
roles="pp_evil_planner pp_evil_admin"
drop_roles() {
  local r
  for r in $roles; do psql -qX -d postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1 || true; done
}
trap 'pp_drop_test_databases; drop_roles' EXIT
drop_roles
q() { psql -qX -d "$db" -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

# --- 1. the catalog ---------------------------------------------------------
# Reviewed: why each needs the owner's rights.
reviewed="
agg_defect_changed()                 statement trigger: writes the invalidation log for writers of defect
agg_operation_changed()              statement trigger: writes the invalidation log for writers of operation
agg_order_changed()                  statement trigger: writes the invalidation log for writers of production_order
agg_quality_defect_changed()         statement trigger: the quality aggregates' log
agg_quality_operation_changed()      statement trigger: the quality aggregates' log and pending first visits
agg_quality_order_changed()          statement trigger: the quality aggregates' log
agg_quality_source_truncated()       TRUNCATE trigger: resets the quality watermarks
agg_source_truncated()               TRUNCATE trigger: resets the watermarks
bump_data_version(text)              writers of any role bump the shared data version
bump_data_version_trigger()          trigger of configuration tables: bumps the data version
ensure_partitions(timestamp with time zone,timestamp with time zone)  ingest creates missing monthly partitions (DDL)
ensure_table_partitions(text,timestamp with time zone,timestamp with time zone)  the same for one table
ingest_run_bumps_version()           trigger of ingest_runs: bumps the data version
visible_plants(name)                 policies read the role-to-plant mapping, which the roles cannot read
kpis(timestamp with time zone,timestamp with time zone,text,text)  readers fill the shared result cache
order_progress_changed()             statement trigger: lists the changed orders in order_progress_pending for writers of operation
order_defects_changed()              statement trigger: lists the changed orders in order_defects_pending for writers of defect
planned_operations_document_changed()  statement trigger: rebuilds the plans' Gantt documents (gantt_documents, which no role writes) for writers of planned_operations
order_list_changed()                 statement trigger: logs the plants whose order list changed (order_list_changes, which no role writes) for writers of orders, plans, bars and operations
order_list_document(text,timestamp with time zone)  readers rebuild a stale order list (order_list_documents, which no role writes); it checks the caller's plants itself
expire_order_list_documents()        the minute's job and admins drop changed plants' order lists and their change log
after_restore()                      admins finish a pg_restore: data version, progress, aggregates, Gantt documents, plant security
apply_order_progress(boolean)        planners, load_demo, ingest and the job rewrite order_progress and order_defects from the pending lists
maintain_partitions(text)            the hourly jobs (one per table) and admins create, move and detach partitions (DDL)
metric_samples()                     readers see job and run counts across owners (aggregates only)
refresh_aggregates()                 planners and the job rewrite the aggregate tables
set_plant_security(boolean)          admins turn row-level security by plant on and off (ALTER TABLE, CREATE POLICY)
snapshot_kpis(date)                  the daily job writes kpi_snapshots
"
unpinned_ok="sketch_agg_add sketch_merge_add sketch_final sketch_combine sketch_serialize sketch_deserialize sketch_add sketch_agg sketch_merge"
definers=$(q -c "SELECT regexp_replace(p.oid::regprocedure::text, '^prodplan\.', '') || '|' || coalesce(array_to_string(p.proconfig, ';'), '')
                 FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
                 JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'prodplan'
                 WHERE p.prosecdef ORDER BY 1")
n=0
while IFS='|' read -r sig conf; do
  [ -n "$sig" ] || continue
  n=$((n + 1))
  if ! grep -qF "$sig " <<<"$reviewed"; then bad "SECURITY DEFINER function not reviewed: $sig"; fi
  case ";$conf;" in
    *";search_path=pg_catalog, pg_temp;"*) ;;
    *) bad "SECURITY DEFINER $sig does not pin search_path to pg_catalog, pg_temp ($conf)" ;;
  esac
done <<<"$definers"
[ "$n" -gt 0 ] && ok "$n SECURITY DEFINER functions, each reviewed and pinned to search_path = pg_catalog, pg_temp" ||
  bad "no SECURITY DEFINER function found (the catalog query is wrong)"
unpinned=$(q -c "SELECT string_agg(p.proname, ' ' ORDER BY p.proname)
                 FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
                 JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'prodplan'
                 WHERE NOT coalesce(array_to_string(p.proconfig, ';') LIKE '%search_path=%', false)
                   AND p.proname <> ALL (string_to_array('$unpinned_ok', ' '))")
[ -z "$unpinned" ] && ok "every other function pins search_path (but the sketch aggregates' C support functions)" ||
  bad "functions without a pinned search_path: $unpinned"

# --- 2. a search_path attack ----------------------------------------------
q -c "SELECT prodplan.load_demo(0.02, 42, 'direct') IS NOT NULL" >/dev/null
q -c "SELECT count(*) FROM prodplan.refresh_aggregates()" >/dev/null
psql -qX -d postgres -v ON_ERROR_STOP=1 -c "CREATE ROLE pp_evil_planner LOGIN IN ROLE prodplan_planner" \
  -c "CREATE ROLE pp_evil_admin LOGIN IN ROLE prodplan_admin" >/dev/null
q -c "GRANT CREATE ON DATABASE $db TO pp_evil_planner"
q >/dev/null <<'SQL'
SET ROLE pp_evil_planner;
CREATE SCHEMA evil;
CREATE TABLE evil.spy (what text, by_user name DEFAULT current_user, query text DEFAULT left(current_query(), 300));
GRANT USAGE ON SCHEMA evil TO PUBLIC;
GRANT INSERT, SELECT ON evil.spy TO PUBLIC;
CREATE FUNCTION evil.text_eq(a text, b text) RETURNS boolean LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO evil.spy (what) VALUES ('text ='); RETURN a OPERATOR(pg_catalog.=) b; END $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.text_eq);
CREATE FUNCTION evil.date_eq(a date, b date) RETURNS boolean LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO evil.spy (what) VALUES ('date ='); RETURN a OPERATOR(pg_catalog.=) b; END $$;
CREATE OPERATOR evil.= (LEFTARG = date, RIGHTARG = date, FUNCTION = evil.date_eq);
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO evil.spy (what) VALUES ('now'); RETURN pg_catalog.now(); END $$;
CREATE FUNCTION evil.clock_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO evil.spy (what) VALUES ('clock_timestamp'); RETURN pg_catalog.clock_timestamp(); END $$;
CREATE FUNCTION evil.md5(t text) RETURNS text LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO evil.spy (what) VALUES ('md5'); RETURN pg_catalog.md5(t); END $$;
CREATE FUNCTION evil.array_position(a text[], e text) RETURNS int LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO evil.spy (what) VALUES ('array_position'); RETURN pg_catalog.array_position(a, e); END $$;
CREATE FUNCTION evil.unnest(a text[]) RETURNS SETOF text LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO evil.spy (what) VALUES ('unnest'); RETURN QUERY SELECT pg_catalog.unnest(a); END $$;
CREATE FUNCTION evil.format(f text, VARIADIC a text[]) RETURNS text LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO evil.spy (what) VALUES ('format'); RETURN pg_catalog.format(f, VARIADIC a); END $$;
CREATE FUNCTION evil.set_config(a text, b text, c boolean) RETURNS text LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO evil.spy (what) VALUES ('set_config'); RETURN pg_catalog.set_config(a, b, c); END $$;
CREATE FUNCTION evil.to_char(t timestamp, f text) RETURNS text LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO evil.spy (what) VALUES ('to_char'); RETURN pg_catalog.to_char(t, f); END $$;
SQL
# The trap works where the attacker's search_path applies.
evil_path="SET search_path = evil, pg_catalog, public"
control=$(psql -qX -d "$db" -At -v ON_ERROR_STOP=1 -c "SET ROLE pp_evil_planner" -c "$evil_path" \
  -c "SELECT 'a'::text = 'a'::text, now() IS NOT NULL" -c "SELECT count(*) FROM evil.spy")
control=${control##*$'\n'}
[ "${control:-0}" -ge 2 ] && ok "control: in the attacker's own query the look-alikes run ($control calls recorded)" ||
  bad "control: the look-alikes did not run in the attacker's query; the attack proves nothing"
q -c "TRUNCATE evil.spy"
# The attacker's own statements name pg_catalog's now() and = explicitly, so
# that a recorded call can only come from inside an extension function.
run_as() {  # role label sql...: runs the statements as the role with the evil search_path
  local role=$1 label=$2 out
  shift 2
  local args=()
  for s in "$@"; do args+=(-c "$s"); done
  if out=$(psql -qX -d "$db" -At -v ON_ERROR_STOP=1 -c "SET ROLE $role" -c "$evil_path" "${args[@]}" 2>&1); then :; else
    bad "$label failed as $role: $(head -n 2 <<<"$out")"
  fi
}
run_as pp_evil_planner "writes to the source tables (the aggregates' triggers)" \
  "INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, ended_at, event_time)
   SELECT 'DEMO', 'EV-' || g, o.order_id, o.work_center_id, 5, pg_catalog.now() - interval '2 hours', pg_catalog.now() - interval '1 hour', pg_catalog.now() - interval '1 hour'
   FROM generate_series(1, 20) g, LATERAL (SELECT order_id, work_center_id FROM prodplan.operation WHERE plant_id OPERATOR(pg_catalog.=) 'DEMO'
                                          ORDER BY operation_id OFFSET g * 3 LIMIT 1) o" \
  "UPDATE prodplan.operation SET work_center_id = work_center_id WHERE plant_id OPERATOR(pg_catalog.=) 'DEMO' AND operation_id LIKE 'EV-1%'" \
  "UPDATE prodplan.production_order SET product_id = product_id WHERE plant_id OPERATOR(pg_catalog.=) 'DEMO' AND order_id OPERATOR(pg_catalog.=) ANY (SELECT order_id FROM prodplan.production_order WHERE plant_id OPERATOR(pg_catalog.=) 'DEMO' ORDER BY 1 LIMIT 3)" \
  "INSERT INTO prodplan.defect (plant_id, order_id, evaluation_operation_id, description, culprit_operation_id, evaluation_work_center_id, severity, detected_at)
   SELECT 'DEMO', order_id, operation_id, 'evil', operation_id, work_center_id, 2, pg_catalog.now() FROM prodplan.operation WHERE plant_id OPERATOR(pg_catalog.=) 'DEMO' AND operation_id LIKE 'EV-%' LIMIT 3" \
  "DELETE FROM prodplan.operation WHERE plant_id OPERATOR(pg_catalog.=) 'DEMO' AND operation_id LIKE 'EV-2%'"
run_as pp_evil_planner "refresh, KPIs (result cache), metrics" \
  "SELECT count(*) FROM prodplan.refresh_aggregates()" \
  "SELECT count(*) FROM prodplan.kpis(pg_catalog.now() - interval '60 days', pg_catalog.now(), 'work_center')" \
  "SELECT count(*) FROM prodplan.kpis(pg_catalog.now() - interval '60 days', pg_catalog.now(), 'work_center')" \
  "SELECT count(*) FROM prodplan.metric_samples()" \
  "SELECT prodplan.visible_plants()"
run_as pp_evil_planner "a plan and hand-written bars (the Gantt documents' trigger)" \
  "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 50}') IS NOT NULL" \
  "UPDATE prodplan.planned_operations SET work_center_name = NULL
   WHERE plan_id = (SELECT max(plan_id) FROM prodplan.plans) AND unit = 1" \
  "SELECT pg_catalog.json_array_length(prodplan.gantt_document((SELECT max(plan_id) FROM prodplan.plans)) OPERATOR(pg_catalog.->) 'bars') > 0"
run_as pp_evil_planner "the order list document (rebuilt after the writes above, then served)" \
  "SELECT pg_catalog.json_array_length(prodplan.order_list_document('DEMO', pg_catalog.now() - interval '30 days') OPERATOR(pg_catalog.->) 'orders') > 0" \
  "SELECT pg_catalog.json_array_length(prodplan.order_list_document('DEMO', pg_catalog.now() - interval '30 days') OPERATOR(pg_catalog.->) 'orders') > 0"
run_as pp_evil_planner "an ingest (partitions made on demand, data version)" \
  "SELECT count(*) FROM prodplan.ingest_workbook(prodplan.demo_workbook(0.005, 9), 'prodplan', '{\"plant\": \"EV\"}')"
run_as pp_evil_admin "partition upkeep and KPI snapshots" \
  "SELECT count(*) FROM prodplan.maintain_partitions()" "SELECT count(*) FROM prodplan.maintain_partitions('operation')" \
  "SELECT count(*) FROM prodplan.snapshot_kpis(current_date)" \
  "SELECT count(*) FROM prodplan.set_plant_security(true)" \
  "SELECT count(*) FROM prodplan.kpis(pg_catalog.now() - interval '60 days', pg_catalog.now(), 'overall')" \
  "SELECT count(*) FROM prodplan.set_plant_security(false)" \
  "SELECT prodplan.expire_order_list_documents() >= 0" \
  "SELECT count(*) FROM prodplan.after_restore()"
spied=$(q -c "SELECT coalesce(string_agg(DISTINCT what || ' (as ' || by_user || ', in: ' || regexp_replace(query, '\s+', ' ', 'g') || ')', E'\n    '), '') FROM evil.spy")
[ -z "$spied" ] && ok "with the attacker's schema first in search_path, no look-alike ran inside any definer function" ||
  bad "look-alikes ran inside extension functions:"$'\n'"    $spied"

# --- 3. crafted arguments ---------------------------------------------------
q -c "CREATE TABLE public.canary (x int)" -c "INSERT INTO public.canary VALUES (1)"
plans=$(q -c "SELECT count(*) FROM prodplan.plans")
bad_names=("x'; DROP TABLE public.canary; --" "x\"; DROP TABLE public.canary; --" "'); DELETE FROM prodplan.plans; --" "\$\$; DROP TABLE public.canary; \$\$")
accepted=0 refused=0
try() {  # label sql: succeeds, or fails with an error of a user class (not internal, not syntax)
  local out code
  if out=$(psql -qX -d "$db" -At -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c "$2" 2>&1); then
    accepted=$((accepted + 1))
  else
    code=$(sed -nE 's/.*ERROR:  ([0-9A-Z]{5}):.*/\1/p' <<<"$out" | head -n 1)
    case $code in
      22*|23*|42501|P0001|P0002|55000|2F*|42704|42P01|0A000) refused=$((refused + 1)) ;;
      *) bad "$1: $code $(head -n 1 <<<"$out" | cut -c1-200)" ;;
    esac
  fi
}
i=0
for name in "${bad_names[@]}"; do
  i=$((i + 1))
  lit=${name//\'/\'\'}
  jname=$(/usr/bin/python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$name")
  jlit=${jname//\'/\'\'}
  try "ingest into a plant named [$name]" \
    "SELECT count(*) FROM prodplan.ingest_workbook(prodplan.demo_workbook(0.002, $i), 'prodplan', jsonb_build_object('plant', '$lit'))"
  try "order_list_document('$name')" "SELECT prodplan.order_list_document('$lit', now()) IS NULL"
  try "content_checksum('$name')" "SELECT count(*) FROM prodplan.content_checksum('$lit')"
  try "kpis(plant => '$name')" "SELECT count(*) FROM prodplan.kpis(now() - interval '30 days', now(), 'overall', '$lit')"
  try "kpis(by => '$name')" "SELECT count(*) FROM prodplan.kpis(now() - interval '30 days', now(), '$lit')"
  try "schedule_job('$name')" "SELECT prodplan.schedule_job('$lit', '@daily', 'SELECT 1')"
  try "schedule_job(command => '$name')" "SELECT prodplan.schedule_job('j$i', '@daily', '$lit')"
  try "export_xlsx('$name')" "SELECT length(prodplan.export_xlsx('$lit'))"
  try "plan(plant => '$name')" "SELECT prodplan.plan(jsonb_build_object('plant', '$lit', 'time_limit_ms', 50))"
  try "defect_rates(by => '$name')" "SELECT count(*) FROM prodplan.defect_rates('$lit', NULL, NULL, '{\"ignore_gates\": true}')"
  try "option key $jname" "SELECT count(*) FROM prodplan.defect_rates('overall', NULL, NULL, jsonb_build_object('$lit', 1))"
  try "ingest_table(entity => '$name')" "SELECT count(*) FROM prodplan.ingest_table('$lit', 'public.canary'::regclass)"
  try "maintain_partitions('$name')" "SELECT count(*) FROM prodplan.maintain_partitions('$lit')"
done
# A source table whose name needs quoting.
q -c "CREATE TABLE public.\"op\"\"s; DROP TABLE public.canary; --\" AS SELECT * FROM prodplan.operation WHERE false"
try "ingest_table from a table named with quotes" \
  "SELECT count(*) FROM prodplan.ingest_table('operation', 'public.\"op\"\"s; DROP TABLE public.canary; --\"'::regclass, '{\"plant\": \"DEMO\"}')"
stored=$(q -c "SELECT count(*) FROM prodplan.plant WHERE plant_id = 'x''; DROP TABLE public.canary; --'")
[ "$(q -c "SELECT count(*) FROM public.canary")" = 1 ] && [ "$(q -c "SELECT count(*) >= $plans FROM prodplan.plans")" = t ] &&
  ok "crafted arguments: $accepted calls taken as data, $refused refused with a user error; the canary and the plans are intact" ||
  bad "a crafted argument ran as SQL"
[ "$stored" = 1 ] && ok "a plant id with a quote and SQL is stored verbatim" || bad "the plant named with SQL was not stored verbatim ($stored)"
exit $fail
