// Append mode (ingest_merge.h): a plant's first load of an entity, part by
// part while the sheet is still being parsed.
//
// Why: on a first load every row is new, so there is nothing to classify, and
// the INSERT into the canonical table (index upkeep dominates it) is most of
// the work. Doing it per part keeps this backend busy while the parser thread
// reads the rest of the sheet, instead of waiting for the whole sheet and then
// inserting it all. A part arrives split (direct_split.h): its direct rows are
// COPYed into the canonical table as they are, the rest go through the
// staging table, SQL derivation and INSERT ... SELECT.
//
// Invariant: before a part is inserted, the canonical table holds, for this
// plant, exactly the rows of the earlier parts that were not quarantined, and
// the held table (held_name) their no_event_time quarantine records. A key
// repeated in a later part (the last occurrence wins) therefore matches one
// row in one of the two, and the part's newly_superseded list names exactly
// those rows: they are removed before the part goes in, and their number must
// equal the list's length.
#include "pg/ingest_merge.h"

#include "pg/copy_into.h"

extern "C" {
#include "utils/rls.h"
}

namespace pp::pg::ingest {

namespace {

// pg_temp.pp_held_<entity>: the no_event_time quarantine records of the
// entity's parts so far, stored in prodplan.ingest_quarantine when the
// entity is done. Held back because a later part may supersede such a row,
// and the caller may insert quarantine records but not delete them.
void held_name(char* out, std::string_view entity) {
  snprintf(out, NAMEDATALEN, "pp_held_%.*s", (int)entity.size(), entity.data());
}

double seconds_since(instr_time start) {
  instr_time now;
  INSTR_TIME_SET_CURRENT(now);
  INSTR_TIME_SUBTRACT(now, start);
  return INSTR_TIME_GET_DOUBLE(now);
}

// Removes what the earlier parts stored for rows this part replaces: their
// canonical rows (found by key from this part's staged rows) and their
// quarantine records. Returns the canonical rows removed.
int64 remove_superseded(const pp::ingest::EntitySpec& spec, const char* sheet, int64 run_id, Datum plant,
                        const pp::ingest::StagedEntity& part, int64* quarantine_removed) {
  const size_t n = part.newly_superseded.size();
  char stage[NAMEDATALEN];
  stage_name(stage, spec.entity);
  Datum* elems = (Datum*)palloc(sizeof(Datum) * n);
  for (size_t i = 0; i < n; i++) elems[i] = Int32GetDatum((int32)part.newly_superseded[i]);
  ArrayType* rows = construct_array(elems, (int)n, INT4OID, sizeof(int32), true, TYPALIGN_INT);
  Datum* by = (Datum*)palloc(sizeof(Datum) * n);
  for (size_t i = 0; i < n; i++) by[i] = Int32GetDatum((int32)part.superseding[i]);
  ArrayType* replacing = construct_array(by, (int)n, INT4OID, sizeof(int32), true, TYPALIGN_INT);
  Oid types[5] = {TEXTOID, INT8OID, TEXTOID, INT4ARRAYOID, INT4ARRAYOID};
  Datum values[5] = {plant, Int64GetDatum(run_id), CStringGetTextDatum(sheet), PointerGetDatum(rows),
                     PointerGetDatum(replacing)};

  StringInfoData sql;
  initStringInfo(&sql);
  *quarantine_removed = 0;
  if (derived_column(spec.entity) != NULL) {
    char held[NAMEDATALEN];
    held_name(held, spec.entity);
    appendStringInfo(&sql, "DELETE FROM pg_temp.%s WHERE row_number = ANY ($4)", held);
    *quarantine_removed = spi_exec(sql.data, 5, types, values, SPI_OK_DELETE);
    resetStringInfo(&sql);
  }
  // By key from the replacing rows only (few): the plant had no rows of the
  // entity when the load began, so what matches is the earlier parts' row.
  // The key lacks the partition key, so each match probes every partition's
  // index: cheap for a few rows, not for a whole part.
  appendStringInfo(&sql, "DELETE FROM prodplan.%.*s t USING pg_temp.%s s WHERE s.source_row = ANY ($5) AND ",
                   (int)spec.entity.size(), spec.entity.data(), stage);
  append_key_match(&sql, spec);
  const int64 removed = spi_exec(sql.data, 5, types, values, SPI_OK_DELETE);
  if (removed + *quarantine_removed != (int64)n)
    ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                    errmsg("prodplan ingestion: %zu rows of sheet \"%s\" (%.*s) were superseded by later rows, but "
                           INT64_FORMAT " stored and " INT64_FORMAT " quarantined rows matched",
                           n, sheet, (int)spec.entity.size(), spec.entity.data(), removed, *quarantine_removed)));
  pfree(sql.data);
  return removed;
}

}  // namespace

bool direct_copy_allowed(const pp::ingest::EntitySpec& spec) {
  char name[NAMEDATALEN];
  snprintf(name, sizeof name, "%.*s", (int)spec.entity.size(), spec.entity.data());
  const Oid relid = get_relname_relid(name, get_namespace_oid("prodplan", false));
  // COPY through copy_into_relation does not apply row-level security
  // policies; an INSERT ... SELECT does.
  return OidIsValid(relid) && check_enable_rls(relid, InvalidOid, true) == RLS_NONE;
}

const char** direct_null_defaults(const pp::ingest::EntitySpec& spec) {
  const NotNullDefaults d = not_null_defaults(spec.entity);
  const char** out = (const char**)palloc0(sizeof(const char*) * (spec.columns.size() + 1));
  for (size_t c = 0; c < spec.columns.size(); c++) {
    const char* def = default_of(d, spec.columns[c].name);
    if (def != NULL) out[c] = pp::ingest::constant_default(def) ? def : "";
  }
  return out;
}

void append_begin(const pp::ingest::EntitySpec& spec, AppendLoad* load) {
  memset(load, 0, sizeof *load);
  load->defaults = not_null_defaults(spec.entity);
  if (derived_column(spec.entity) == NULL) return;
  char held[NAMEDATALEN];
  held_name(held, spec.entity);
  StringInfoData sql;
  initStringInfo(&sql);
  if (OidIsValid(RelnameGetRelid(held))) {
    appendStringInfo(&sql, "DROP TABLE pg_temp.%s", held);
    spi_exec(sql.data, 0, NULL, NULL, SPI_OK_UTILITY);
    resetStringInfo(&sql);
  }
  appendStringInfo(&sql, "CREATE TEMP TABLE %s (LIKE prodplan.ingest_quarantine) ON COMMIT DROP", held);
  spi_exec(sql.data, 0, NULL, NULL, SPI_OK_UTILITY);
  pfree(sql.data);
}

void append_part(const pp::ingest::EntitySpec& spec, const char* sheet, int64 run_id, Datum plant,
                 const pp::ingest::StagedEntity& part, AppendLoad* load) {
  instr_time t;
  INSTR_TIME_SET_CURRENT(t);
  char stage[NAMEDATALEN];
  stage_name(stage, spec.entity);
  if (load->parts++ > 0) truncate_stage(spec);
  const int64 staged = load_stage(spec, part.copy_text.data(), part.copy_text.size());
  load->staged += staged + (int64)part.direct_rows;
  load->seconds_copy += seconds_since(t);

  if (!part.newly_superseded.empty()) {
    INSTR_TIME_SET_CURRENT(t);
    int64 quarantine_removed = 0;
    const int64 removed = remove_superseded(spec, sheet, run_id, plant, part, &quarantine_removed);
    load->inserted -= removed;
    load->sql_quarantined -= quarantine_removed;
    load->superseded += (int64)part.newly_superseded.size();
    load->seconds_superseded += seconds_since(t);
  }
  // The rows that need nothing but themselves (direct_split.h), straight into
  // the canonical table; after the removal above, so none of them collides
  // with an earlier part's row, and before the staged rows, which cannot
  // collide with them either (one row per key within a part).
  if (part.direct_rows > 0) {
    INSTR_TIME_SET_CURRENT(t);
    const char* cols[66];
    int ncols = 0;
    cols[ncols++] = "plant_id";
    for (const auto& c : spec.columns) cols[ncols++] = pnstrdup(c.name.data(), c.name.size());
    if (derived_column(spec.entity) != NULL) cols[ncols++] = derived_column(spec.entity);
    char table[NAMEDATALEN];
    snprintf(table, sizeof table, "%.*s", (int)spec.entity.size(), spec.entity.data());
    const int64 copied = (int64)pp::pg::copy_into_table(table, cols, ncols, part.direct_text.data(),
                                                        part.direct_text.size());
    if (copied != (int64)part.direct_rows)
      ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                      errmsg("prodplan ingestion: counts of sheet \"%s\" (%.*s) do not reconcile", sheet,
                             (int)spec.entity.size(), spec.entity.data()),
                      errdetail("a part of %zu direct rows, copied " INT64_FORMAT ".", part.direct_rows, copied)));
    load->inserted += copied;
    load->direct += copied;
    load->seconds_direct += seconds_since(t);
  }
  if (staged == 0) return;

  Oid types[1] = {TEXTOID};
  Datum values[1] = {plant};
  StringInfoData sql;
  initStringInfo(&sql);
  int64 quarantined = 0;
  const char* derived = derived_column(spec.entity);
  if (derived) {
    INSTR_TIME_SET_CURRENT(t);
    const DerivedSteps steps = derived_steps(spec.entity);
    if (steps.need_stage_statistics) {
      appendStringInfo(&sql, "ANALYZE pg_temp.%s (source_row", stage);
      append_join_columns(&sql, spec);
      appendStringInfoChar(&sql, ')');
      spi_exec(sql.data, 0, NULL, NULL, SPI_OK_UTILITY);
    }
    derive_stage(spec, plant);
    char held[NAMEDATALEN], target[NAMEDATALEN + 16];
    held_name(held, spec.entity);
    snprintf(target, sizeof target, "pg_temp.%s", held);
    quarantined = quarantine_without_derived(spec, target, run_id, sheet);
    load->sql_quarantined += quarantined;
    load->seconds_derive += seconds_since(t);
    // The part's own times were covered when it arrived; times taken from
    // orders or operations may reach other months.
    INSTR_TIME_SET_CURRENT(t);
    ensure_stage_partitions(spec);
    load->seconds_partitions += seconds_since(t);
  }

  INSTR_TIME_SET_CURRENT(t);
  resetStringInfo(&sql);
  append_insert(&sql, spec, load->defaults, NULL);
  const int64 inserted = spi_exec(sql.data, 1, types, values, SPI_OK_INSERT);
  if (inserted != staged - quarantined)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("prodplan ingestion: counts of sheet \"%s\" (%.*s) do not reconcile", sheet,
                           (int)spec.entity.size(), spec.entity.data()),
                    errdetail("a part of " INT64_FORMAT " staged rows, " INT64_FORMAT " quarantined, inserted "
                              INT64_FORMAT ".", staged, quarantined, inserted)));
  load->inserted += inserted;
  load->seconds_insert += seconds_since(t);
  pfree(sql.data);
}

SheetCounts append_finish(const pp::ingest::EntitySpec& spec, Datum plant, int64 live_rows, AppendLoad* load) {
  SheetCounts counts = {load->inserted, 0, 0, load->sql_quarantined, NULL, NULL, load->direct, 0};
  // Every live row (the last occurrence of each key) is stored or quarantined.
  if (load->inserted + load->sql_quarantined != live_rows || load->staged - load->superseded != live_rows)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("prodplan ingestion: counts of %.*s do not reconcile", (int)spec.entity.size(),
                           spec.entity.data()),
                    errdetail(INT64_FORMAT " live rows, staged " INT64_FORMAT " less " INT64_FORMAT
                              " superseded, inserted " INT64_FORMAT " and quarantined " INT64_FORMAT ".",
                              live_rows, load->staged, load->superseded, load->inserted, load->sql_quarantined)));
  StepClock clock;
  clock.start();
  load->held = {0, NULL};
  if (derived_column(spec.entity) != NULL) {
    char held[NAMEDATALEN];
    held_name(held, spec.entity);
    char sql[NAMEDATALEN + 256];
    if (load->sql_quarantined > 0) {
      // Which source rows SQL quarantined: the staging thread's match counts
      // of this entity's references and of references to it take them out.
      snprintf(sql, sizeof sql, "SELECT row_number FROM pg_temp.%s ORDER BY 1", held);
      spi_exec(sql, 0, NULL, NULL, SPI_OK_SELECT);
      load->held.rows = (uint32*)palloc(sizeof(uint32) * (SPI_processed + 1));
      for (uint64 i = 0; i < SPI_processed; i++) {
        bool isnull;
        load->held.rows[load->held.n++] =
            (uint32)DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
      }
    }
    snprintf(sql, sizeof sql,
             "INSERT INTO prodplan.ingest_quarantine (run_id, sheet, row_number, column_name, reason_code, "
             "reason_detail, raw_row) SELECT run_id, sheet, row_number, column_name, reason_code, reason_detail, "
             "raw_row FROM pg_temp.%s",
             held);
    if (spi_exec(sql, 0, NULL, NULL, SPI_OK_INSERT) != load->sql_quarantined)
      ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                      errmsg("prodplan ingestion: the held quarantine records of %.*s do not match their count",
                             (int)spec.entity.size(), spec.entity.data())));
  }
  if (load->direct > 0) clock.record("direct_copy", load->seconds_direct);
  clock.record("stage_copy", load->seconds_copy);
  if (load->superseded > 0) clock.record("superseded", load->seconds_superseded);
  if (derived_column(spec.entity) != NULL) {
    clock.record("derive", load->seconds_derive);
    clock.record("partitions", load->seconds_partitions);
  }
  clock.record("insert", load->seconds_insert);
  char stage[NAMEDATALEN];
  stage_name(stage, spec.entity);
  const KnownReferences known = {load->tallies, load->held, load->held_by_entity, false};
  finish_sheet(spec, stage, plant, &counts, &clock, load->held_by_entity != NULL ? &known : NULL);
  counts.steps_json = clock.finish();
  return counts;
}

}  // namespace pp::pg::ingest
