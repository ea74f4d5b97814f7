// The SQL building blocks of an ingestion merge (ingest_sql.h).
#include "pg/copy_into.h"
#include "pg/ingest_sql.h"
#include "pg/boundary.h"

namespace pp::pg::ingest {

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
DerivedSteps derived_steps(std::string_view entity) {
  if (entity == "operation")
    return {{"UPDATE pg_temp.%1$s s SET event_time = o.created_at FROM prodplan.production_order o "
             "WHERE s.ended_at IS NULL AND s.started_at IS NULL AND s.planned_at IS NULL "
             "AND o.plant_id = $1 AND o.order_id = s.order_id",
             NULL, NULL},
            false};
  if (entity == "defect")
    return {{"UPDATE pg_temp.%1$s s SET detected_at = op.event_time FROM (SELECT operation_id, max(event_time) AS "
             "event_time FROM prodplan.operation WHERE plant_id = $1 AND operation_id IN (SELECT "
             "evaluation_operation_id FROM pg_temp.%1$s) GROUP BY operation_id) op "
             "WHERE op.operation_id = s.evaluation_operation_id",
             "UPDATE pg_temp.%1$s s SET detected_at = o.created_at FROM prodplan.production_order o "
             "WHERE s.detected_at IS NULL AND o.plant_id = $1 AND o.order_id = s.order_id",
             NULL},
            true};
  return {{NULL, NULL, NULL}, false};
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
int64 load_stage(const pp::ingest::EntitySpec& spec, const char* copy_text, size_t copy_len) {
  if (copy_len == 0) return 0;
  char stage[NAMEDATALEN];
  stage_name(stage, spec.entity);
  const char* cols[64];
  int ncols = 0;
  cols[ncols++] = "source_row";
  for (const auto& c : spec.columns) cols[ncols++] = pnstrdup(c.name.data(), c.name.size());
  return (int64)pp::pg::copy_into_relation(RelnameGetRelid(stage), cols, ncols, copy_text, copy_len);
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
static bool is_join_column(const pp::ingest::EntitySpec& spec, const pp::ingest::ColumnSpec& c) {
  bool joined = c.key || c.name == "order_id" || c.name == "evaluation_operation_id";
  for (const pp::ingest::ReferenceDef& r : pp::ingest::reference_defs()) {
    joined = joined || (spec.entity == r.entity && c.name == r.column) ||
             (spec.entity == r.target && c.name == r.target_column);
  }
  return joined;
}

void append_join_columns(StringInfo sql, const pp::ingest::EntitySpec& spec) {
  for (const auto& c : spec.columns) {
    if (!is_join_column(spec, c)) continue;
    appendStringInfoString(sql, ", ");
    append_name(sql, c.name);
  }
}

// ANALYZE of every column of prodplan.<entity> itself, not of its
// partitions: what `ANALYZE ONLY` does in later PostgreSQL versions.
// Why the parent: autovacuum analyzes each partition on its own after the load
// commits, but never a partitioned parent, whose sample is what the planner
// uses to estimate joins over the whole table. Why every column, not only the
// join keys: a filter on a column without statistics (created_at in a time
// window) gets the planner's default selectivity, 0.5% of the rows for a
// range, and on so few rows it joined first_pass_yield's operations to its
// orders on plant_id alone: 5.6 million rows probing the defects' partitions,
// 93 s at load_demo(0.02) instead of 0.17 s. The other columns cost little next
// to reading the sample (operation at load_demo(1), 518,000 rows: 0.6 s for
// the join columns, 1.6 s for every column, both with the partitions).
// Recursing into every monthly partition here as well would redo autovacuum's
// work inside the caller's transaction.
static void analyze_entity_only(std::string_view entity) {
  char name[NAMEDATALEN];
  snprintf(name, sizeof name, "%.*s", (int)entity.size(), entity.data());
  const Oid relid = get_relname_relid(name, get_namespace_oid("prodplan", false));
  if (!OidIsValid(relid)) return;
  VacuumParams params;
  memset(&params, 0, sizeof params);
  params.options = VACOPT_ANALYZE;
  params.freeze_min_age = params.freeze_table_age = -1;
  params.multixact_freeze_min_age = params.multixact_freeze_table_age = -1;
  params.log_min_duration = -1;
  params.index_cleanup = VACOPTVALUE_UNSPECIFIED;
  params.truncate = VACOPTVALUE_UNSPECIFIED;
  params.nworkers = -1;
  analyze_rel(relid, NULL, &params, NIL, true, GetAccessStrategy(BAS_VACUUM));
  CommandCounterIncrement();
}

void analyze_after_bulk_load(std::string_view table) {
  if (is_prodplan_table_owner(table)) analyze_entity_only(table);
}

bool is_prodplan_table_owner(std::string_view entity) {
  char name[NAMEDATALEN];
  snprintf(name, sizeof name, "%.*s", (int)entity.size(), entity.data());
  const Oid relid = get_relname_relid(name, get_namespace_oid("prodplan", false));
  return OidIsValid(relid) && pg_class_ownercheck(relid, GetUserId());
}


void truncate_stage(const pp::ingest::EntitySpec& spec) {
  char stage[NAMEDATALEN];
  stage_name(stage, spec.entity);
  char sql[NAMEDATALEN + 32];
  snprintf(sql, sizeof sql, "TRUNCATE pg_temp.%s", stage);
  spi_exec(sql, 0, NULL, NULL, SPI_OK_UTILITY);
}

void append_insert(StringInfo sql, const pp::ingest::EntitySpec& spec, const NotNullDefaults& d, const char* filter) {
  const char* derived = derived_column(spec.entity);
  char stage[NAMEDATALEN];
  stage_name(stage, spec.entity);
  appendStringInfo(sql, "INSERT INTO prodplan.%.*s (plant_id", (int)spec.entity.size(), spec.entity.data());
  for (const auto& c : spec.columns) {
    appendStringInfoString(sql, ", ");
    append_name(sql, c.name);
  }
  if (derived) appendStringInfo(sql, ", %s", derived);
  appendStringInfoString(sql, ") SELECT $1");
  for (const auto& c : spec.columns) {
    appendStringInfoString(sql, ", ");
    append_value(sql, d, c.name, NULL);
  }
  if (derived) appendStringInfo(sql, ", %s", derived_value(spec.entity));
  appendStringInfo(sql, " FROM pg_temp.%s s", stage);
  if (filter) appendStringInfo(sql, " %s", filter);
}

void derive_stage(const pp::ingest::EntitySpec& spec, Datum plant) {
  char stage[NAMEDATALEN];
  stage_name(stage, spec.entity);
  Oid types[1] = {TEXTOID};
  Datum values[1] = {plant};
  StringInfoData sql;
  initStringInfo(&sql);
  for (const char* step : derived_steps(spec.entity).steps) {
    if (step == NULL) break;
    resetStringInfo(&sql);
    appendStringInfo(&sql, step, stage);
    spi_exec(sql.data, 1, types, values, SPI_OK_UPDATE);
  }
  pfree(sql.data);
}

int64 quarantine_without_derived(const pp::ingest::EntitySpec& spec, const char* quarantine_table, int64 run_id,
                                 const char* sheet) {
  char stage[NAMEDATALEN];
  stage_name(stage, spec.entity);
  Oid types[2] = {INT8OID, TEXTOID};
  Datum values[2] = {Int64GetDatum(run_id), CStringGetTextDatum(sheet)};
  StringInfoData sql;
  initStringInfo(&sql);
  appendStringInfo(&sql,
                   "WITH q AS (DELETE FROM pg_temp.%s s WHERE %s IS NULL RETURNING s.*) "
                   "INSERT INTO %s (run_id, sheet, row_number, column_name, reason_code, "
                   "reason_detail, raw_row) SELECT $1, $2, q.source_row, '%s', 'no_event_time', "
                   "'no end, start or planned date, and no known order to take a creation date from', "
                   "pg_catalog.to_jsonb(q) - 'source_row' FROM q",
                   stage, derived_value(spec.entity), quarantine_table, derived_column(spec.entity));
  const int64 n = spi_exec(sql.data, 2, types, values, SPI_OK_INSERT);
  pfree(sql.data);
  return n;
}

void ensure_stage_partitions(const pp::ingest::EntitySpec& spec) {
  char stage[NAMEDATALEN];
  stage_name(stage, spec.entity);
  const char* value = derived_value(spec.entity);
  StringInfoData sql;
  initStringInfo(&sql);
  appendStringInfo(&sql,
                   "SELECT prodplan.ensure_table_partitions('%.*s', min(%s), max(%s)) FROM pg_temp.%s s "
                   "HAVING count(*) > 0",
                   (int)spec.entity.size(), spec.entity.data(), value, value, stage);
  spi_exec(sql.data, 0, NULL, NULL, SPI_OK_SELECT);
  pfree(sql.data);
}

// The match counts of reference `r` that the staging thread made (known),
// less the rows SQL quarantined since; false when it made none.
static bool known_reference(const KnownReferences* known, const pp::ingest::ReferenceDef& r, int64* total,
                            int64* matched) {
  if (known == NULL || known->tallies == NULL) return false;
  const pp::ingest::ReferenceTally* tally = NULL;
  for (const auto& t : *known->tallies)
    if (t.column == r.column && t.target == r.target) tally = &t;
  if (tally == NULL) return false;
  int target = -1;
  const auto& all = pp::ingest::workbook_entities();
  for (size_t i = 0; i < all.size(); i++)
    if (all[i].entity == r.target) target = (int)i;
  if (target < 0) return false;
  const HeldRows own = known->own, theirs = known->held_by_entity[target];
  std::pair<std::uint64_t, std::uint64_t> c;
  pp_call("ingest", [&] {
    const std::vector<std::uint32_t> q(own.rows, own.rows + own.n), tq(theirs.rows, theirs.rows + theirs.n);
    c = tally->counts(q, tq);
  });
  *total = (int64)c.first;
  *matched = (int64)c.second;
  return true;
}

void finish_sheet(const pp::ingest::EntitySpec& spec, const char* stage, Datum plant, SheetCounts* counts,
                  StepClock* clock, const KnownReferences* known) {
  if (known != NULL && known->only_if_unchanged && counts->inserted + counts->updated > 0) known = NULL;
  StringInfoData sql;
  initStringInfo(&sql);
  Oid types[1] = {TEXTOID};
  Datum values[1] = {plant};
  // Fresh statistics for the columns later statements join on: a bulk load
  // leaves a table unanalyzed (autovacuum never analyzes a partitioned
  // parent), and on a table the planner believes nearly empty the reference
  // counts below and the next run's joins pick nested loops over every row.
  // (Only the tables' owner may analyze them; other callers leave it to autovacuum.)
  if (counts->inserted + counts->updated > 0) {
    analyze_after_bulk_load(spec.entity);
    clock->lap("analyze");
  }

  // Match rates of the references this entity's rows make: counted while
  // staging when both sides are first loads of this run, else here.
  StringInfoData refs;
  initStringInfo(&refs);
  appendStringInfoChar(&refs, '{');
  bool first_ref = true;
  for (const pp::ingest::ReferenceDef& r : pp::ingest::reference_defs()) {
    if (spec.entity != r.entity) continue;
    int64 total = 0, matched = 0;
    if (known_reference(known, r, &total, &matched)) {
      counts->references_while_staging++;
    } else {
      resetStringInfo(&sql);
      // Over the plant's rows of the entity once merged (this workbook's rows,
      // changed or not, and earlier ones it does not repeat). Total minus the
      // rows no target matches: an anti-join needs no DISTINCT over the target.
      appendStringInfo(&sql,
                       "SELECT t.n, t.n - u.n FROM (SELECT count(%1$.*2$s) AS n FROM prodplan.%3$.*4$s WHERE plant_id = $1) t, "
                       "(SELECT count(*) AS n FROM prodplan.%3$.*4$s s WHERE s.plant_id = $1 AND s.%1$.*2$s IS NOT NULL "
                       "AND NOT EXISTS (SELECT 1 FROM prodplan.%5$.*6$s m WHERE m.plant_id = $1 AND m.%7$.*8$s = s.%1$.*2$s)) u",
                       r.column.data(), (int)r.column.size(), spec.entity.data(), (int)spec.entity.size(),
                       r.target.data(), (int)r.target.size(), r.target_column.data(), (int)r.target_column.size());
      if (SPI_execute_with_args(sql.data, 1, types, values, NULL, false, 1) != SPI_OK_SELECT)
        elog(ERROR, "prodplan ingestion: could not count references of %s", stage);
      bool isnull;
      total = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
      matched = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
    }
    appendStringInfo(&refs, "%s\"%.*s -> %.*s\": {\"rows\": " INT64_FORMAT ", \"matched\": " INT64_FORMAT
                     ", \"match_rate\": %.4f}",
                     first_ref ? "" : ", ", (int)r.column.size(), r.column.data(), (int)r.target.size(),
                     r.target.data(), total, matched, total > 0 ? (double)matched / (double)total : 1.0);
    first_ref = false;
  }
  appendStringInfoChar(&refs, '}');
  counts->references_json = refs.data;
  clock->lap("references");
  pfree(sql.data);
}

}  // namespace pp::pg::ingest
