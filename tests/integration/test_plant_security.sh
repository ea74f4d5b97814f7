#!/usr/bin/env bash
# Row-level security by plant (issue 11), with two plants: DEMO (load_demo) and NORTH (a demo
# workbook ingested under that plant id), each planned. An admin who is not a superuser maps
# roles to plants (prodplan.plant_access) and turns the security on. Then a reader mapped to
# NORTH sees only NORTH in every prodplan table it can read (the plant_id tables, and the tables
# keyed by a plan, simulation, ingest run or model), in every view and in the function results
# (kpis served from a cache filled by a superuser's call, risk_queue, defect_rates, wip,
# order_status, gantt); a member of a mapped group role sees the group's plant; an unmapped
# reader sees nothing; a planner mapped to DEMO plans DEMO but cannot write NORTH's data (an
# ingest under NORTH fails and changes nothing); admins see every plant. Turned off, everyone
# sees both plants again.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning -c TimeZone=UTC"
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
db=pp_plant_security
pp_fresh_databases "$db"
roles="pp_ps_member pp_ps_team pp_ps_north pp_ps_unmapped pp_ps_planner pp_ps_admin"
drop_roles() {
  local r
  for r in $roles; do psql -qX -d postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1 || true; done
}
trap 'pp_drop_test_databases; drop_roles' EXIT
drop_roles
q() { psql -qX -d "$db" -v ON_ERROR_STOP=1 -At "$@"; }
as() { local r=$1; shift; psql -qX -d "$db" -v ON_ERROR_STOP=1 -At -c "SET ROLE $r" "$@"; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

q -c "CREATE ROLE pp_ps_team NOLOGIN" -c "CREATE ROLE pp_ps_member NOLOGIN IN ROLE prodplan_reader, pp_ps_team" \
  -c "CREATE ROLE pp_ps_north NOLOGIN IN ROLE prodplan_reader" -c "CREATE ROLE pp_ps_unmapped NOLOGIN IN ROLE prodplan_reader" \
  -c "CREATE ROLE pp_ps_planner NOLOGIN IN ROLE prodplan_planner" -c "CREATE ROLE pp_ps_admin NOLOGIN IN ROLE prodplan_admin"
q -c "SELECT prodplan.load_demo(0.02, 42) IS NOT NULL" >/dev/null
q -c "SELECT sum(inserted) FROM prodplan.ingest_workbook(prodplan.demo_workbook(0.02, 7), 'prodplan', '{\"plant\": \"NORTH\"}')" >/dev/null
q -c "SELECT count(*) FROM prodplan.refresh_aggregates()" >/dev/null
demo_plan=$(q -c "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 200}')")
north_plan=$(q -c "SELECT prodplan.plan('{\"plant\": \"NORTH\", \"time_limit_ms\": 200}')")
q -c "SELECT count(*) FROM prodplan.simulate($north_plan, 10)" -c "SELECT count(*) FROM prodplan.simulate($demo_plan, 10)" >/dev/null
range="timestamptz '2000-01-01', now() + interval '1 year'"
# A superuser's KPI calls fill the cache with both plants' rows.
q -c "SELECT count(DISTINCT plant_id) FROM prodplan.kpis($range, 'work_center')" | grep -qx 2 &&
  ok "kpis over both plants (cached for every role)" || bad "kpis does not cover both plants"

# Every prodplan table a reader can read, and how to tell its plant: plant_id, or its parent's.
tables_sql="SELECT c.oid::regclass::text, CASE
    WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'plant_id' AND NOT a.attisdropped) THEN 'plant_id'
    WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'plan_id') THEN '(SELECT p.plant_id FROM prodplan.plans p WHERE p.plan_id = x.plan_id)'
    WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'simulation_id') THEN '(SELECT p.plant_id FROM prodplan.simulations s JOIN prodplan.plans p USING (plan_id) WHERE s.simulation_id = x.simulation_id)'
    WHEN c.relname = 'ingest_quarantine' THEN '(SELECT r.plant_id FROM prodplan.ingest_runs r WHERE r.run_id = x.run_id)'
    WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'model_id') THEN '(SELECT m.plant_id FROM prodplan.models m WHERE m.model_id = x.model_id)'
  END
  FROM pg_class c WHERE c.relnamespace = 'prodplan'::regnamespace AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition
   AND has_table_privilege('prodplan_reader', c.oid, 'SELECT') ORDER BY 1"
# plants_seen ROLE: "table plant count" lines for every row the role sees. The parent lookups
# run as that role too, through the policies: a row whose parent belongs to another plant
# shows as plant '-' (its parent hidden), a row with plant_id by its plant; either way not
# NORTH, so the check below catches it.
plants_seen() {
  local role=$1 name how
  while IFS='|' read -r name how; do
    [ -n "$how" ] || continue
    as "$role" -c "CREATE TEMP TABLE seen AS SELECT * FROM $name" \
      -c "SELECT '$name', coalesce(plant, '-'), count(*) FROM (SELECT $how AS plant FROM seen x) y GROUP BY 2 ORDER BY 2" 2>&1 |
      sed 's/|/ /g' || true
  done < <(q -c "$tables_sql")
}

# --- before: everyone with prodplan_reader sees both plants ---------------------------------
[ "$(as pp_ps_north -c "SELECT count(DISTINCT plant_id) FROM prodplan.production_order")" = 2 ] &&
  ok "security off: a reader sees both plants" || bad "security off: a reader does not see both plants"

# --- the admin (not a superuser) maps roles and turns it on ---------------------------------
as pp_ps_admin -c "INSERT INTO prodplan.plant_access (role_name, plant_id) VALUES ('pp_ps_north', 'NORTH'), ('pp_ps_team', 'NORTH'), ('pp_ps_planner', 'DEMO')" &&
  ok "an admin maps roles to plants" || bad "an admin cannot map roles to plants"
out=$(as pp_ps_admin -c "SELECT count(*) FROM prodplan.set_plant_security(true)" 2>&1) &&
  ok "an admin (no superuser) turns row-level security by plant on: $out objects changed" || bad "set_plant_security(true) as an admin: $out"
out=$(as pp_ps_north -c "SELECT prodplan.set_plant_security(false)" 2>&1) && bad "a reader turned the security off" ||
  { grep -q "permission denied" <<<"$out" && ok "a reader cannot turn it off" || bad "a reader cannot turn it off, but: $out"; }
[ "$(as pp_ps_north -c "SELECT prodplan.visible_plants()")" = "{NORTH}" ] && ok "visible_plants() of the NORTH reader is {NORTH}" ||
  bad "visible_plants() of the NORTH reader: $(as pp_ps_north -c "SELECT prodplan.visible_plants()")"

# --- every table and view, as the NORTH reader ---------------------------------------------
seen=$(plants_seen pp_ps_north)
errors=$(grep -E 'ERROR' <<<"$seen" || true)
[ -z "$errors" ] && ok "the NORTH reader can read every prodplan table and view" || bad "reading as the NORTH reader: $errors"
other=$(grep -vE 'ERROR| NORTH [0-9]+$' <<<"$seen" | grep -E '^prodplan\.' || true)
[ -z "$other" ] && ok "every row the NORTH reader sees, in $(grep -c '^prodplan\.' <<<"$seen") (table, plant) groups, is NORTH's" ||
  bad "the NORTH reader sees rows of another plant: $(tr '\n' ';' <<<"$other")"
for t in production_order operation defect planned_operations gantt_documents plan_orders simulation_orders agg_operation_day order_status gantt bi_fact_operation; do
  grep -qE "^prodplan\.$t NORTH [1-9]" <<<"$seen" || bad "the NORTH reader sees no NORTH row in $t"
done

# --- function results -------------------------------------------------------------------------
check_fn() {  # label sql-returning-plant-ids
  local out
  out=$(as pp_ps_north -c "SELECT coalesce(string_agg(DISTINCT p, ','), '(none)') FROM ($2) x(p)" 2>&1)
  [ "$out" = NORTH ] && ok "$1 as the NORTH reader: NORTH only" || bad "$1 as the NORTH reader: $out"
}
check_fn "kpis by work center (from the cache)" "SELECT plant_id FROM prodplan.kpis($range, 'work_center')"
check_fn "kpis overall" "SELECT plant_id FROM prodplan.kpis($range)"
check_fn "defect_rates" "SELECT plant_id FROM prodplan.defect_rates('work_center', $range)"
check_fn "order_status" "SELECT plant_id FROM prodplan.order_status"
check_fn "gantt" "SELECT plant_id FROM prodplan.gantt"
check_fn "risk_queue" "SELECT plant_id FROM prodplan.risk_queue()"
check_fn "wip" "SELECT plant_id FROM prodplan.wip('work_center', NULL, '{\"plant\": \"NORTH\"}')"
# A plan of another plant reads as no plan at all: the same answer as for a plan id never used.
kpis_of() { as pp_ps_north -c "SELECT string_agg(kpi || '=' || coalesce(value::text, 'NULL'), ' ' ORDER BY kpi) FROM prodplan.plan_kpis($1)" 2>&1 || true; }
[ "$(kpis_of "$demo_plan")" = "$(kpis_of -1)" ] && ok "DEMO's plan reads as no plan to the NORTH reader (plan_kpis)" ||
  bad "plan_kpis of DEMO's plan as the NORTH reader: $(kpis_of "$demo_plan")"
[ "$(kpis_of "$north_plan")" != "$(kpis_of -1)" ] || bad "plan_kpis of NORTH's own plan is empty for the NORTH reader"
# The Gantt document likewise: DEMO's plan has none for the NORTH reader, NORTH's has its bars.
out=$(as pp_ps_north -c "SELECT prodplan.gantt_document($demo_plan) IS NULL, prodplan.gantt_document($north_plan) ->> 'plant_id',
                                (prodplan.gantt_document($north_plan) ->> 'bar_count')::int = (SELECT count(*) FROM prodplan.gantt WHERE plan_id = $north_plan)
                                AND (SELECT count(*) FROM prodplan.gantt WHERE plan_id = $north_plan) > 0" 2>&1)
[ "$out" = "t|NORTH|t" ] && ok "gantt_document as the NORTH reader: DEMO's plan reads as none, NORTH's has all its bars" ||
  bad "gantt_document as the NORTH reader: $out"
# The order list document (computed as the extension's owner, so it checks the caller's plants
# itself): DEMO's reads as none, NORTH's equals NORTH's rows of order_status.
out=$(as pp_ps_north -c "SELECT prodplan.order_list_document('DEMO', '-infinity') IS NULL,
                                prodplan.order_list_document('NORTH', '-infinity') ->> 'plant_id',
                                (prodplan.order_list_document('NORTH', '-infinity') ->> 'order_count')::int
                                  = (SELECT count(*) FROM prodplan.order_status WHERE plant_id = 'NORTH')
                                AND (SELECT count(*) FROM prodplan.order_status WHERE plant_id = 'NORTH') > 0" 2>&1)
[ "$out" = "t|NORTH|t" ] && ok "order_list_document as the NORTH reader: DEMO's list reads as none, NORTH's has all its orders" ||
  bad "order_list_document as the NORTH reader: $out"
# An order's detail runs with the caller's rights: a DEMO order is not found for the NORTH
# reader (the same error as an order that does not exist); a NORTH order reads in full.
demo_order=$(q -c "SELECT order_id FROM prodplan.production_order WHERE plant_id = 'DEMO' ORDER BY order_id LIMIT 1")
north_order=$(q -c "SELECT order_id FROM prodplan.planned_operations WHERE plan_id = $north_plan ORDER BY order_id LIMIT 1")
out=$(as pp_ps_north -c "SELECT prodplan.order_detail('DEMO', '$demo_order')" 2>&1 || true)
[[ $out == *"order \"$demo_order\" of plant \"DEMO\" not found"* ]] && ok "order_detail of a DEMO order as the NORTH reader: not found" ||
  bad "order_detail of a DEMO order as the NORTH reader: $out"
out=$(as pp_ps_north -c "SELECT d -> 'order' ->> 'plant_id', json_array_length(d -> 'planned_operations')
                                  = (SELECT count(*) FROM prodplan.gantt g JOIN prodplan.order_status s USING (plan_id, order_id)
                                      WHERE s.plant_id = 'NORTH' AND s.order_id = '$north_order')
                                AND json_array_length(d -> 'planned_operations') > 0
                                AND json_array_length(d -> 'defects')
                                  = (SELECT count(*) FROM prodplan.defect f WHERE f.plant_id = 'NORTH' AND f.order_id = '$north_order')
                         FROM (SELECT prodplan.order_detail('NORTH', '$north_order') AS d) x" 2>&1)
[ "$out" = "NORTH|t" ] && ok "order_detail of a NORTH order as the NORTH reader: its status, every bar and every defect" ||
  bad "order_detail of a NORTH order as the NORTH reader: $out"
# One session, plans kept across roles (0.23.0: order_detail keeps its plans for the backend's
# life): read as the superuser first, so every plan is made without the policies, then as the
# NORTH reader, who must not see the DEMO order, then as the superuser again.
out=$(q -v ON_ERROR_STOP=0 \
        -c "SELECT json_array_length(prodplan.order_detail('DEMO', '$demo_order') -> 'operations') >= 0" \
        -c "SELECT json_array_length(prodplan.order_detail('NORTH', '$north_order') -> 'operations') >= 0" \
        -c "SET ROLE pp_ps_north" \
        -c "SELECT json_array_length(prodplan.order_detail('NORTH', '$north_order') -> 'operations') >= 0" \
        -c "SELECT prodplan.order_detail('DEMO', '$demo_order') IS NOT NULL" \
        -c "RESET ROLE" \
        -c "SELECT json_array_length(prodplan.order_detail('DEMO', '$demo_order') -> 'operations') >= 0" 2>&1 | tr '\n' ' ')
[[ $out == "t t t ERROR:  prodplan.order_detail: order \"$demo_order\" of plant \"DEMO\" not found "*" t " ]] &&
  ok "order_detail in one session: plans made as the superuser do not show the NORTH reader a DEMO order" ||
  bad "order_detail in one session across roles: $out"

# --- group membership, unmapped roles, admins -----------------------------------------------
[ "$(as pp_ps_member -c "SELECT string_agg(DISTINCT plant_id, ',') FROM prodplan.production_order")" = NORTH ] &&
  ok "a member of a mapped group role sees the group's plant" || bad "a member of pp_ps_team does not see exactly NORTH"
[ "$(as pp_ps_unmapped -c "SELECT (SELECT count(*) FROM prodplan.production_order) + (SELECT count(*) FROM prodplan.kpis($range)) + (SELECT count(*) FROM prodplan.gantt)")" = 0 ] &&
  ok "an unmapped reader sees no row" || bad "an unmapped reader sees rows"
[ "$(as pp_ps_admin -c "SELECT count(DISTINCT plant_id) FROM prodplan.production_order")" = 2 ] &&
  ok "an admin sees every plant" || bad "an admin does not see both plants"

# --- writes: the DEMO planner ---------------------------------------------------------------
out=$(as pp_ps_planner -c "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 100}') > $north_plan" 2>&1)
[ "$out" = t ] && ok "the DEMO planner plans DEMO" || bad "the DEMO planner cannot plan DEMO: $out"
before=$(q -c "SELECT prodplan.content_checksum('NORTH')")
out=$(as pp_ps_planner -c "SELECT sum(inserted) FROM prodplan.ingest_workbook(prodplan.demo_workbook(0.01, 9), 'prodplan', '{\"plant\": \"NORTH\"}')" 2>&1) &&
  bad "the DEMO planner ingested into NORTH: $out" ||
  { grep -qi "row-level security" <<<"$out" && ok "the DEMO planner cannot ingest into NORTH: $(grep -m1 ERROR <<<"$out")" || bad "ingest into NORTH refused, but not by the policy: $out"; }
out=$(as pp_ps_planner -c "UPDATE prodplan.production_order SET priority = 9 WHERE plant_id = 'NORTH'" -c "SELECT 1" 2>&1 || true)
[ "$(q -c "SELECT prodplan.content_checksum('NORTH')")" = "$before" ] && ok "NORTH's data is unchanged by the DEMO planner's attempts" ||
  bad "NORTH's data changed: $out"
out=$(as pp_ps_planner -c "INSERT INTO prodplan.production_order (plant_id, order_id, product_id, created_at) SELECT 'NORTH', 'X-1', product_id, now() FROM prodplan.production_order LIMIT 1" 2>&1) &&
  bad "the DEMO planner inserted a NORTH order" ||
  { grep -qi "row-level security" <<<"$out" && ok "the DEMO planner cannot insert a NORTH order" || bad "insert refused for another reason: $out"; }

# --- off again ------------------------------------------------------------------------------
as pp_ps_admin -c "SELECT count(*) FROM prodplan.set_plant_security(false)" >/dev/null
[ "$(as pp_ps_unmapped -c "SELECT count(DISTINCT plant_id) FROM prodplan.production_order")" = 2 ] &&
  [ "$(as pp_ps_north -c "SELECT count(DISTINCT plant_id) FROM prodplan.kpis($range)")" = 2 ] &&
  ok "security off again: every reader sees both plants" || bad "after set_plant_security(false) readers do not see both plants"
exit "$fail"
