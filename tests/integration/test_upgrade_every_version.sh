#!/usr/bin/env bash
# For every version an update path starts from (the versions named by
# migrations/prodplan--*.sql), CREATE EXTENSION prodplan VERSION '<it>' then
# ALTER EXTENSION prodplan UPDATE gives the same catalog as a fresh install
# of the current version: relations with their columns (types, defaults,
# nullability, generation), constraints, indexes, triggers, partition keys,
# view definitions, functions (arguments, results, body, settings,
# volatility, security), comments, privileges, row-level policies and the
# extension's dump configuration; and the rows the extension installs itself
# (built-in jobs, ingestion aliases, the BI date table).
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
root=${PRODPLAN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases --bare pp_upgrade_every pp_upgrade_fresh
q() { local d=$1; shift; psql -qX -d "$d" -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
work=$(mktemp -d /tmp/pp_upgrade_XXXXXX)
trap 'rm -rf "$work"; pp_drop_test_databases; psql -qX -d postgres -c "DROP ROLE IF EXISTS pp_upgrade_job_owner" >/dev/null 2>&1 || true' EXIT

# One line per catalog fact, names only (never OIDs), sorted.
catalog="
WITH ns AS (SELECT 'prodplan'::regnamespace AS oid),
rels AS (SELECT c.* FROM pg_class c, ns WHERE c.relnamespace = ns.oid AND NOT c.relispartition)
SELECT x FROM (
  SELECT 'rel ' || relname || ' ' || relkind::text || ' ' || coalesce(array_to_string(reloptions, ','), '') || ' '
         || coalesce(relacl::text, '') || ' ' || coalesce(obj_description(oid, 'pg_class'), '(no comment)') AS x FROM rels
  UNION ALL
  SELECT 'col ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull
         || ' gen=' || a.attgenerated::text || ' id=' || a.attidentity::text || ' def=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
         || ' ' || coalesce(col_description(c.oid, a.attnum), '') || ' ' || coalesce(a.attacl::text, '')
  FROM rels c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
  UNION ALL
  SELECT 'con ' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
  FROM rels c JOIN pg_constraint k ON k.conrelid = c.oid
  UNION ALL
  SELECT 'idx ' || regexp_replace(pg_get_indexdef(i.indexrelid), 'INDEX \S+ ON', 'INDEX ON')
  FROM rels c JOIN pg_index i ON i.indrelid = c.oid
  UNION ALL
  SELECT 'trg ' || c.relname || ' ' || pg_get_triggerdef(t.oid)
  FROM rels c JOIN pg_trigger t ON t.tgrelid = c.oid AND NOT t.tgisinternal
  UNION ALL
  SELECT 'part ' || c.relname || ' ' || pg_get_partkeydef(c.oid) FROM rels c WHERE c.relkind = 'p'
  UNION ALL
  SELECT 'view ' || c.relname || ' ' || md5(pg_get_viewdef(c.oid)) FROM rels c WHERE c.relkind IN ('v', 'm')
  UNION ALL
  SELECT 'pol ' || c.relname || ' ' || p.polname || ' ' || p.polcmd::text || ' ' || coalesce(pg_get_expr(p.polqual, p.polrelid), '')
         || ' ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')
  FROM rels c JOIN pg_policy p ON p.polrelid = c.oid
  UNION ALL
  SELECT 'fn ' || p.oid::regprocedure::text || ' -> ' || pg_get_function_result(p.oid) || ' ' || p.prokind::text || ' ' || p.provolatile::text
         || ' secdef=' || p.prosecdef || ' strict=' || p.proisstrict || ' ' || coalesce(array_to_string(p.proconfig, ','), '')
         || ' ' || md5(p.prosrc) || ' ' || coalesce(p.proacl::text, '') || ' ' || coalesce(obj_description(p.oid, 'pg_proc'), '(no comment)')
  FROM pg_proc p, ns WHERE p.pronamespace = ns.oid
  UNION ALL
  SELECT 'type ' || t.typname || ' ' || t.typtype::text FROM pg_type t, ns WHERE t.typnamespace = ns.oid AND t.typrelid = 0
    AND t.typelem = 0
  UNION ALL
  SELECT 'config ' || cfg::regclass::text || ' ' || coalesce(cond, '')
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(cfg, cond) WHERE e.extname = 'prodplan'
  UNION ALL
  SELECT 'job ' || name || ' ' || schedule || ' ' || command || ' ' || enabled FROM prodplan.jobs WHERE is_builtin
  UNION ALL
  SELECT 'alias ' || profile || ' ' || entity || ' ' || header || ' ' || column_name FROM prodplan.column_aliases WHERE is_default
  UNION ALL
  SELECT 'sheet ' || profile || ' ' || sheet || ' ' || entity FROM prodplan.sheet_aliases WHERE is_default
  UNION ALL
  SELECT 'dates ' || count(*) || ' ' || min(date_key) || ' ' || max(date_key) FROM prodplan.bi_dim_date
) facts ORDER BY x"

q pp_upgrade_fresh -c "CREATE EXTENSION prodplan"
current=$(q pp_upgrade_fresh -c "SELECT extversion FROM pg_extension WHERE extname = 'prodplan'")
q pp_upgrade_fresh -c "$catalog" > "$work/fresh.txt"
echo "fresh install of $current: $(wc -l < "$work/fresh.txt") catalog facts"

# Every version an update script starts from, oldest first.
versions=$(ls "$root"/migrations/prodplan--*--*.sql | sed -E 's|.*/prodplan--([0-9.]+)--[0-9.]+\.sql|\1|' | sort -t. -k1,1n -k2,2n -k3,3n -u)
for v in $versions; do
  [ "$v" = "$current" ] && continue
  q pp_upgrade_every -c "DROP EXTENSION IF EXISTS prodplan CASCADE" -c "DROP SCHEMA IF EXISTS prodplan CASCADE" >/dev/null
  q pp_upgrade_every -c "CREATE EXTENSION prodplan VERSION '$v'" -c "ALTER EXTENSION prodplan UPDATE"
  got=$(q pp_upgrade_every -c "SELECT extversion FROM pg_extension WHERE extname = 'prodplan'")
  q pp_upgrade_every -c "$catalog" > "$work/from_$v.txt"
  if [ "$got" = "$current" ] && cmp -s "$work/fresh.txt" "$work/from_$v.txt"; then
    echo "ok: $v -> $got: the same catalog as a fresh install"
  else
    echo "FAIL: $v -> $got differs from a fresh install of $current:"
    diff "$work/fresh.txt" "$work/from_$v.txt" | head -20 || true
    fail=1
  fi
done

# 0.12.0 with row-level security by plant turned on: the update gives the
# tables it adds (order_progress; gantt_documents, keyed by a plan) their
# policy like every other, keeps the
# security on, and leaves every view reading as its caller (CREATE OR REPLACE
# VIEW, as 0.13.0 to 0.17.0 do to gantt, resets security_invoker: without it
# a view reads with its owner's rights and shows every plant).
q pp_upgrade_every -c "DROP EXTENSION IF EXISTS prodplan CASCADE" -c "DROP SCHEMA IF EXISTS prodplan CASCADE" >/dev/null
q pp_upgrade_every -c "CREATE EXTENSION prodplan VERSION '0.12.0'" -c "SELECT count(*) FROM prodplan.set_plant_security(true)" \
  -c "ALTER EXTENSION prodplan UPDATE" >/dev/null
missing=$(q pp_upgrade_every -c "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_class c
  WHERE c.relnamespace = 'prodplan'::regnamespace AND c.relkind IN ('r', 'p')
    AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname IN ('plant_id', 'plan_id') AND NOT a.attisdropped)
    AND c.relname <> 'plant_access'
    AND NOT (c.relrowsecurity AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'plant_access'))")
if [ -z "$missing" ] && [ "$(q pp_upgrade_every -c "SELECT prodplan.plant_security_enabled()")" = t ]; then
  echo "ok: 0.12.0 with plant security on -> $current: every plant and plan table has its policy (order_progress and gantt_documents included)"
else
  echo "FAIL: 0.12.0 with plant security on -> $current: no policy on: ${missing:-(security off)}"; fail=1
fi
owner_views=$(q pp_upgrade_every -c "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_class c
  WHERE c.relnamespace = 'prodplan'::regnamespace AND c.relkind = 'v'
    AND NOT EXISTS (SELECT 1 FROM pg_options_to_table(c.reloptions) o
                    WHERE o.option_name = 'security_invoker' AND o.option_value::boolean)")
views=$(q pp_upgrade_every -c "SELECT count(*) FROM pg_class c WHERE c.relnamespace = 'prodplan'::regnamespace AND c.relkind = 'v'")
if [ -z "$owner_views" ] && [ "$views" -gt 0 ]; then
  echo "ok: 0.12.0 with plant security on -> $current: all $views views read as their caller"
else
  echo "FAIL: 0.12.0 with plant security on -> $current: views reading with their owner's rights: $owner_views"; fail=1
fi

# 0.21.0 with its single partition upkeep job paused by an administrator,
# and owned by another role: 0.22.0 replaces it by one job per partitioned
# table, and each must keep the pause and the owner (a paused upkeep that
# came back after an update would take locks its site had stopped).
q pp_upgrade_every -c "DROP EXTENSION IF EXISTS prodplan CASCADE" -c "DROP SCHEMA IF EXISTS prodplan CASCADE" >/dev/null
q pp_upgrade_every -c "DROP ROLE IF EXISTS pp_upgrade_job_owner" -c "CREATE ROLE pp_upgrade_job_owner" >/dev/null
q pp_upgrade_every -c "CREATE EXTENSION prodplan VERSION '0.21.0'" \
  -c "UPDATE prodplan.jobs SET enabled = false, owner = 'pp_upgrade_job_owner' WHERE is_builtin AND name = 'prodplan.partition upkeep'" \
  -c "ALTER EXTENSION prodplan UPDATE" >/dev/null
upkeep=$(q pp_upgrade_every -c "SELECT count(*) || ' jobs, ' || count(*) FILTER (WHERE enabled) || ' enabled, owners ' || string_agg(DISTINCT owner::text, ',')
  || ', tables ' || string_agg(substr(name, length('prodplan.partition upkeep: ') + 1), ',' ORDER BY name)
  FROM prodplan.jobs WHERE is_builtin AND name LIKE 'prodplan.partition upkeep%'")
tables=$(q pp_upgrade_every -c "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM prodplan.partitioned_table")
if [ "$upkeep" = "5 jobs, 0 enabled, owners pp_upgrade_job_owner, tables $tables" ]; then
  echo "ok: 0.21.0 with its upkeep job paused -> $current: $upkeep"
else
  echo "FAIL: 0.21.0 with its upkeep job paused -> $current: expected 5 jobs, 0 enabled, owners pp_upgrade_job_owner, tables $tables; got: $upkeep"; fail=1
fi
# The same update from a running job: the jobs come out enabled.
q pp_upgrade_every -c "DROP EXTENSION IF EXISTS prodplan CASCADE" -c "DROP SCHEMA IF EXISTS prodplan CASCADE" >/dev/null
q pp_upgrade_every -c "CREATE EXTENSION prodplan VERSION '0.21.0'" -c "ALTER EXTENSION prodplan UPDATE" >/dev/null
enabled=$(q pp_upgrade_every -c "SELECT count(*) FILTER (WHERE enabled) || '/' || count(*) FROM prodplan.jobs WHERE is_builtin AND name LIKE 'prodplan.partition upkeep%'")
if [ "$enabled" = 5/5 ]; then
  echo "ok: 0.21.0 with its upkeep job running -> $current: 5/5 upkeep jobs enabled"
else
  echo "FAIL: 0.21.0 with its upkeep job running -> $current: $enabled upkeep jobs enabled"; fail=1
fi

# The library upgraded, the SQL not yet (the package installed, ALTER
# EXTENSION UPDATE not run): planning on 0.16.0's planned_operations, which
# lacks the head flag 0.17.0 writes (0.15.0's lacked the names 0.16.0
# writes), says what to do before planning instead of COPY's unknown column
# after it, and leaves no plan behind.
q pp_upgrade_every -c "DROP EXTENSION IF EXISTS prodplan CASCADE" -c "DROP SCHEMA IF EXISTS prodplan CASCADE" >/dev/null
q pp_upgrade_every -c "CREATE EXTENSION prodplan VERSION '0.16.0'" -c "SELECT prodplan.load_demo(0.02, 42) IS NOT NULL" >/dev/null
err=$(q pp_upgrade_every -c "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 200}')" 2>&1 || true)
plans=$(q pp_upgrade_every -c "SELECT count(*) FROM prodplan.plans")
if grep -q "older than its library" <<<"$err" && grep -q "ALTER EXTENSION prodplan UPDATE" <<<"$err" && [ "$plans" = 0 ]; then
  echo "ok: plan() on 0.16.0's SQL with the $current library: a clear error, no plan left"
else
  echo "FAIL: plan() on 0.16.0's SQL with the $current library: '$err', $plans plans left"; fail=1
fi
exit $fail
