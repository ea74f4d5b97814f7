#!/usr/bin/env bash
# A logical backup keeps the factory: pg_dump of a planning database in use
# (loaded, refreshed, planned, moved, a what-if, a simulation, a trained and
# deployed model, a data-quality run, a job run, a plant mapping with
# row-level security on), pg_restore into an empty database, then
# prodplan.after_restore(). Every table pg_dump is told to keep holds the
# same rows; the fact tables, read through their parents, too; the
# sequences go on after the restored rows; after after_restore() the
# aggregates, KPIs, order progress, order list and Gantt documents equal the
# source's, the data version is past every stored plan's, every view reads as
# its caller again, and the restored database plans.
# Until 0.18.0 pg_dump kept only the aliases, the jobs and the monthly
# partitions: no order, product, plan or model.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
src=pp_dump_src dst=pp_dump_dst
pp_fresh_databases "$src"
pp_fresh_databases --bare "$dst"
mkdir -p "${PRODPLAN_SCRATCH:-/tmp}"
work=$(mktemp -d "${PRODPLAN_SCRATCH:-/tmp}/pp_dump.XXXXXX")
if [ -n "${PP_KEEP:-}" ]; then trap - EXIT; else trap 'pp_drop_test_databases; rm -rf "$work"; psql -qX -d postgres -c "DROP ROLE IF EXISTS pp_dump_north" >/dev/null 2>&1 || true' EXIT; fi
q() { local d=$1; shift; psql -qX -d "$d" -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

# ---- a database in use ----
q "$src" -c "SELECT prodplan.load_demo(0.02, 42) IS NOT NULL" >/dev/null
q "$src" -c "SELECT count(*) FROM prodplan.refresh_aggregates()" >/dev/null
plan=$(q "$src" -c "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 300, \"seed\": 4}')")
scenario=$(q "$src" -c "SELECT prodplan.whatif('[{\"type\": \"rule\", \"rule\": \"edd\"}]', $plan, '{\"time_limit_ms\": 50}')")
# Released after its scenario: the base plan's row now lies after the scenario's, which
# references it (a restore copies rows in that order).
q "$src" -c "SELECT prodplan.release_plan($plan)" >/dev/null
q "$src" -c "SELECT prodplan.move_operation($plan, order_id, operation, start_at + interval '2 hours')
             FROM prodplan.planned_operations WHERE plan_id = $plan AND NOT is_fixed ORDER BY start_at, order_id LIMIT 1" >/dev/null
[ "$(q "$src" -c "SELECT (SELECT ctid FROM prodplan.plans WHERE plan_id = $plan) > (SELECT ctid FROM prodplan.plans WHERE plan_id = $scenario)")" = t ] ||
  bad "the base plan's row does not lie after its scenario's: the test does not show the restore copes"
q "$src" -c "SELECT count(*) FROM prodplan.simulate($plan, 20)" >/dev/null
q "$src" -c "SELECT prodplan.train_leadtime('{\"deploy\": true}')" >/dev/null
q "$src" -c "SELECT count(*) FROM prodplan.data_quality()" >/dev/null
q "$src" -c "SELECT prodplan.snapshot_kpis()" >/dev/null
q "$src" -c "SELECT count(*) FROM prodplan.maintain_partitions()" >/dev/null
q "$src" -c "SELECT prodplan.schedule_job('nightly plan', '0 2 * * *', 'SELECT prodplan.plan()')" >/dev/null
psql -qX -d postgres -c "DROP ROLE IF EXISTS pp_dump_north" -c "CREATE ROLE pp_dump_north NOLOGIN IN ROLE prodplan_reader" >/dev/null
q "$src" -c "INSERT INTO prodplan.plant_access (role_name, plant_id) VALUES ('pp_dump_north', 'NORTH')" \
  -c "SET client_min_messages = warning" -c "SELECT count(*) FROM prodplan.set_plant_security(true)" >/dev/null

# What pg_dump is told to keep, and the fact tables (their partitions are not the extension's).
kept=$(q "$src" -c "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_extension e, unnest(e.extconfig) x(oid)
                    JOIN pg_class c ON c.oid = x.oid WHERE e.extname = 'prodplan' AND c.relkind = 'r'")
facts="operation defect measurement resource_event stock_movement"
fingerprint() {  # db table -> row count and md5 of its rows in text, sorted
  local where=""
  # pg_dump keeps the jobs roles scheduled; the built-in ones (and their run state) are CREATE EXTENSION's.
  [ "$2" = jobs ] && where="WHERE NOT t.is_builtin"
  q "$1" -c "SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, E'\n' ORDER BY t::text)), '-') FROM prodplan.$2 t $where"
}
declare -A before
for t in $kept $facts; do before[$t]=$(fingerprint "$src" "$t"); done
seqs="plans_plan_id_seq simulations_simulation_id_seq models_model_id_seq ingest_run_id_seq job_runs_run_id_seq"
declare -A seq_before
for s in $seqs; do seq_before[$s]=$(q "$src" -c "SELECT last_value FROM prodplan.$s"); done
# Fixed ends: availability counts working time up to the range's end.
range="timestamptz '2000-01-01', timestamptz '2030-01-01'"
# Values to 9 significant digits: a sum's last digit depends on the order its rows are added in.
kpis_sql="SELECT md5(string_agg(concat_ws('|', k.plant_id, k.group_key, k.kpi, to_char(k.value, '9.99999999EEEE'), k.unit, k.reason), ','
                               ORDER BY k.plant_id, k.group_key, k.kpi)) FROM prodplan.kpis($range, 'work_center') k"
kpis_src=$(q "$src" -c "$kpis_sql")
aggs="agg_operation_day agg_order_day agg_defect_day agg_quality_order_day agg_quality_work_center_day agg_defect_cell_day agg_defect_cell_order"
declare -A agg_before
for t in $aggs order_progress order_defects; do agg_before[$t]=$(fingerprint "$src" "$t"); done
list_sql="SELECT md5(string_agg(s::text, E'\n' ORDER BY s.plant_id, s.order_id)) FROM prodplan.order_status s"
list_src=$(q "$src" -c "$list_sql")
docs_sql="SELECT md5(string_agg(prodplan.gantt_document(plan_id)::text, E'\n' ORDER BY plan_id)) FROM prodplan.plans"
docs_src=$(q "$src" -c "$docs_sql")
# The order list documents are not dumped (derived): the restored database builds them at the
# first read, equal to the source's.
old_sql="SELECT md5(string_agg((prodplan.order_list_document(p.plant_id, '-infinity') -> 'orders')::text, E'\\n' ORDER BY p.plant_id)) FROM prodplan.plant p"
old_src=$(q "$src" -c "$old_sql")
rows=$(q "$src" -c "SELECT (SELECT count(*) FROM prodplan.production_order) || ' orders, ' || (SELECT count(*) FROM prodplan.plans) || ' plans, '
                    || (SELECT count(*) FROM prodplan.planned_operations) || ' bars, ' || (SELECT count(*) FROM prodplan.operation) || ' operations'")

# ---- dump, restore ----
# As the README's procedure: the monthly partitions' indexes and keys are left out of the
# restore's list, because ATTACH PARTITION makes them from the extension's parent tables.
pg_dump -Fc -d "$src" -f "$work/factory.dump" 2>"$work/dump.err" || bad "pg_dump: $(head -n 3 "$work/dump.err")"
pg_restore -l "$work/factory.dump" | grep -Ev ' (INDEX|CONSTRAINT) prodplan .*_p[0-9]{6}_' >"$work/factory.list"
left_out=$(( $(pg_restore -l "$work/factory.dump" | wc -l) - $(wc -l <"$work/factory.list") ))
if out=$(pg_restore --exit-on-error -L "$work/factory.list" -d "$dst" "$work/factory.dump" 2>&1); then
  ok "pg_restore of the dump ($rows) into an empty database: no error ($left_out partition indexes left to ATTACH PARTITION)"
else
  bad "pg_restore: $(head -n 5 <<<"$out")"
fi

# ---- the rows ----
differ="" empty=""
for t in $kept $facts; do
  after=$(fingerprint "$dst" "$t" 2>&1 || true)
  [ "$after" = "${before[$t]}" ] || differ="$differ $t (${before[$t]%% *} rows -> ${after%% *})"
  [ "${before[$t]%% *}" != 0 ] || empty="$empty $t"
done
n_kept=$(wc -w <<<"$kept")
[ -z "$differ" ] && ok "all $n_kept tables pg_dump keeps and the 5 fact tables hold the same rows after the restore" ||
  bad "rows differ after the restore:$differ"
for t in production_order product work_center calendar routing_step plans planned_operations plan_orders simulations \
         simulation_orders models model_deployments ingest_runs job_runs kpi_snapshots plant_access data_quality_results; do
  case " $kept " in *" $t "*) ;; *) bad "pg_dump does not keep prodplan.$t" ;; esac
done
for t in production_order plans planned_operations simulations models ingest_runs kpi_snapshots plant_access operation; do
  case " $empty " in *" $t "*) bad "the source's $t is empty: the test does not show it is kept" ;; esac
done
for s in $seqs; do
  got=$(q "$dst" -c "SELECT last_value FROM prodplan.$s")
  [ "$got" = "${seq_before[$s]}" ] || bad "sequence $s: ${seq_before[$s]} before, $got after the restore"
done
ok "the sequences numbering plans, simulations, models, ingest runs and job runs go on after the restored rows"

# ---- after_restore ----
out=$(q "$dst" -c "SET client_min_messages = warning" -c "SELECT step || ': ' || detail FROM prodplan.after_restore()" 2>&1) && ok "after_restore(): $(tr '\n' ';' <<<"$out")" ||
  bad "after_restore(): $out"
[ "$(q "$dst" -c "SELECT version > (SELECT max(data_version) FROM prodplan.plans) FROM prodplan.data_version")" = t ] &&
  ok "the data version is past every stored plan's" || bad "the data version is not past the stored plans'"
agg_differ=""
for t in $aggs order_progress order_defects; do
  [ "$(fingerprint "$dst" "$t")" = "${agg_before[$t]}" ] || agg_differ="$agg_differ $t"
done
[ -z "$agg_differ" ] && ok "the aggregates, order progress and order defects equal the source's" || bad "differ from the source's:$agg_differ"
[ "$(pp_aggregates_differ q "$dst")" = 0 ] && ok "the aggregates equal a full recompute" || bad "the aggregates differ from a full recompute"
[ "$(q "$dst" -c "$kpis_sql")" = "$kpis_src" ] &&
  ok "KPIs by work center equal the source's" || bad "KPIs by work center differ from the source's"
[ "$(q "$dst" -c "$list_sql")" = "$list_src" ] && ok "the order list (order_status) equals the source's" || bad "order_status differs"
[ "$(q "$dst" -c "$docs_sql")" = "$docs_src" ] && ok "every plan's Gantt document equals the source's" || bad "Gantt documents differ"
[ "$(q "$dst" -c "$old_sql")" = "$old_src" ] && ok "every plant's order list document equals the source's" || bad "order list documents differ"
[ "$(q "$dst" -c "SELECT prodplan.plant_security_enabled()")" = t ] &&
  [ -z "$(q "$dst" -c "SELECT string_agg(c.relname, ' ') FROM pg_class c WHERE c.relnamespace = 'prodplan'::regnamespace AND c.relkind = 'v'
                       AND NOT coalesce((SELECT o.option_value::boolean FROM pg_options_to_table(c.reloptions) o
                                         WHERE o.option_name = 'security_invoker'), false)")" ] &&
  [ "$(q "$dst" -c "SET ROLE pp_dump_north" -c "SELECT count(*) FROM prodplan.gantt")" = 0 ] &&
  ok "row-level security by plant is on again, every view reads as its caller (a NORTH reader sees no DEMO bar)" ||
  bad "row-level security by plant after the restore"
q "$dst" -c "SET client_min_messages = warning" -c "SELECT count(*) FROM prodplan.set_plant_security(false)" >/dev/null
next=$(q "$dst" -c "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 100}')" 2>&1) &&
  [ "$next" -gt "$scenario" ] && [ "$(q "$dst" -c "SELECT count(*) FROM prodplan.validate_plan($next)")" = 0 ] &&
  ok "the restored database plans (plan $next, after the restored $scenario) and the plan validates" || bad "planning after the restore: $next"
exit $fail
