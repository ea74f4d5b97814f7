// prodplan.ingest_workbook / prodplan.ingest_file: the SQL side of ingestion.
//
// 1. The core (pp::ingest::StagingPipeline) parses the workbook on a worker
//    thread and hands out, per entity and in parts while the sheet is read,
//    validated rows with unique keys as COPY text, plus the quarantine
//    records. This thread never runs PostgreSQL code inside C++ frames.
// 2. Each part is COPYed into a temporary staging table as it arrives (the
//    partitions its event times need are created then). When the plant
//    already has rows of the entity, the stored rows are indexed in memory
//    first and rows stored exactly as staged are kept back and counted
//    unchanged (core/ingest/unchanged_filter.h). Derived columns (event
//    times) are computed, rows without one are quarantined.
// 3. Merge: UPDATE the canonical rows whose key exists and whose values
//    differ (a changed event time moves the row to its new partition), INSERT
//    the new keys; unchanged rows are not touched.
// 4. Reconcile: every staged row must now be found in the canonical table
//    with its key; rows read = inserted + updated + unchanged + quarantined +
//    duplicates, sheet by sheet; any mismatch fails the run.
// The whole run is one subtransaction: on any error it is rolled back, the
// failed run is recorded by a background worker (run_recorder.h) in its own
// transaction, and the error is re-raised.
#include "core/ingest/staging.h"
#include "core/ingest/staging_pipeline.h"
#include "core/ingest/unchanged_filter.h"
#include "core/model/copy_rows.h"
#include "pg/boundary.h"
#include "pg/copy_into.h"
#include "pg/gucs.h"
#include "pg/ingest_progress.h"
#include "pg/ingest_run.h"
#include "pg/ingest_unchanged.h"
#include "pg/run_recorder.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "pg/pg_includes.h"

extern "C" {
#include "common/cryptohash.h"
#include "utils/json.h"
#include "catalog/pg_authid.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

extern "C" {
PGDLLEXPORT Datum prodplan_ingest_table(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_ingest_table);
PGDLLEXPORT Datum prodplan_ingest_workbook(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum prodplan_ingest_file(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_ingest_workbook);
PG_FUNCTION_INFO_V1(prodplan_ingest_file);
}

using pp::pg::pp_call;

namespace {

// Everything C++ that lives across PostgreSQL calls, owned through one pointer
// so the PostgreSQL frames hold nothing with a destructor.
struct IngestState {
  std::vector<pp::ingest::ColumnAlias> aliases;
  std::vector<pp::ingest::SheetAlias> sheet_aliases;
  pp::ingest::IngestOptions options;
  pp::ingest::IngestCallbacks callbacks;
  std::unique_ptr<pp::ingest::RowStager> row_stager;  // table sources only
  std::unique_ptr<pp::ingest::StagingPipeline> pipeline;  // workbook sources only
  std::vector<std::optional<std::string_view>> cells;  // one table row
  pp::ingest::WorkbookPlan plan;
  std::vector<pp::ingest::StagedEntity> staged;
  std::vector<pp::ingest::SheetReport> staged_reports;  // parallel to staged
  pp::ingest::StagedEntity chunk;  // the part of an entity being loaded while its sheet is parsed
  // Compare mode (LoadMode): the plant's stored rows of the entity being
  // loaded, the source rows kept back as unchanged, and what is left of a part.
  std::unique_ptr<pp::ingest::UnchangedFilter> filter;
  std::vector<std::uint32_t> kept;
  pp::ingest::StagedEntity remaining;
  std::string buf;
};



struct SheetCounts {
  int64 inserted, updated, unchanged, sql_quarantined;
  char* references_json;  // {"column -> target": {"rows": n, "matched": m, "match_rate": r}, ...}
  char* steps_json;       // {"step": seconds, ...}: where the merge of this sheet spent its time
};

// Seconds per merge step of one entity, reported in ingest_runs.report so a
// slow load can be explained from SQL.
struct StepClock {
  StringInfoData json;
  instr_time last;
  void start() {
    initStringInfo(&json);
    appendStringInfoChar(&json, '{');
    INSTR_TIME_SET_CURRENT(last);
  }
  void record(const char* step, double seconds) {
    appendStringInfo(&json, "%s\"%s\": %.3f", json.len > 1 ? ", " : "", step, seconds);
  }
  void lap(const char* step) {
    instr_time now;
    INSTR_TIME_SET_CURRENT(now);
    instr_time d = now;
    INSTR_TIME_SUBTRACT(d, last);
    record(step, INSTR_TIME_GET_DOUBLE(d));
    last = now;
  }
  char* finish() {
    appendStringInfoChar(&json, '}');
    return json.data;
  }
};

constexpr int kMaxEntities = 16;

const char* sql_type(pp::ingest::ColumnType t) {
  switch (t) {
    case pp::ingest::ColumnType::Integer: return "int";
    case pp::ingest::ColumnType::Real: return "float8";
    case pp::ingest::ColumnType::Flag: return "boolean";
    case pp::ingest::ColumnType::Timestamp: return "timestamptz";
    case pp::ingest::ColumnType::Text:
    case pp::ingest::ColumnType::Id: break;
  }
  return "text";
}

void append_name(StringInfo s, std::string_view name) { appendBinaryStringInfo(s, name.data(), (int)name.size()); }

// The column an entity derives during the merge (its partition key), or NULL.
const char* derived_column(std::string_view entity) {
  if (entity == "operation") return "event_time";
  if (entity == "defect") return "detected_at";
  return NULL;
}

// Statements (over staging table %1$s, plant $1) that fill the derived
// column: first from the row itself or the rows it references in bulk (hash
// joins, no per-row subqueries), then from the order's creation.
struct DerivedSteps {
  const char* steps[3];
};

DerivedSteps derived_steps(std::string_view entity) {
  if (entity == "operation")
    return {{"UPDATE pg_temp.%1$s s SET event_time = o.created_at FROM prodplan.production_order o "
             "WHERE s.ended_at IS NULL AND s.started_at IS NULL AND s.planned_at IS NULL "
             "AND o.plant_id = $1 AND o.order_id = s.order_id",
             NULL, NULL}};
  if (entity == "defect")
    return {{"UPDATE pg_temp.%1$s s SET detected_at = op.event_time FROM (SELECT operation_id, max(event_time) AS "
             "event_time FROM prodplan.operation WHERE plant_id = $1 AND operation_id IN (SELECT "
             "evaluation_operation_id FROM pg_temp.%1$s) GROUP BY operation_id) op "
             "WHERE op.operation_id = s.evaluation_operation_id",
             "UPDATE pg_temp.%1$s s SET detected_at = o.created_at FROM prodplan.production_order o "
             "WHERE s.detected_at IS NULL AND o.plant_id = $1 AND o.order_id = s.order_id",
             NULL}};
  return {{NULL, NULL, NULL}};
}

// The derived value of staging row s: the operation's own end, start or
// planned date, else what derived_steps filled in (the order's creation).
const char* derived_value(std::string_view entity) {
  if (entity == "operation") return "coalesce(s.ended_at, s.started_at, s.planned_at, s.event_time)";
  if (entity == "defect") return "s.detected_at";
  return NULL;
}

// References a staged entity makes to other entities, reported as match rates
// (orphans are kept, not rejected).
struct Reference {
  const char* entity;
  const char* column;
  const char* target;
  const char* target_column;
};
const Reference kReferences[] = {
    {"production_order", "product_id", "product", "product_id"},
    {"routing_step", "product_id", "product", "product_id"},
    {"operation", "order_id", "production_order", "order_id"},
    {"operation_assignment", "operation_id", "operation", "operation_id"},
    {"operation_assignment", "employee_id", "employee", "employee_id"},
    {"defect", "order_id", "production_order", "order_id"},
    {"employee_skill", "employee_id", "employee", "employee_id"},
};

int64 spi_exec(const char* sql, int nargs, Oid* types, Datum* values, int expected) {
  int rc = SPI_execute_with_args(sql, nargs, types, values, NULL, false, 0);
  if (rc != expected)
    ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                    errmsg("prodplan ingestion: statement failed (%s): %s", SPI_result_code_string(rc), sql)));
  return (int64)SPI_processed;
}

int64 spi_scalar_int8(const char* sql, int nargs, Oid* types, Datum* values) {
  // read_only = false: the query must see what the previous statements of
  // this run wrote (a new command id and snapshot).
  int rc = SPI_execute_with_args(sql, nargs, types, values, NULL, false, 1);
  if (rc != SPI_OK_SELECT || SPI_processed != 1)
    ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("prodplan ingestion: query failed: %s", sql)));
  bool isnull;
  Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
  return isnull ? -1 : DatumGetInt64(d);
}

// Key equality between canonical t and staging s; nullable key columns
// (a defect's culprit) compare NULL as equal.
void append_key_match(StringInfo s, const pp::ingest::EntitySpec& spec) {
  appendStringInfoString(s, "t.plant_id = $1");
  for (const auto& c : spec.columns) {
    if (!c.key) continue;
    appendStringInfoString(s, " AND ");
    if (c.required) {
      appendStringInfoString(s, "t.");
      append_name(s, c.name);
      appendStringInfoString(s, " = s.");
      append_name(s, c.name);
    } else {
      appendStringInfoString(s, "t.");
      append_name(s, c.name);
      appendStringInfoString(s, " IS NOT DISTINCT FROM s.");
      append_name(s, c.name);
    }
  }
}

// NOT NULL columns of prodplan.<entity> that have a default: a NULL in the
// source means "not given", so an insert takes the default and an update
// keeps the stored value.
struct NotNullDefaults {
  int n;
  char* column[32];
  char* expr[32];
};

NotNullDefaults not_null_defaults(std::string_view entity) {
  NotNullDefaults d;
  d.n = 0;
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT a.attname::text, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) FROM pg_catalog.pg_attribute a "
           "JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum "
           "WHERE a.attrelid = 'prodplan.%.*s'::regclass AND a.attnotnull AND a.attgenerated = '' "
           "AND NOT a.attisdropped",
           (int)entity.size(), entity.data());
  if (SPI_execute(sql, true, 0) != SPI_OK_SELECT) elog(ERROR, "prodplan ingestion: could not read column defaults");
  for (uint64 i = 0; i < SPI_processed && d.n < 32; i++) {
    d.column[d.n] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
    d.expr[d.n] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
    d.n++;
  }
  return d;
}

const char* default_of(const NotNullDefaults& d, std::string_view column) {
  for (int i = 0; i < d.n; i++)
    if (column == d.column[i]) return d.expr[i];
  return NULL;
}

// Appends the value the merge stores for column c from staging row s: the
// staged value, or (NULL given) `fallback` for NOT NULL columns with a default.
void append_value(StringInfo sql, const NotNullDefaults& d, std::string_view column, const char* fallback_prefix) {
  const char* def = default_of(d, column);
  if (def == NULL) {
    appendStringInfoString(sql, "s.");
    append_name(sql, column);
    return;
  }
  appendStringInfoString(sql, "coalesce(s.");
  append_name(sql, column);
  appendStringInfoString(sql, ", ");
  if (fallback_prefix) {
    appendStringInfoString(sql, fallback_prefix);
    append_name(sql, column);
  } else {
    appendStringInfoString(sql, def);
  }
  appendStringInfoChar(sql, ')');
}

void stage_name(char* out, std::string_view entity) {
  snprintf(out, NAMEDATALEN, "pp_stage_%.*s", (int)entity.size(), entity.data());
}

// Creates the entity's staging table: source_row, the spec's columns, the
// derived column. A second run in the same transaction finds the first
// run's table and replaces it.
void create_stage(const pp::ingest::EntitySpec& spec) {
  char stage[NAMEDATALEN];
  stage_name(stage, spec.entity);
  const char* derived = derived_column(spec.entity);
  StringInfoData sql;
  initStringInfo(&sql);
  if (OidIsValid(RelnameGetRelid(stage))) {
    appendStringInfo(&sql, "DROP TABLE pg_temp.%s", stage);
    spi_exec(sql.data, 0, NULL, NULL, SPI_OK_UTILITY);
    resetStringInfo(&sql);
  }
  appendStringInfo(&sql, "CREATE TEMP TABLE %s (source_row int", stage);
  for (const auto& c : spec.columns) {
    appendStringInfoString(&sql, ", ");
    append_name(&sql, c.name);
    appendStringInfo(&sql, " %s", sql_type(c.type));
  }
  if (derived) appendStringInfo(&sql, ", %s timestamptz", derived);
  appendStringInfoString(&sql, ") ON COMMIT DROP");
  spi_exec(sql.data, 0, NULL, NULL, SPI_OK_UTILITY);
  pfree(sql.data);
}

// COPYs staged rows (source_row + the spec's columns) into the staging table.
void load_stage(const pp::ingest::EntitySpec& spec, const char* copy_text, size_t copy_len) {
  if (copy_len == 0) return;
  char stage[NAMEDATALEN];
  stage_name(stage, spec.entity);
  const char* cols[64];
  int ncols = 0;
  cols[ncols++] = "source_row";
  for (const auto& c : spec.columns) cols[ncols++] = pnstrdup(c.name.data(), c.name.size());
  pp::pg::copy_into_relation(RelnameGetRelid(stage), cols, ncols, copy_text, copy_len);
}

// Rows of earlier chunks that a later row of the same key replaced (the
// last occurrence wins): deleted from the staging table.
void delete_superseded(const pp::ingest::EntitySpec& spec, const std::uint32_t* rows, size_t n) {
  if (n == 0) return;
  char stage[NAMEDATALEN];
  stage_name(stage, spec.entity);
  Datum* elems = (Datum*)palloc(sizeof(Datum) * n);
  for (size_t i = 0; i < n; i++) elems[i] = Int32GetDatum((int32)rows[i]);
  ArrayType* arr = construct_array(elems, (int)n, INT4OID, sizeof(int32), true, TYPALIGN_INT);
  char sql[NAMEDATALEN + 96];
  snprintf(sql, sizeof sql, "DELETE FROM pg_temp.%s WHERE source_row = ANY ($1)", stage);
  Oid t[1] = {INT4ARRAYOID};
  Datum v[1] = {PointerGetDatum(arr)};
  const int64 deleted = spi_exec(sql, 1, t, v, SPI_OK_DELETE);
  if (deleted != (int64)n)
    ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                    errmsg("prodplan ingestion: %zu superseded rows of %.*s, but %lld deleted", n,
                           (int)spec.entity.size(), spec.entity.data(), (long long)deleted)));
}

// Appends ", column" for each column of the entity a run's statements join
// on (keys, references, the order): the columns whose statistics matter.
void append_join_columns(StringInfo sql, const pp::ingest::EntitySpec& spec) {
  for (const auto& c : spec.columns) {
    bool joined = c.key || c.name == "order_id" || c.name == "evaluation_operation_id";
    for (const Reference& r : kReferences) joined = joined || (spec.entity == r.entity && c.name == r.column);
    for (const Reference& r : kReferences) joined = joined || (spec.entity == r.target && c.name == r.target_column);
    if (!joined) continue;
    appendStringInfoString(sql, ", ");
    append_name(sql, c.name);
  }
}

bool is_prodplan_table_owner(std::string_view entity) {
  char name[NAMEDATALEN];
  snprintf(name, sizeof name, "%.*s", (int)entity.size(), entity.data());
  const Oid relid = get_relname_relid(name, get_namespace_oid("prodplan", false));
  return OidIsValid(relid) && pg_class_ownercheck(relid, GetUserId());
}

// How an entity's staged rows reach the SQL merge.
enum class LoadMode {
  Stream,   // every row into the staging table, in chunks while the sheet is parsed
  Compare,  // the same, less the rows stored unchanged (ingest_unchanged.h), which are
            // kept back chunk by chunk
};

// Compare when the plant already has rows of the entity (a re-run or an
// update repeats most of them); Stream on a first load, where every row is
// new. Defects always stream: their derived time comes from the operations.
LoadMode choose_mode(const pp::ingest::EntitySpec& spec, Datum plant) {
  if (spec.entity == "defect") return LoadMode::Stream;
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT 1 FROM prodplan.%.*s WHERE plant_id = $1 LIMIT 1) x",
           (int)spec.entity.size(), spec.entity.data());
  Oid t[1] = {TEXTOID};
  Datum v[1] = {plant};
  return spi_scalar_int8(sql, 1, t, v) == 0 ? LoadMode::Stream : LoadMode::Compare;
}

// Completes one staged entity's staging table (created by begin_entity and
// loaded with its earlier parts) with its last part, derives, quarantines
// rows without a derived time, merges, and reconciles. Rows the Compare mode
// kept back count as unchanged. Returns the counts.
SheetCounts merge_entity(const pp::ingest::EntitySpec& spec, const char* sheet, int64 run_id, Datum plant,
                         const pp::ingest::StagedEntity& part, double chunk_seconds, int64 unchanged_in_memory,
                         double compare_seconds) {
  SheetCounts counts = {0, 0, 0, 0, NULL, NULL};
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
    DerivedSteps steps = derived_steps(spec.entity);
    for (const char* step : steps.steps) {
      if (step == NULL) break;
      resetStringInfo(&sql);
      appendStringInfo(&sql, step, stage);
      spi_exec(sql.data, 1, types, values, SPI_OK_UPDATE);
    }
    clock.lap("derive");
    // Rows with no time at all cannot be placed in a partition.
    resetStringInfo(&sql);
    appendStringInfo(&sql,
                     "WITH q AS (DELETE FROM pg_temp.%s s WHERE %s IS NULL RETURNING s.*) "
                     "INSERT INTO prodplan.ingest_quarantine (run_id, sheet, row_number, column_name, reason_code, "
                     "reason_detail, raw_row) SELECT $2, $3, q.source_row, '%s', 'no_event_time', "
                     "'no end, start or planned date, and no known order to take a creation date from', "
                     "pg_catalog.to_jsonb(q) - 'source_row' FROM q",
                     stage, dvalue, derived);
    counts.sql_quarantined = spi_exec(sql.data, 3, types, values, SPI_OK_INSERT);
    resetStringInfo(&sql);
    appendStringInfo(&sql,
                     "SELECT prodplan.ensure_partitions(min(%s), max(%s)) FROM pg_temp.%s s HAVING count(*) > 0",
                     dvalue, dvalue, stage);
    spi_exec(sql.data, 0, NULL, NULL, SPI_OK_SELECT);
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
    appendStringInfo(&sql, "INSERT INTO prodplan.%.*s (plant_id", (int)spec.entity.size(), spec.entity.data());
    for (const auto& c : spec.columns) {
      appendStringInfoString(&sql, ", ");
      append_name(&sql, c.name);
    }
    if (derived) appendStringInfo(&sql, ", %s", derived);
    appendStringInfoString(&sql, ") SELECT $1");
    for (const auto& c : spec.columns) {
      appendStringInfoString(&sql, ", ");
      append_value(&sql, defaults, c.name, NULL);
    }
    if (derived) appendStringInfo(&sql, ", %s", dvalue);
    appendStringInfo(&sql, " FROM pg_temp.%s s", stage);
    if (!target_empty) appendStringInfo(&sql, " JOIN pg_temp.%s k USING (source_row) WHERE k.k = 'n'", cls);
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

  // Fresh statistics for the columns later statements join on: a bulk load
  // leaves a table unanalyzed (autovacuum never analyzes a partitioned
  // parent), and on a table the planner believes nearly empty the reference
  // counts below and the next run's joins pick nested loops over every row.
  // (Only the tables' owner may analyze them; other callers leave it to autovacuum.)
  if (counts.inserted + counts.updated > 0 && is_prodplan_table_owner(spec.entity)) {
    resetStringInfo(&sql);
    appendStringInfo(&sql, "ANALYZE prodplan.%.*s (plant_id", (int)spec.entity.size(), spec.entity.data());
    append_join_columns(&sql, spec);
    appendStringInfoChar(&sql, ')');
    spi_exec(sql.data, 0, NULL, NULL, SPI_OK_UTILITY);
    clock.lap("analyze");
  }

  // Match rates of the references this entity's rows make.
  StringInfoData refs;
  initStringInfo(&refs);
  appendStringInfoChar(&refs, '{');
  bool first_ref = true;
  for (const Reference& r : kReferences) {
    if (spec.entity != r.entity) continue;
    resetStringInfo(&sql);
    // Over the plant's rows of the entity once merged (this workbook's rows,
    // changed or not, and earlier ones it does not repeat). Total minus the
    // rows no target matches: an anti-join needs no DISTINCT over the target.
    appendStringInfo(&sql,
                     "SELECT t.n, t.n - u.n FROM (SELECT count(%1$s) AS n FROM prodplan.%2$.*3$s WHERE plant_id = $1) t, "
                     "(SELECT count(*) AS n FROM prodplan.%2$.*3$s s WHERE s.plant_id = $1 AND s.%1$s IS NOT NULL "
                     "AND NOT EXISTS (SELECT 1 FROM prodplan.%4$s m WHERE m.plant_id = $1 AND m.%5$s = s.%1$s)) u",
                     r.column, spec.entity.data(), (int)spec.entity.size(), r.target, r.target_column);
    if (SPI_execute_with_args(sql.data, 1, types, values, NULL, false, 1) != SPI_OK_SELECT)
      elog(ERROR, "prodplan ingestion: could not count references of %s", stage);
    bool isnull;
    int64 total = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    int64 matched = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
    appendStringInfo(&refs, "%s\"%s -> %s\": {\"rows\": " INT64_FORMAT ", \"matched\": " INT64_FORMAT
                     ", \"match_rate\": %.4f}",
                     first_ref ? "" : ", ", r.column, r.target, total, matched,
                     total > 0 ? (double)matched / (double)total : 1.0);
    first_ref = false;
  }
  appendStringInfoChar(&refs, '}');
  counts.references_json = refs.data;
  clock.lap("references");
  counts.steps_json = clock.finish();
  pfree(sql.data);
  return counts;
}

// The first part of an entity arrived: choose how it loads, create its
// staging table, and in Compare mode index the plant's stored rows.
// `seconds` gets the time spent reading them.
LoadMode begin_entity(IngestState* state, const pp::ingest::EntitySpec& spec, Datum plant, const char* label,
                      double* seconds) {
  *seconds = 0;
  create_stage(spec);
  const LoadMode mode = choose_mode(spec, plant);
  if (mode != LoadMode::Compare) return mode;
  instr_time t0, t1;
  INSTR_TIME_SET_CURRENT(t0);
  const NotNullDefaults defaults = not_null_defaults(spec.entity);
  bool keeps[64] = {false};
  for (size_t k = 0; k < spec.columns.size() && k < 64; k++) keeps[k] = default_of(defaults, spec.columns[k].name) != NULL;
  const char* derived = derived_column(spec.entity);
  pp_call(label, [&] {
    pp::ingest::UnchangedRules rules;
    rules.null_keeps_stored.assign(keeps, keeps + spec.columns.size());
    // The derived value (derived_value()) of a row that has one of its own.
    if (derived != NULL)
      for (const char* from : {"ended_at", "started_at", "planned_at"})
        for (size_t k = 0; k < spec.columns.size(); k++)
          if (spec.columns[k].name == from) rules.derived_from.push_back(k);
    state->filter = std::make_unique<pp::ingest::UnchangedFilter>(spec, std::move(rules));
    state->kept.clear();
  });
  pp::pg::read_stored_rows(spec, derived, plant, state->filter.get());
  INSTR_TIME_SET_CURRENT(t1);
  INSTR_TIME_SUBTRACT(t1, t0);
  *seconds = INSTR_TIME_GET_DOUBLE(t1);
  return mode;
}

// Creates the partitions a part's event times need as soon as the part
// arrives (while the rest of the sheet is parsed), rather than after the
// whole sheet. [*lo, *hi] is the range already ensured during this run.
void ensure_part_partitions(const pp::ingest::StagedEntity& part, int64* lo, int64* hi) {
  if (part.min_event_time > part.max_event_time) return;
  if (part.min_event_time >= *lo && part.max_event_time <= *hi) return;
  *lo = Min(*lo, (int64)part.min_event_time);
  *hi = Max(*hi, (int64)part.max_event_time);
  Oid t[2] = {FLOAT8OID, FLOAT8OID};
  Datum v[2] = {Float8GetDatum((double)*lo), Float8GetDatum((double)*hi)};
  spi_exec("SELECT prodplan.ensure_partitions(pg_catalog.to_timestamp($1), pg_catalog.to_timestamp($2))", 2, t, v,
           SPI_OK_SELECT);
}

char* sha256_hex(const char* data, size_t len) {
  pg_cryptohash_ctx* ctx = pg_cryptohash_create(PG_SHA256);
  uint8 digest[32];
  if (pg_cryptohash_init(ctx) < 0 || pg_cryptohash_update(ctx, (const uint8*)data, len) < 0 ||
      pg_cryptohash_final(ctx, digest, sizeof digest) < 0)
    elog(ERROR, "prodplan ingestion: could not compute sha256: %s", pg_cryptohash_error(ctx));
  pg_cryptohash_free(ctx);
  char* hex = (char*)palloc(65);
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  return hex;
}

// Streams the rows of a table through the RowStager: a cursor fetches them in
// batches as text (each column's output function), PostgreSQL code copies a
// batch into plain arrays, then C++ stages it. Row 1 is the column names.
void stage_table_rows(IngestState* state, Oid relid, const pp::CancelToken& cancel) {
  char* relname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
  StringInfoData sql;
  initStringInfo(&sql);
  appendStringInfo(&sql, "SELECT * FROM %s", relname);
  Portal portal = SPI_cursor_open_with_args(NULL, sql.data, 0, NULL, NULL, NULL, true, CURSOR_OPT_NO_SCROLL);
  MemoryContext batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "prodplan table batch", ALLOCSET_DEFAULT_SIZES);
  std::uint32_t row_number = 1;
  bool header_done = false;
  for (;;) {
    SPI_cursor_fetch(portal, true, 10000);
    TupleDesc desc = SPI_tuptable->tupdesc;
    int natts = desc->natts;
    uint64 nrows = SPI_processed;
    MemoryContext old = MemoryContextSwitchTo(batch_cxt);
    if (!header_done) {
      char** names = (char**)palloc(sizeof(char*) * natts);
      bool* dropped = (bool*)palloc(sizeof(bool) * natts);
      for (int a = 0; a < natts; a++) {
        Form_pg_attribute att = TupleDescAttr(desc, a);
        names[a] = pstrdup(NameStr(att->attname));
        dropped[a] = att->attisdropped;
      }
      pp_call("ingest_table", [&] {
        state->cells.clear();
        for (int a = 0; a < natts; a++)
          if (!dropped[a]) state->cells.emplace_back(std::string_view(names[a]));
        state->row_stager->add_row(row_number, state->cells);
      });
      row_number++;
      header_done = true;
    }
    char** values = (char**)palloc(sizeof(char*) * (nrows * natts + 1));
    for (uint64 r = 0; r < nrows; r++)
      for (int a = 0; a < natts; a++)
        values[r * natts + a] = TupleDescAttr(desc, a)->attisdropped
                                    ? NULL
                                    : SPI_getvalue(SPI_tuptable->vals[r], desc, a + 1);
    MemoryContextSwitchTo(old);
    pp_call("ingest_table", [&] {
      for (uint64 r = 0; r < nrows; r++) {
        state->cells.clear();
        for (int a = 0; a < natts; a++) {
          if (TupleDescAttr(desc, a)->attisdropped) continue;
          const char* v = values[r * natts + a];
          if (v == NULL) state->cells.emplace_back(std::nullopt);
          else state->cells.emplace_back(std::string_view(v));
        }
        state->row_stager->add_row(row_number++, state->cells);
      }
      cancel.poll();
    });
    SPI_freetuptable(SPI_tuptable);
    MemoryContextReset(batch_cxt);
    CHECK_FOR_INTERRUPTS();
    if (nrows == 0) break;
  }
  SPI_cursor_close(portal);
  MemoryContextDelete(batch_cxt);
}

// Records a run as it starts ('running') or as a skipped re-run (finished at
// once, all counts zero). sha is "" for sources without bytes (tables).
void insert_run_row(int64 run_id, Datum plant, const pp::pg::IngestArgs& args, const char* sha, Jsonb* options,
                    bool skipped) {
  Oid t[8] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID, BOOLOID};
  Datum v[8] = {Int64GetDatum(run_id), plant, CStringGetTextDatum(args.source),
                CStringGetTextDatum(args.source_name ? args.source_name : ""), CStringGetTextDatum(sha),
                CStringGetTextDatum(args.profile), PointerGetDatum(options), BoolGetDatum(skipped)};
  spi_exec("INSERT INTO prodplan.ingest_runs (run_id, plant_id, source, source_name, workbook_sha256, profile, "
           "options, status, started_at, finished_at, run_by, rows_read, inserted, updated, unchanged, "
           "quarantined, duplicates) VALUES ($1, $2, $3, nullif($4, ''), nullif($5, ''), $6, $7, "
           "CASE WHEN $8 THEN 'skipped' ELSE 'running' END, pg_catalog.clock_timestamp(), "
           "CASE WHEN $8 THEN pg_catalog.clock_timestamp() END, current_user, CASE WHEN $8 THEN 0 END, "
           "CASE WHEN $8 THEN 0 END, CASE WHEN $8 THEN 0 END, CASE WHEN $8 THEN 0 END, CASE WHEN $8 THEN 0 END, "
           "CASE WHEN $8 THEN 0 END)",
           8, t, v, SPI_OK_INSERT);
}

}  // namespace

namespace pp::pg {

IngestOutcome ingest_run(const char* data, size_t len, const IngestArgs& args) {
  const pp::CancelToken cancel = pp::pg::backend_cancel_token();
  IngestOutcome outcome = {0, false, 0, NULL};
  // The SQL function the caller called, for error contexts.
  const char* label = strcmp(args.source, "table") == 0  ? "ingest_table"
                      : strcmp(args.source, "file") == 0 ? "ingest_file"
                                                         : "ingest_workbook";
  Jsonb* options = static_cast<Jsonb*>(args.options);

  char* options_text = JsonbToCString(NULL, &options->root, VARSIZE(options));
  // Table sources have no bytes to fingerprint: they always run.
  char* sha = args.table_relid == 0 ? sha256_hex(data, len) : pstrdup("");
  TimestampTz started_at = GetCurrentTimestamp();

  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prodplan ingestion: SPI_connect failed");

  // Options.
  Oid jtypes[1] = {JSONBOID};
  Datum jvalues[1] = {PointerGetDatum(options)};
  if (SPI_execute_with_args("SELECT coalesce($1->>'plant', 'MAIN'), coalesce(($1->>'force')::boolean, false)", 1,
                            jtypes, jvalues, NULL, true, 1) != SPI_OK_SELECT)
    elog(ERROR, "prodplan ingestion: could not read options");
  bool isnull;
  char* plant = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
  bool force = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
  Datum plant_d = CStringGetTextDatum(plant);

  // One ingestion per plant at a time.
  Oid t1[1] = {TEXTOID};
  Datum v1[1] = {plant_d};
  spi_exec("SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('prodplan.ingest:' || $1))", 1, t1, v1,
           SPI_OK_SELECT);

  int64 run_id = spi_scalar_int8("SELECT pg_catalog.nextval('prodplan.ingest_run_id_seq')", 0, NULL, NULL);

  // The same workbook again: a skipped run, unless forced.
  {
    Oid t[3] = {TEXTOID, TEXTOID, TEXTOID};
    Datum v[3] = {CStringGetTextDatum(sha), CStringGetTextDatum(args.profile), plant_d};
    int64 previous = spi_scalar_int8(
        "SELECT coalesce(max(run_id), -1) FROM prodplan.ingest_runs WHERE workbook_sha256 = $1 AND profile = $2 "
        "AND plant_id = $3 AND status = 'succeeded'",
        3, t, v);
    if (previous >= 0 && !force && args.table_relid == 0) {
      insert_run_row(run_id, plant_d, args, sha, options, true);
      ereport(NOTICE, (errmsg("prodplan: workbook already ingested by run " INT64_FORMAT "; run " INT64_FORMAT
                              " skipped it", previous, run_id),
                       errhint("Pass options => '{\"force\": true}' to ingest it again.")));
      SPI_finish();
      outcome.run_id = run_id;
      outcome.skipped = true;
      return outcome;
    }
  }

  IngestState* volatile state = nullptr;
  MemoryContext outer_cxt = CurrentMemoryContext;
  ResourceOwner outer_owner = CurrentResourceOwner;
  int nresults = 0;
  IngestSheetResult* results = (IngestSheetResult*)palloc0(sizeof(IngestSheetResult) * kMaxEntities);
  char* references[kMaxEntities] = {NULL};
  char* steps[kMaxEntities] = {NULL};

  BeginInternalSubTransaction(NULL);
  MemoryContextSwitchTo(outer_cxt);
  PG_TRY();
  {
    // Settings for the run's own bulk statements, restored when it ends (as a
    // function's SET clause would): JIT compiles each large join and insert
    // for longer than it saves on these simple expressions, and a
    // classification join hashes a whole sheet, which at the default
    // work_mem spills to disk in batches.
    const int guc_level = NewGUCNestLevel();
    char work_mem[32];
    snprintf(work_mem, sizeof work_mem, "%d", pp::pg::guc_ingest_work_mem_mb * 1024);
    (void)set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    (void)set_config_option("work_mem", work_mem, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    insert_run_row(run_id, plant_d, args, sha, options, false);
    pp::pg::progress_begin(run_id);
    spi_exec("INSERT INTO prodplan.plant (plant_id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING", 1, t1, v1,
             SPI_OK_INSERT);

    // Aliases of the profile.
    Oid tp[1] = {TEXTOID};
    Datum vp[1] = {CStringGetTextDatum(args.profile)};
    spi_exec("SELECT entity, header, column_name FROM prodplan.column_aliases WHERE profile = $1 ORDER BY 1, 2", 1,
             tp, vp, SPI_OK_SELECT);
    uint64 nalias = SPI_processed;
    char** a_entity = (char**)palloc(sizeof(char*) * (nalias + 1));
    char** a_header = (char**)palloc(sizeof(char*) * (nalias + 1));
    char** a_column = (char**)palloc(sizeof(char*) * (nalias + 1));
    for (uint64 i = 0; i < nalias; i++) {
      a_entity[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
      a_header[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
      a_column[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);
    }
    spi_exec("SELECT sheet, entity FROM prodplan.sheet_aliases WHERE profile = $1 ORDER BY 1", 1, tp, vp,
             SPI_OK_SELECT);
    uint64 nsheet = SPI_processed;
    if (nalias == 0 || nsheet == 0)
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("prodplan ingestion: unknown profile \"%s\"", args.profile),
                      errhint("Profiles are the distinct values of prodplan.sheet_aliases.profile "
                              "(built in: prodplan, canonical).")));
    char** s_sheet = (char**)palloc(sizeof(char*) * nsheet);
    char** s_entity = (char**)palloc(sizeof(char*) * nsheet);
    for (uint64 i = 0; i < nsheet; i++) {
      s_sheet[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
      s_entity[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
    }

    // Parse, validate and stage in C++.
    instr_time t0, t1, t2;
    INSTR_TIME_SET_CURRENT(t0);
    const char* profile = args.profile;
    pp_call(label, [&] {
      state = new IngestState();
      for (uint64 i = 0; i < nalias; i++)
        state->aliases.push_back({profile, a_entity[i], a_header[i], a_column[i]});
      for (uint64 i = 0; i < nsheet; i++) state->sheet_aliases.push_back({profile, s_sheet[i], s_entity[i]});
      pp::ingest::IngestOptions& opt = state->options;
      opt.profile = profile;
      opt.limits.max_uncompressed_bytes = (std::uint64_t)pp::pg::guc_xlsx_max_uncompressed_mb << 20;
      opt.limits.max_ratio = pp::pg::guc_xlsx_max_ratio;
      opt.limits.max_shared_strings_bytes = (std::uint64_t)pp::pg::guc_xlsx_max_shared_strings_mb << 20;
      opt.limits.parse_threads = (std::uint32_t)pp::pg::guc_xlsx_parse_threads;
      // Staged rows come in parts while a sheet is parsed, so loading them
      // overlaps parsing and no sheet's text is held whole.
      if (args.table_relid == 0) opt.chunk_bytes = (std::size_t)pp::pg::guc_ingest_chunk_kb << 10;
      pp::ingest::IngestCallbacks& cb = state->callbacks;
      IngestState* st = state;
      cb.on_entity = [st](pp::ingest::StagedEntity& e, const pp::ingest::SheetReport& r) {
        st->staged.push_back(std::move(e));
        st->staged_reports.push_back(r);
      };
      cb.on_progress = [](std::string_view sheet, std::size_t rows) {
        std::string name(sheet.substr(0, 63));
        pp::pg::progress_sheet(name.c_str(), (int64_t)rows, -1);
      };
      if (args.table_relid == 0) {
        // Parsing runs on a worker thread while this thread merges what is
        // ready (staging_pipeline.h); the worker never calls PostgreSQL.
        state->pipeline = std::make_unique<pp::ingest::StagingPipeline>(data, len, state->aliases,
                                                                        state->sheet_aliases, opt);
      } else {
        state->row_stager = std::make_unique<pp::ingest::RowStager>(args.table_entity, args.source_name,
                                                                    state->aliases, opt, cb, cancel);
      }
    });
    if (args.table_relid != 0) {
      stage_table_rows(state, args.table_relid, cancel);
      pp_call(label, [&] { state->plan = state->row_stager->finish(); });
    }
    double parse_seconds = 0, merge_seconds = 0;
    INSTR_TIME_SET_CURRENT(t1);
    INSTR_TIME_SUBTRACT(t1, t0);
    if (args.table_relid != 0) parse_seconds = INSTR_TIME_GET_DOUBLE(t1);

    // Merge entity by entity, in dependency order, as the stager hands them
    // out; an entity's chunks go into its staging table while it is parsed.
    const pp::ingest::EntitySpec* started = nullptr;  // entity whose parts are arriving
    LoadMode mode = LoadMode::Stream;
    double compare_seconds = 0;
    int64 ensured_lo = PG_INT64_MAX, ensured_hi = PG_INT64_MIN;
    double chunk_seconds = 0;
    int chunks = 0;
    int chunk_counts[kMaxEntities] = {0};
    int superseded_counts[kMaxEntities] = {0};
    for (size_t i = 0;; i++) {
      if (state->pipeline) {
        int status = 0;  // 0 pending, 1 ready, 2 done, 3 a chunk
        char sheet_now[64] = {0};
        size_t rows_now = 0;
        while (status == 0 || status == 3) {
          status = 0;
          const pp::ingest::EntitySpec* chunk_spec = nullptr;
          pp_call(label, [&] {
            pp::ingest::StagedEntity entity;
            pp::ingest::SheetReport report;
            const auto n = state->pipeline->next(entity, report, 100);
            if (n == pp::ingest::StagingPipeline::Next::Ready && !entity.complete) {
              chunk_spec = pp::ingest::find_entity(entity.entity);
              state->chunk = std::move(entity);
              status = 3;
            } else if (n == pp::ingest::StagingPipeline::Next::Ready) {
              state->staged.push_back(std::move(entity));
              state->staged_reports.push_back(std::move(report));
              status = 1;
            } else if (n == pp::ingest::StagingPipeline::Next::Done) {
              state->plan = state->pipeline->take_plan();
              parse_seconds = state->pipeline->worker_seconds();
              status = 2;
            }
            std::string sheet;
            state->pipeline->progress(sheet, rows_now);
            pp::pg::copy_text(sheet_now, sizeof sheet_now, sheet.c_str());
          });
          if (status == 3) {
            if (chunk_spec == nullptr) elog(ERROR, "prodplan ingestion: a chunk of an unknown entity");
            instr_time c0, c1;
            INSTR_TIME_SET_CURRENT(c0);
            if (started != chunk_spec) {
              started = chunk_spec;
              mode = begin_entity(state, *chunk_spec, plant_d, label, &compare_seconds);
            }
            ensure_part_partitions(state->chunk, &ensured_lo, &ensured_hi);
            if (mode == LoadMode::Compare)
              pp_call(label, [&] { state->chunk.copy_text = state->filter->filter(state->chunk.copy_text, state->kept); });
            load_stage(*chunk_spec, state->chunk.copy_text.data(), state->chunk.copy_text.size());
            pp_call(label, [&] { std::string().swap(state->chunk.copy_text); });
            INSTR_TIME_SET_CURRENT(c1);
            INSTR_TIME_SUBTRACT(c1, c0);
            chunk_seconds += INSTR_TIME_GET_DOUBLE(c1);
            chunks++;
            merge_seconds += INSTR_TIME_GET_DOUBLE(c1);
          }
          if (status != 1 && sheet_now[0]) pp::pg::progress_sheet(sheet_now, (int64)rows_now, -1);
          CHECK_FOR_INTERRUPTS();
        }
        if (status == 2) break;
      } else if (i >= state->staged.size()) {
        break;
      }
      if (nresults >= kMaxEntities) elog(ERROR, "prodplan ingestion: too many entities staged");
      const pp::ingest::StagedEntity& e = state->staged[i];
      const pp::ingest::SheetReport& r = state->staged_reports[i];
      const pp::ingest::EntitySpec* spec = pp::ingest::find_entity(e.entity);
      if (spec == nullptr) ereport(ERROR, (errmsg("prodplan ingestion: no entity \"%s\"", e.entity.c_str())));
      instr_time m0, m1;
      INSTR_TIME_SET_CURRENT(m0);
      pp::pg::progress_sheet(r.sheet.c_str(), (int64)r.rows_read, (int64)r.rows_read);
      if (started != spec) {
        started = spec;
        chunk_seconds = 0;
        mode = begin_entity(state, *spec, plant_d, label, &compare_seconds);
      }
      ensure_part_partitions(e, &ensured_lo, &ensured_hi);
      SheetCounts c;
      if (mode == LoadMode::Compare) {
        // The last part, less its unchanged rows. A superseded row (an
        // earlier part's row whose key came again) that was kept back is no
        // longer a live row; one that was loaded is deleted from the stage.
        int64 kept_live = 0;
        pp_call(label, [&] {
          state->remaining.entity = e.entity;
          state->remaining.copy_text = state->filter->filter(e.copy_text, state->kept);
          std::string().swap(state->staged[i].copy_text);
          std::sort(state->kept.begin(), state->kept.end());
          state->remaining.superseded_rows.clear();
          size_t superseded_kept = 0;
          for (std::uint32_t row : e.superseded_rows) {
            if (std::binary_search(state->kept.begin(), state->kept.end(), row)) superseded_kept++;
            else state->remaining.superseded_rows.push_back(row);
          }
          kept_live = (int64)(state->kept.size() - superseded_kept);
          state->remaining.rows = e.rows - (size_t)kept_live;
          state->filter.reset();
          state->kept.clear();
        });
        c = merge_entity(*spec, r.sheet.c_str(), run_id, plant_d, state->remaining, chunk_seconds, kept_live,
                         compare_seconds);
        pp_call(label, [&] { std::string().swap(state->remaining.copy_text); });
      } else {
        c = merge_entity(*spec, r.sheet.c_str(), run_id, plant_d, e, chunk_seconds, 0, 0);
      }
      started = nullptr;
      chunk_seconds = 0;
      chunk_counts[nresults] = chunks;
      superseded_counts[nresults] = (int)e.superseded_rows.size();
      chunks = 0;
      INSTR_TIME_SET_CURRENT(m1);
      INSTR_TIME_SUBTRACT(m1, m0);
      merge_seconds += INSTR_TIME_GET_DOUBLE(m1);
      // The staged text of a merged entity is not needed any more: free it
      // while the next sheets are parsed (bounds the peak to about one sheet).
      pp_call(label, [&] { std::string().swap(state->staged[i].copy_text); });
      references[nresults] = c.references_json;
      steps[nresults] = c.steps_json;
      IngestSheetResult& res = results[nresults++];
      res.sheet = pstrdup(r.sheet.c_str());
      res.entity = pstrdup(e.entity.c_str());
      res.rows_read = (int64)r.rows_read;
      res.inserted = c.inserted;
      res.updated = c.updated;
      res.unchanged = c.unchanged;
      res.quarantined = (int64)r.quarantined + c.sql_quarantined;
      res.seconds = r.seconds + INSTR_TIME_GET_DOUBLE(m1);
      if (res.rows_read != res.inserted + res.updated + res.unchanged + res.quarantined + (int64)r.duplicates)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("prodplan ingestion: sheet \"%s\" does not reconcile", r.sheet.c_str()),
                        errdetail("read " INT64_FORMAT " = inserted " INT64_FORMAT " + updated " INT64_FORMAT
                                  " + unchanged " INT64_FORMAT " + quarantined " INT64_FORMAT
                                  " + duplicates %zu does not hold.",
                                  res.rows_read, res.inserted, res.updated, res.unchanged, res.quarantined,
                                  r.duplicates)));
      CHECK_FOR_INTERRUPTS();
    }

    // Quarantine records of the core.
    size_t nquarantine = 0;
    pp_call(label, [&] {
      std::string& b = state->buf;
      b.clear();
      std::string run = std::to_string(run_id);
      for (const auto& q : state->plan.quarantine) {
        b += run;
        b += '\t';
        pp::model::append_copy_text(b, q.sheet);
        b += '\t';
        b += std::to_string(q.row_number);
        b += '\t';
        if (q.column.empty()) b += "\\N";
        else pp::model::append_copy_text(b, q.column);
        b += '\t';
        pp::model::append_copy_text(b, q.reason_code);
        b += '\t';
        pp::model::append_copy_text(b, q.detail);
        b += '\t';
        pp::model::append_copy_text(b, q.raw_json);
        b += '\n';
      }
      nquarantine = state->plan.quarantine.size();
    });
    if (nquarantine > 0) {
      const char* qcols[7] = {"run_id", "sheet", "row_number", "column_name", "reason_code", "reason_detail", "raw_row"};
      pp::pg::copy_into_table("ingest_quarantine", qcols, 7, state->buf.data(), state->buf.size());
    }
    INSTR_TIME_SET_CURRENT(t2);

    // The run's record: totals, phases and a per-sheet report.
    int64 tot[6] = {0, 0, 0, 0, 0, 0};
    StringInfoData report;
    initStringInfo(&report);
    appendStringInfoString(&report, "{\"sheets\": {");
    for (int i = 0; i < nresults; i++) {
      const pp::ingest::SheetReport& r = state->staged_reports[i];
      tot[0] += results[i].rows_read;
      tot[1] += results[i].inserted;
      tot[2] += results[i].updated;
      tot[3] += results[i].unchanged;
      tot[4] += results[i].quarantined;
      tot[5] += (int64)r.duplicates;
      if (i) appendStringInfoString(&report, ", ");
      escape_json(&report, r.sheet.c_str());
      appendStringInfo(&report, ": {\"entity\": \"%s\", \"duplicates\": %zu, \"error_cells\": %zu, "
                       "\"references\": %s, \"merge_seconds\": %s, \"chunks\": %d, \"superseded_in_chunks\": %d, "
                       "\"unknown_headers\": [",
                       results[i].entity, r.duplicates, r.error_cells, references[i], steps[i], chunk_counts[i],
                       superseded_counts[i]);
      for (size_t k = 0; k < r.unknown_headers.size(); k++) {
        if (k) appendStringInfoString(&report, ", ");
        escape_json(&report, r.unknown_headers[k].c_str());
      }
      appendStringInfoString(&report, "]}");
    }
    appendStringInfoString(&report, "}, \"ignored_sheets\": [");
    for (size_t k = 0; k < state->plan.ignored_sheets.size(); k++) {
      if (k) appendStringInfoString(&report, ", ");
      escape_json(&report, state->plan.ignored_sheets[k].c_str());
    }
    appendStringInfoString(&report, "]}");

    INSTR_TIME_SUBTRACT(t2, t0);
    // Parsing (on the worker) and merging overlap: their sum exceeds the total.
    char phases[192];
    snprintf(phases, sizeof phases,
             "{\"parse_validate_stage\": %.3f, \"load_merge_reconcile\": %.3f, \"total\": %.3f}",
             parse_seconds, merge_seconds, INSTR_TIME_GET_DOUBLE(t2));
    {
      Oid t[9] = {INT8OID, INT8OID, INT8OID, INT8OID, INT8OID, INT8OID, INT8OID, TEXTOID, TEXTOID};
      Datum v[9] = {Int64GetDatum(run_id), Int64GetDatum(tot[0]), Int64GetDatum(tot[1]), Int64GetDatum(tot[2]),
                    Int64GetDatum(tot[3]), Int64GetDatum(tot[4]), Int64GetDatum(tot[5]),
                    CStringGetTextDatum(phases), CStringGetTextDatum(report.data)};
      spi_exec("UPDATE prodplan.ingest_runs SET status = 'succeeded', finished_at = pg_catalog.clock_timestamp(), "
               "rows_read = $2, inserted = $3, updated = $4, unchanged = $5, quarantined = $6, duplicates = $7, "
               "phase_seconds = $8::jsonb, report = $9::jsonb "
               "WHERE run_id = $1",
               9, t, v, SPI_OK_UPDATE);
    }

    AtEOXact_GUC(true, guc_level);
    ReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(outer_cxt);
    CurrentResourceOwner = outer_owner;
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(outer_cxt);
    ErrorData* edata = CopyErrorData();
    FlushErrorState();
    RollbackAndReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(outer_cxt);
    CurrentResourceOwner = outer_owner;
    pp::pg::progress_end();
    delete state;
    state = nullptr;
    if (!ProcDiePending) {
      pp::pg::FailedRun fr = {run_id, plant, args.source, args.source_name, sha[0] ? sha : NULL, args.profile, options_text,
                              started_at, edata->message};
      pp::pg::record_failed_run(fr);
    }
    ReThrowError(edata);
  }
  PG_END_TRY();

  pp::pg::progress_end();
  delete state;
  SPI_finish();
  outcome.run_id = run_id;
  outcome.nsheets = nresults;
  outcome.sheets = results;
  return outcome;
}

}  // namespace pp::pg

namespace {

Datum return_outcome(FunctionCallInfo fcinfo, const pp::pg::IngestOutcome& outcome) {
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  const pp::pg::IngestSheetResult* results = outcome.sheets;
  const int64 run_id = outcome.run_id;
  for (int i = 0; i < outcome.nsheets; i++) {
    Datum values[9];
    bool nulls[9] = {false};
    values[0] = Int64GetDatum(run_id);
    values[1] = CStringGetTextDatum(results[i].sheet);
    values[2] = CStringGetTextDatum(results[i].entity);
    values[3] = Int64GetDatum(results[i].rows_read);
    values[4] = Int64GetDatum(results[i].inserted);
    values[5] = Int64GetDatum(results[i].updated);
    values[6] = Int64GetDatum(results[i].unchanged);
    values[7] = Int64GetDatum(results[i].quarantined);
    values[8] = Float8GetDatum(results[i].seconds);
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  }
  return (Datum)0;
}

}  // namespace

Datum prodplan_ingest_workbook(PG_FUNCTION_ARGS) {
  bytea* wb = PG_GETARG_BYTEA_PP(0);
  pp::pg::IngestArgs args = {"workbook", NULL, text_to_cstring(PG_GETARG_TEXT_PP(1)), PG_GETARG_JSONB_P(2), NULL, 0};
  return return_outcome(fcinfo, pp::pg::ingest_run(VARDATA_ANY(wb), VARSIZE_ANY_EXHDR(wb), args));
}

Datum prodplan_ingest_file(PG_FUNCTION_ARGS) {
  if (!has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("permission denied to ingest a server-side file"),
                    errdetail("Only roles with privileges of the \"pg_read_server_files\" role may read server files."),
                    errhint("Use prodplan.ingest_workbook with the workbook's bytes instead.")));
  char* path = text_to_cstring(PG_GETARG_TEXT_PP(0));
  int fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
  if (fd < 0) ereport(ERROR, (errcode_for_file_access(), errmsg("could not open file \"%s\": %m", path)));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    CloseTransientFile(fd);
    ereport(ERROR, (errcode_for_file_access(), errmsg("could not stat file \"%s\": %m", path)));
  }
  char* buf = (char*)MemoryContextAllocHuge(CurrentMemoryContext, st.st_size > 0 ? st.st_size : 1);
  off_t done = 0;
  while (done < st.st_size) {
    ssize_t n = read(fd, buf + done, st.st_size - done);
    if (n <= 0) {
      CloseTransientFile(fd);
      ereport(ERROR, (errcode_for_file_access(), errmsg("could not read file \"%s\": %m", path)));
    }
    done += n;
  }
  CloseTransientFile(fd);
  pp::pg::IngestArgs args = {"file", path, text_to_cstring(PG_GETARG_TEXT_PP(1)), PG_GETARG_JSONB_P(2), NULL, 0};
  return return_outcome(fcinfo, pp::pg::ingest_run(buf, (size_t)st.st_size, args));
}

Datum prodplan_ingest_table(PG_FUNCTION_ARGS) {
  char* entity = text_to_cstring(PG_GETARG_TEXT_PP(0));
  Oid relid = PG_GETARG_OID(1);
  Jsonb* options = PG_GETARG_JSONB_P(2);
  // The profile maps the source's column names; by default the canonical
  // English names (the staging columns themselves).
  const char* profile = "canonical";
  JsonbValue* v = getKeyJsonValueFromContainer(&options->root, "profile", 7, NULL);
  if (v != NULL && v->type == jbvString) profile = pnstrdup(v->val.string.val, v->val.string.len);
  char* source = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
  pp::pg::IngestArgs args = {"table", source, profile, options, entity, relid};
  return return_outcome(fcinfo, pp::pg::ingest_run(NULL, 0, args));
}
