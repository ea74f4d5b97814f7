#!/usr/bin/env bash
# Ingesting demo_workbook(s, seed) gives the same canonical contents as the
# generator's direct load (checksums of every table), with the planted invalid
# and duplicated rows in quarantine and counted, at scales 0.01 and 0.1.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_match_direct pp_match_workbook
q() { local d=$1; shift; psql -qX -d "$d" -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
for scale in 0.01 0.1; do
  seed=42
  q pp_match_direct -c "SELECT prodplan.load_demo($scale, $seed, via => 'direct')" >/dev/null
  # At 0.1 the rows are loaded in small parts while sheets are parsed, so some
  # duplicated keys span two parts (the earlier row is deleted, not replaced).
  chunk=4096kB; [ "$scale" = 0.1 ] && chunk=64kB
  j=$(PGOPTIONS="-c prodplan.ingest_chunk_size=$chunk" q pp_match_workbook -c "SELECT prodplan.load_demo($scale, $seed, via => 'workbook')")
  a=$(q pp_match_direct -F' ' -c "SELECT table_name, row_count, checksum FROM prodplan.content_checksum('DEMO') ORDER BY 1")
  b=$(q pp_match_workbook -F' ' -c "SELECT table_name, row_count, checksum FROM prodplan.content_checksum('DEMO') ORDER BY 1")
  if [ "$a" = "$b" ]; then
    echo "ok: scale $scale: ingested workbook = direct load in all $(echo "$a" | wc -l) tables ($(echo "$a" | awk '{s+=$2} END {print s}') rows)"
  else
    echo "FAIL: scale $scale: contents differ:"; diff <(echo "$a") <(echo "$b") || true; fail=1
  fi
  run=$(q pp_match_workbook -c "SELECT '$j'::jsonb ->> 'ingest_run_id'")
  expected_q=$(q pp_match_workbook -c "SELECT sum(value::int) FROM jsonb_each_text('$j'::jsonb -> 'workbook_invalid')")
  expected_d=$(q pp_match_workbook -c "SELECT sum(value::int) FROM jsonb_each_text('$j'::jsonb -> 'workbook_duplicates')")
  got=$(q pp_match_workbook -c "SELECT quarantined || ' ' || duplicates || ' ' || (rows_read = inserted + updated + unchanged + quarantined + duplicates) FROM prodplan.ingest_runs WHERE run_id = $run")
  if [ "$got" = "$expected_q $expected_d true" ]; then
    echo "ok: scale $scale: run $run quarantined $expected_q planted invalid rows, counted $expected_d duplicates, reconciles"
  else
    echo "FAIL: scale $scale: run $run quarantined/duplicates/reconciles = $got, expected $expected_q $expected_d true"; fail=1
  fi
  if [ "$scale" = 0.1 ]; then
    parts=$(q pp_match_workbook -c "SELECT sum((v->>'chunks')::int) || ' ' || sum((v->>'superseded_in_chunks')::int) FROM prodplan.ingest_runs, jsonb_each(report->'sheets') s(k, v) WHERE run_id = $run")
    if [ "${parts%% *}" -gt 10 ] && [ "${parts##* }" -gt 0 ]; then
      echo "ok: scale $scale: loaded in ${parts%% *} parts while parsing; ${parts##* } duplicated keys spanned two parts"
    else
      echo "FAIL: scale $scale: parts/superseded = $parts, expected more than 10 parts and some superseded rows"; fail=1
    fi
  fi
done
exit $fail
