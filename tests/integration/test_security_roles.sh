#!/usr/bin/env bash
# The role model end to end (issue 11), on load_demo(0.05): PUBLIC (a role
# in no prodplan role) gets nothing; prodplan_reader reads results (tables,
# KPIs, risk queue, predictions, reports, BI views) but cannot ingest, plan,
# run what-ifs, schedule jobs, train or change anything; prodplan_planner
# ingests, plans, runs scenarios, trains and deploys models and schedules
# its own jobs, but cannot see or change another role's jobs or the
# partition configuration; prodplan_admin does the rest. No step needs a
# superuser.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning -c TimeZone=UTC"
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_security
roles="pp_sec_nobody pp_sec_reader pp_sec_planner pp_sec_planner2 pp_sec_admin"
drop_roles() {
  local r
  for r in $roles; do psql -qX -d postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1 || true; done
}
trap 'pp_drop_test_databases; drop_roles' EXIT
drop_roles
q() { psql -qX -d pp_security -v ON_ERROR_STOP=1 -At "$@"; }
as() { local r=$1; shift; psql -qX -d pp_security -v ON_ERROR_STOP=1 -At -c "SET ROLE $r" "$@"; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
allowed() {  # role label sql: the statement succeeds as the role
  local out
  if out=$(as "$1" -c "$3" 2>&1); then ok "$1 may $2"; else bad "$1 may not $2: $out"; fi
}
denied() {  # role label sql: the statement fails with a permission error
  local out
  if out=$(as "$1" -c "$3" 2>&1); then bad "$1 could $2"; return; fi
  if grep -qi "permission denied\|must be owner\|must be superuser\|row-level security\|not allowed\|no job" <<<"$out"; then ok "$1 cannot $2"
  else bad "$1 cannot $2, but for another reason: $out"; fi
}

q -c "CREATE ROLE pp_sec_nobody NOLOGIN" -c "CREATE ROLE pp_sec_reader NOLOGIN IN ROLE prodplan_reader" \
  -c "CREATE ROLE pp_sec_planner NOLOGIN IN ROLE prodplan_planner" -c "CREATE ROLE pp_sec_planner2 NOLOGIN IN ROLE prodplan_planner" \
  -c "CREATE ROLE pp_sec_admin NOLOGIN IN ROLE prodplan_admin"
q -c "SELECT prodplan.load_demo(0.05, 42, 'direct') IS NOT NULL" >/dev/null
order=$(q -c "SELECT min(order_id) FROM prodplan.production_order WHERE finished_at IS NULL")

# --- PUBLIC ------------------------------------------------------------------
n=$(q -c "SELECT count(*) FROM pg_class c WHERE c.relnamespace = 'prodplan'::regnamespace
          AND has_table_privilege('pp_sec_nobody', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')")
[ "$n" = 0 ] && ok "PUBLIC has no privilege on any prodplan table or view" || bad "PUBLIC has privileges on $n relations"
n=$(q -c "SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'prodplan'::regnamespace AND has_function_privilege('pp_sec_nobody', p.oid, 'EXECUTE')
          AND p.prokind <> 'a' AND p.prorettype <> 'trigger'::regtype AND 'internal'::regtype <> ALL (p.proargtypes)")
[ "$n" = 0 ] && ok "PUBLIC can execute no prodplan function" || bad "PUBLIC can execute $n functions: $(q -c "SELECT string_agg(p.oid::regprocedure::text, ', ') FROM pg_proc p WHERE p.pronamespace = 'prodplan'::regnamespace AND has_function_privilege('pp_sec_nobody', p.oid, 'EXECUTE') AND p.prokind <> 'a' AND p.prorettype <> 'trigger'::regtype AND 'internal'::regtype <> ALL (p.proargtypes)")"
denied pp_sec_nobody "read orders" "SELECT count(*) FROM prodplan.production_order"
denied pp_sec_nobody "read KPIs" "SELECT count(*) FROM prodplan.kpis(now() - interval '30 days', now())"
denied pp_sec_nobody "export a report" "SELECT prodplan.export_xlsx('template')"

# --- reader ------------------------------------------------------------------
allowed pp_sec_reader "read orders" "SELECT count(*) FROM prodplan.production_order"
allowed pp_sec_reader "read KPIs" "SELECT count(*) FROM prodplan.kpis(now() - interval '365 days', now())"
allowed pp_sec_reader "read the risk queue" "SELECT count(*) FROM prodplan.risk_queue()"
allowed pp_sec_reader "predict a lead time" "SELECT * FROM prodplan.predict_leadtime('$order')"
allowed pp_sec_reader "export a report" "SELECT octet_length(prodplan.export_xlsx('template'))"
allowed pp_sec_reader "read the BI views" "SELECT count(*) FROM prodplan.bi_fact_operation JOIN prodplan.bi_dim_work_center USING (work_center_key)"
denied pp_sec_reader "write orders" "UPDATE prodplan.production_order SET quantity = 2 WHERE order_id = '$order'"
denied pp_sec_reader "ingest" "SELECT prodplan.ingest_table('production_order', 'prodplan.production_order'::regclass)"
denied pp_sec_reader "plan" "SELECT prodplan.plan('{\"time_limit_ms\": 0}')"
denied pp_sec_reader "run a what-if" "SELECT prodplan.whatif('[]', NULL)"
denied pp_sec_reader "schedule a job" "SELECT prodplan.schedule_job('r', '@daily', 'SELECT 1')"
denied pp_sec_reader "train a model" "SELECT prodplan.train_leadtime()"
denied pp_sec_reader "load the demo" "SELECT prodplan.load_demo(0.01)"
denied pp_sec_reader "refresh the aggregates" "SELECT count(*) FROM prodplan.refresh_aggregates()"

# --- planner -----------------------------------------------------------------
q -c "CREATE TABLE public.pp_sec_orders AS SELECT plant_id, order_id, product_id, created_at, finished_at, due_at, quantity
      FROM prodplan.production_order LIMIT 20" -c "GRANT SELECT ON public.pp_sec_orders TO pp_sec_planner"
allowed pp_sec_planner "ingest a table" "SELECT sum(unchanged) FROM prodplan.ingest_table('production_order', 'public.pp_sec_orders'::regclass, '{\"plant\": \"DEMO\"}')"
plan=$(as pp_sec_planner -c "SELECT prodplan.plan('{\"time_limit_ms\": 0}')" 2>&1) && ok "pp_sec_planner may plan (plan $plan)" || { bad "pp_sec_planner may not plan: $plan"; plan=""; }
[ -n "$plan" ] && allowed pp_sec_planner "run a what-if" "SELECT prodplan.whatif('[{\"type\": \"rule\", \"rule\": \"edd\"}]', $plan)"
allowed pp_sec_planner "train and deploy a lead-time model" "SELECT prodplan.train_leadtime('{\"deploy\": true}')"
allowed pp_sec_planner "train a defect-risk model" "SELECT prodplan.train_defect_risk()"
allowed pp_sec_planner "roll back a model" "SELECT prodplan.train_leadtime('{\"deploy\": true}'); SELECT prodplan.rollback_model()"
allowed pp_sec_reader "score defect risk" "SELECT count(*) FROM prodplan.defect_risk('$order')"
allowed pp_sec_reader "forecast a material" "SELECT count(*) FROM prodplan.forecast((SELECT min(material_id) FROM prodplan.material))"
allowed pp_sec_reader "read the inventory policy" "SELECT count(*) FROM prodplan.inventory_policy()"
allowed pp_sec_reader "rank bottlenecks" "SELECT count(*) FROM prodplan.bottlenecks(now() - interval '400 days', now())"
allowed pp_sec_reader "read the lead-time data set and explanations" "SELECT count(*) FROM prodplan.leadtime_dataset(); SELECT count(*) FROM prodplan.explain_leadtime('$order')"
allowed pp_sec_reader "read yields" "SELECT count(*) FROM prodplan.first_pass_yield('product')"
denied pp_sec_reader "deploy a model" "SELECT prodplan.deploy_model((SELECT min(model_id) FROM prodplan.models))"
allowed pp_sec_planner "schedule its own job" "SELECT prodplan.schedule_job('planner job', '@daily', 'SELECT 1')"
allowed pp_sec_planner "pause its own job" "SELECT prodplan.alter_job('planner job', NULL, NULL, false)"
allowed pp_sec_planner2 "schedule a job of the same name" "SELECT prodplan.schedule_job('planner job', '@hourly', 'SELECT 2')"
n=$(as pp_sec_planner -c "SELECT count(*) FROM prodplan.jobs WHERE NOT is_builtin")
[ "$n" = 1 ] && ok "a planner sees only its own jobs" || bad "a planner sees $n jobs"
out=$(as pp_sec_planner -c "SELECT schedule FROM prodplan.jobs WHERE name = 'planner job'")
[ "$out" = "@daily" ] && ok "... and its own job is the one it changes" || bad "planner's job: [$out]"
n=$(as pp_sec_planner -c "WITH u AS (UPDATE prodplan.jobs SET command = 'SELECT 3' WHERE owner = 'pp_sec_planner2' RETURNING 1) SELECT count(*) FROM u" 2>&1) || true
[ "$n" = 0 ] && ok "a planner's UPDATE of another role's job changes nothing (row-level security hides it)" || bad "planner updated another role's job: [$n]"
still=$(q -c "SELECT command FROM prodplan.jobs WHERE owner = 'pp_sec_planner2'")
[ "$still" = "SELECT 2" ] && ok "another role's job is unchanged" || bad "another role's job changed: [$still]"
[ -n "$plan" ] && allowed pp_sec_reader "read a plan's Gantt document" "SELECT (prodplan.gantt_document($plan) ->> 'bar_count')::int >= 0"
[ -n "$plan" ] && allowed pp_sec_planner "move a bar by hand (its plan's Gantt document is rebuilt)" \
  "UPDATE prodplan.planned_operations SET is_fixed = NOT is_fixed WHERE plan_id = $plan AND unit = 1"
denied pp_sec_planner "write a Gantt document" "UPDATE prodplan.gantt_documents SET bars = '[]'"
allowed pp_sec_reader "read the order list document (rebuilt after the planner's writes)" \
  "SELECT (prodplan.order_list_document('DEMO', now() - interval '90 days') ->> 'order_count')::int > 0"
denied pp_sec_reader "read the stored order lists past the function" "SELECT count(*) FROM prodplan.order_list_documents"
allowed pp_sec_reader "read an order's detail" \
  "SELECT prodplan.order_detail(plant_id, order_id) ->> 'order_id' FROM prodplan.production_order ORDER BY order_id LIMIT 1"
denied pp_sec_nobody "read an order's detail" "SELECT prodplan.order_detail('DEMO', 'x')"
denied pp_sec_planner "write an order list document" "DELETE FROM prodplan.order_list_documents"
denied pp_sec_planner "clear the order list change log" "DELETE FROM prodplan.order_list_changes"
denied pp_sec_planner "expire the order lists" "SELECT prodplan.expire_order_list_documents()"
denied pp_sec_planner "change the partition configuration" "UPDATE prodplan.partitioned_table SET premake_months = 1"
denied pp_sec_planner "maintain partitions" "SELECT count(*) FROM prodplan.maintain_partitions()"
denied pp_sec_planner "change server settings" "ALTER SYSTEM SET work_mem = '1GB'"
denied pp_sec_planner "finish a restore (after_restore)" "SELECT count(*) FROM prodplan.after_restore()"

# --- admin -------------------------------------------------------------------
allowed pp_sec_admin "maintain partitions" "SELECT count(*) FROM prodplan.maintain_partitions()"
allowed pp_sec_admin "change the partition configuration" "UPDATE prodplan.partitioned_table SET premake_months = 3 WHERE table_name = 'operation'"
n=$(as pp_sec_admin -c "SELECT count(*) FROM prodplan.jobs WHERE NOT is_builtin")
[ "$n" = 2 ] && ok "an admin sees every role's jobs" || bad "an admin sees $n jobs"
allowed pp_sec_admin "take a KPI snapshot" "SELECT prodplan.snapshot_kpis()"
allowed pp_sec_admin "expire the order lists" "SELECT prodplan.expire_order_list_documents()"
allowed pp_sec_admin "finish a restore (after_restore)" "SELECT count(*) FROM prodplan.after_restore()"
exit $fail
