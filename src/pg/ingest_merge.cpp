// The whole-entity merge of staged rows into the canonical tables, for an
// entity the plant already has rows of (ingest_merge.h).
#include "pg/ingest_merge.h"

namespace pp::pg::ingest {

// How an entity's staged rows reach the SQL merge.
LoadMode choose_mode(const pp::ingest::EntitySpec& spec, Datum plant) {
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT 1 FROM prodplan.%.*s WHERE plant_id = $1 LIMIT 1) x",
           (int)spec.entity.size(), spec.entity.data());
  Oid t[1] = {TEXTOID};
  Datum v[1] = {plant};
  if (spi_scalar_int8(sql, 1, t, v) == 0) return LoadMode::Append;
  return spec.entity == "defect" ? LoadMode::Stream : LoadMode::Compare;
}

// Completes one staged entity's staging table (created by begin_entity and
// loaded with its earlier parts) with its last part, derives, quarantines
// rows without a derived time, merges, and reconciles. Rows the Compare mode
// kept back count as unchanged. Returns the counts.
SheetCounts merge_entity(const pp::ingest::EntitySpec& spec, const char* sheet, int64 run_id, Datum plant,
                         const pp::ingest::StagedEntity& part, double chunk_seconds, int64 unchanged_in_memory,
                         double compare_seconds, const KnownReferences* known) {
  SheetCounts counts = {0, 0, 0, 0, NULL, NULL, 0, 0};
  StepClock clock;
  clock.start();
  const int64 staged_rows = (int64)part.rows;
  const char* derived = derived_column(spec.entity);
  const char* dvalue = derived_value(spec.entity);
  const NotNullDefaults defaults = not_null_defaults(spec.entity);
  StringInfoData sql;
  initStringInfo(&sql);
  char stage[NAMEDATALEN];
  stage_name(stage, spec.entity);

  load_stage(spec, part.copy_text.data(), part.copy_text.size());
  delete_superseded(spec, part.superseded_rows.data(), part.superseded_rows.size());
  clock.record("stage_copy_while_parsing", chunk_seconds);
  if (compare_seconds > 0) clock.record("compare_with_stored", compare_seconds);
  clock.lap("stage_copy");
  // Statistics for the joins below (key, reference and order columns):
  // without them the planner guesses a few rows and probes every
  // partition's index once per staged row. Other columns need none.
  resetStringInfo(&sql);
  appendStringInfo(&sql, "ANALYZE pg_temp.%s (source_row", stage);
  append_join_columns(&sql, spec);
  appendStringInfoChar(&sql, ')');
  spi_exec(sql.data, 0, NULL, NULL, SPI_OK_UTILITY);
  clock.lap("stage_analyze");

  Oid types[3] = {TEXTOID, INT8OID, TEXTOID};
  Datum values[3] = {plant, Int64GetDatum(run_id), CStringGetTextDatum(sheet)};

  if (derived) {
    derive_stage(spec, plant);
    clock.lap("derive");
    counts.sql_quarantined = quarantine_without_derived(spec, "prodplan.ingest_quarantine", run_id, sheet);
    ensure_stage_partitions(spec);
    clock.lap("partitions");
  }

  // A plant's first load of this entity: every row is new.
  resetStringInfo(&sql);
  appendStringInfo(&sql, "SELECT count(*) FROM (SELECT 1 FROM prodplan.%.*s WHERE plant_id = $1 LIMIT 1) x",
                   (int)spec.entity.size(), spec.entity.data());
  const bool target_empty = spi_scalar_int8(sql.data, 1, types, values) == 0;

  // Classify every staged row in one join: 'n' new key, 'c' key exists with
  // other values, 'u' unchanged. The class table drives the writes, and its
  // counts are checked against what the writes report.
  const int64 remaining = staged_rows - counts.sql_quarantined;
  int64 n_new = remaining, n_changed = 0, n_unchanged = 0;
  char cls[NAMEDATALEN];
  snprintf(cls, sizeof cls, "pp_class_%.*s", (int)spec.entity.size(), spec.entity.data());
  if (!target_empty) {
    if (OidIsValid(RelnameGetRelid(cls))) {
      resetStringInfo(&sql);
      appendStringInfo(&sql, "DROP TABLE pg_temp.%s", cls);
      spi_exec(sql.data, 0, NULL, NULL, SPI_OK_UTILITY);
    }
    // Only new and changed rows are written to the class table: after an
    // identical re-run it stays empty. The classification itself is held in
    // memory for the counts.
    resetStringInfo(&sql);
    appendStringInfo(&sql, "CREATE TEMP TABLE %s (source_row int, k \"char\") ON COMMIT DROP", cls);
    spi_exec(sql.data, 0, NULL, NULL, SPI_OK_UTILITY);
    resetStringInfo(&sql);
    appendStringInfoString(&sql, "WITH c AS MATERIALIZED (SELECT s.source_row, CASE WHEN t.plant_id IS NULL "
                           "THEN 'n'::\"char\" WHEN (");
    bool first = true;
    for (const auto& c : spec.columns) {
      if (c.key) continue;
      if (!first) appendStringInfoString(&sql, ", ");
      first = false;
      appendStringInfoString(&sql, "t.");
      append_name(&sql, c.name);
    }
    if (derived) appendStringInfo(&sql, "%st.%s", first ? "" : ", ", derived);
    appendStringInfoString(&sql, ", NULL) IS DISTINCT FROM (");
    first = true;
    for (const auto& c : spec.columns) {
      if (c.key) continue;
      if (!first) appendStringInfoString(&sql, ", ");
      first = false;
      append_value(&sql, defaults, c.name, "t.");
    }
    if (derived) appendStringInfo(&sql, "%s%s", first ? "" : ", ", dvalue);
    appendStringInfo(&sql, ", NULL) THEN 'c'::\"char\" ELSE 'u'::\"char\" END AS k FROM pg_temp.%s s "
                     "LEFT JOIN prodplan.%.*s t ON ",
                     stage, (int)spec.entity.size(), spec.entity.data());
    append_key_match(&sql, spec);
    appendStringInfo(&sql,
                     "), w AS (INSERT INTO pg_temp.%s SELECT source_row, k FROM c WHERE k <> 'u') "
                     "SELECT count(*) FILTER (WHERE k = 'n'), count(*) FILTER (WHERE k = 'c'), "
                     "count(*) FILTER (WHERE k = 'u'), count(*) FROM c",
                     cls);
    if (SPI_execute_with_args(sql.data, 1, types, values, NULL, false, 1) != SPI_OK_SELECT)
      elog(ERROR, "prodplan ingestion: could not classify");
    bool isnull;
    HeapTuple tup = SPI_tuptable->vals[0];
    TupleDesc desc = SPI_tuptable->tupdesc;
    n_new = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
    n_changed = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
    n_unchanged = DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));
    int64 classified = DatumGetInt64(SPI_getbinval(tup, desc, 4, &isnull));
    // One class per staged row: the LEFT JOIN gives each staged row (unique
    // source_row) at least one row, so more rows than staged means a key is
    // stored twice in the canonical table.
    if (classified != remaining)
      ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                      errmsg("prodplan ingestion: counts of sheet \"%s\" (%.*s) do not reconcile", sheet,
                             (int)spec.entity.size(), spec.entity.data()),
                      errdetail("staged " INT64_FORMAT " rows but classified " INT64_FORMAT
                                " against prodplan.%.*s: a key is stored more than once there.",
                                remaining, classified, (int)spec.entity.size(), spec.entity.data())));
    if (n_new + n_changed > 0) {
      resetStringInfo(&sql);
      appendStringInfo(&sql, "ANALYZE pg_temp.%s", cls);
      spi_exec(sql.data, 0, NULL, NULL, SPI_OK_UTILITY);
    }
  }
  clock.lap("classify");

  // UPDATE the changed rows.
  if (n_changed > 0) {
    resetStringInfo(&sql);
    appendStringInfo(&sql, "UPDATE prodplan.%.*s t SET ", (int)spec.entity.size(), spec.entity.data());
    bool first = true;
    for (const auto& c : spec.columns) {
      if (c.key) continue;
      if (!first) appendStringInfoString(&sql, ", ");
      first = false;
      append_name(&sql, c.name);
      appendStringInfoString(&sql, " = ");
      append_value(&sql, defaults, c.name, "t.");
    }
    if (derived) appendStringInfo(&sql, "%s%s = %s", first ? "" : ", ", derived, dvalue);
    appendStringInfo(&sql, " FROM pg_temp.%s s JOIN pg_temp.%s k USING (source_row) WHERE k.k = 'c' AND ", stage, cls);
    append_key_match(&sql, spec);
    counts.updated = spi_exec(sql.data, 1, types, values, SPI_OK_UPDATE);
    clock.lap("update");
  }

  // INSERT the new keys.
  if (n_new > 0) {
    resetStringInfo(&sql);
    char filter[NAMEDATALEN + 64];
    snprintf(filter, sizeof filter, "JOIN pg_temp.%s k USING (source_row) WHERE k.k = 'n'", cls);
    append_insert(&sql, spec, defaults, target_empty ? NULL : filter);
    counts.inserted = spi_exec(sql.data, 1, types, values, SPI_OK_INSERT);
    clock.lap("insert");
  }
  counts.unchanged = n_unchanged + unchanged_in_memory;

  // Reconcile: the writes did exactly what the classification says.
  if (counts.inserted != n_new || counts.updated != n_changed)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("prodplan ingestion: counts of sheet \"%s\" (%.*s) do not reconcile", sheet,
                           (int)spec.entity.size(), spec.entity.data()),
                    errdetail("classified " INT64_FORMAT " new and " INT64_FORMAT " changed rows, but inserted "
                              INT64_FORMAT " and updated " INT64_FORMAT ".",
                              n_new, n_changed, counts.inserted, counts.updated)));

  finish_sheet(spec, stage, plant, &counts, &clock, known);
  counts.steps_json = clock.finish();
  pfree(sql.data);
  return counts;
}

}  // namespace pp::pg::ingest
