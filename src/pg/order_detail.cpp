// prodplan.order_detail(plant_id, order_id): one order as one JSON document
// (0.23.0: in C; 0.20.0-0.22.0 wrote the same document in PL/pgSQL).
//
// Why C. At 32 clients on the 2-core reference machine the PL/pgSQL function
// was 5-7x below the reference system's 250 ms, where the target is 10x. Most
// of a call was the order's recorded operations and defects: planning their
// reads at each call (the partitions of the order's range must be pruned, see
// window_plans.h), one subquery for each operation's employees and a
// json_build_object per row, which looks up the type of every value. Here the
// reads are planned once per backend and window, the employees of all the
// operations come from one query, and the values are written straight to the
// document (json_values.h): the document is the same, byte for byte.
//
// Every query runs with the caller's rights, so privileges and row-level
// security by plant apply as to the SQL they replace; all of them read the
// calling statement's snapshot (read_only), so the status, the ranges, the
// operations and the defects agree, as STABLE promises.
#include "pg/json_values.h"
#include "pg/window_plans.h"

#include "pg/pg_includes.h"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/timestamp.h"
}

namespace pp::pg {
namespace {

// The order's status, from the view every reader uses.
constexpr const char* kStatusSql =
    "SELECT os.plant_id, os.order_id, os.plan_id, pg_catalog.row_to_json(os) "
    "FROM prodplan.order_status os WHERE os.plant_id = $1 AND os.order_id = $2";

// The order's bars in the plan its status comes from (the plant's released
// plan, else its latest).
constexpr const char* kBarsSql =
    "SELECT pg_catalog.json_agg(g ORDER BY g.operation) FROM prodplan.gantt g "
    "WHERE g.plan_id = $1 AND g.order_id = $2";

// The partitions that hold its operations and its defects (see the headers of
// 0.20.0 and 0.21.0): the range of the applied row, widened by the ranges of
// the order's pending rows (every partition when one of them has none); no
// partition when the order has no applied row and is not pending. least and
// greatest ignore NULLs: a pending order with no applied row reads its
// pending ranges alone.
constexpr const char* kRangesSql =
    "SELECT CASE WHEN p.ops_pending AND p.ops_unknown THEN '-infinity' "
    "            WHEN p.ops_pending THEN least(g.first_event_at, p.ops_lo) ELSE g.first_event_at END, "
    "       CASE WHEN p.ops_pending AND p.ops_unknown THEN 'infinity' "
    "            WHEN p.ops_pending THEN greatest(g.last_event_at, p.ops_hi) ELSE g.last_event_at END, "
    "       p.ops_pending OR g.order_id IS NOT NULL, "
    "       CASE WHEN p.defects_pending AND p.defects_unknown THEN '-infinity' "
    "            WHEN p.defects_pending THEN least(f.first_detected_at, p.defects_lo) ELSE f.first_detected_at END, "
    "       CASE WHEN p.defects_pending AND p.defects_unknown THEN 'infinity' "
    "            WHEN p.defects_pending THEN greatest(f.last_detected_at, p.defects_hi) ELSE f.last_detected_at END, "
    "       p.defects_pending OR f.order_id IS NOT NULL "
    "FROM (SELECT q.pending AS ops_pending, q.unknown AS ops_unknown, q.lo AS ops_lo, q.hi AS ops_hi, "
    "             r.pending AS defects_pending, r.unknown AS defects_unknown, r.lo AS defects_lo, r.hi AS defects_hi "
    "      FROM (SELECT count(*) > 0 AS pending, "
    "                   bool_or(q.first_event_at IS NULL OR q.last_event_at IS NULL) AS unknown, "
    "                   min(q.first_event_at) AS lo, max(q.last_event_at) AS hi "
    "            FROM prodplan.order_progress_pending q WHERE q.plant_id = $1 AND q.order_id = $2) q, "
    "           (SELECT count(*) > 0 AS pending, "
    "                   bool_or(r.first_detected_at IS NULL OR r.last_detected_at IS NULL) AS unknown, "
    "                   min(r.first_detected_at) AS lo, max(r.last_detected_at) AS hi "
    "            FROM prodplan.order_defects_pending r WHERE r.plant_id = $1 AND r.order_id = $2) r) p "
    "LEFT JOIN prodplan.order_progress g ON g.plant_id = $1 AND g.order_id = $2 "
    "LEFT JOIN prodplan.order_defects f ON f.plant_id = $1 AND f.order_id = $2";

// What the shop floor recorded: open operations (no end) included, those not
// started yet last. %s: the window's bounds (window_plans.h).
constexpr const char* kOperationsSql =
    "SELECT op.operation_id, op.sequence, op.work_center_id, op.is_rework, op.shift, op.started_at, op.ended_at, "
    "       op.planned_at, op.duration_minutes, op.weight_kg, op.is_open "
    "FROM prodplan.operation op "
    "WHERE op.plant_id = $1 AND op.order_id = $2 AND op.event_time BETWEEN $3 AND $4%s "
    "ORDER BY op.started_at NULLS LAST, op.sequence NULLS LAST, op.operation_id, op.event_time";
constexpr const char* kOperationKeys[] = {"operation_id", "sequence",   "work_center_id", "is_rework",
                                          "shift",        "started_at", "ended_at",       "planned_at",
                                          "duration_minutes", "weight_kg", "is_open"};

// The employees of those operations, the lead first, by the operations'
// positions in the document ($2 lists their ids in its order).
constexpr const char* kEmployeesSql =
    "SELECT o.position, a.employee_id, a.is_lead "
    "FROM pg_catalog.unnest($2) WITH ORDINALITY o(operation_id, position) "
    "JOIN prodplan.operation_assignment a ON a.plant_id = $1 AND a.operation_id = o.operation_id "
    "ORDER BY o.position, a.is_lead DESC, a.employee_id";

// What went wrong, in the order it was found (the defect's key breaks ties).
constexpr const char* kDefectsSql =
    "SELECT d.detected_at, d.description, d.severity, d.evaluation_operation_id, d.evaluation_work_center_id, "
    "       d.culprit_operation_id "
    "FROM prodplan.defect d "
    "WHERE d.plant_id = $1 AND d.order_id = $2 AND d.detected_at BETWEEN $3 AND $4%s "
    "ORDER BY d.detected_at, d.evaluation_operation_id, d.description, d.culprit_operation_id NULLS FIRST";
constexpr const char* kDefectKeys[] = {"detected_at",
                                       "description",
                                       "severity",
                                       "evaluation_operation_id",
                                       "evaluation_work_center_id",
                                       "culprit_operation_id"};

enum QueryId { kOperationsQuery = 1, kDefectsQuery = 2 };

// A plan kept for the backend's life, prepared at its first use. Saved plans
// are replanned by PostgreSQL when what they read changes.
SPIPlanPtr kept_plan(SPIPlanPtr* slot, const char* sql, int nargs, Oid* argtypes) {
  if (*slot == nullptr) {
    SPIPlanPtr plan = SPI_prepare(sql, nargs, argtypes);
    if (plan == nullptr) elog(ERROR, "prodplan.order_detail: could not plan: %s", SPI_result_code_string(SPI_result));
    if (SPI_keepplan(plan) != 0) elog(ERROR, "prodplan.order_detail: could not keep a plan");
    *slot = plan;
  }
  return *slot;
}

SPIPlanPtr status_plan, bars_plan, ranges_plan, employees_plan;

void run(SPIPlanPtr plan, Datum* values, const char* nulls, long limit) {
  int rc = SPI_execute_plan(plan, values, nulls, true, limit);
  if (rc != SPI_OK_SELECT) elog(ERROR, "prodplan.order_detail: a query failed: %s", SPI_result_code_string(rc));
}

Datum column(SPITupleTable* table, uint64 row, int col, bool* isnull) {
  return SPI_getbinval(table->vals[row], table->tupdesc, col, isnull);
}

// `, "key" : `: the start of every member of an object after its first.
void append_next_key(StringInfo doc, const char* key) {
  appendStringInfoString(doc, ", ");
  append_json_key(doc, key);
}

// Appends a JSON array of objects, one per row of `table` (nrows), the row's columns
// under `keys` in order; after each object's own values, `extra` (when given)
// appends more of it (the operations' employees).
template <typename Extra>
void append_rows(StringInfo doc, SPITupleTable* table, uint64 nrows, const char* const* keys, int nkeys, Extra extra) {
  appendStringInfoChar(doc, '[');
  for (uint64 row = 0; row < nrows; ++row) {
    if (row > 0) appendStringInfoString(doc, ", ");
    appendStringInfoChar(doc, '{');
    for (int col = 1; col <= nkeys; ++col) {
      if (col > 1)
        append_next_key(doc, keys[col - 1]);
      else
        append_json_key(doc, keys[col - 1]);
      bool isnull;
      Datum value = column(table, row, col, &isnull);
      append_json_value(doc, value, isnull, SPI_gettypeid(table->tupdesc, col));
    }
    extra(row);
    appendStringInfoChar(doc, '}');
  }
  appendStringInfoChar(doc, ']');
}

// Runs the order's read of `table` over [lo, hi] by the plan of its window;
// the rows are in SPI_tuptable.
void run_in_window(QueryId query, const char* sql, const char* table, const char* column, Datum plant, Datum order,
                   TimestampTz lo, TimestampTz hi) {
  Oid types[] = {TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
  SPIPlanPtr plan = window_plan(query, sql, "prodplan", table, column, lo, hi, 4, types);
  Datum args[] = {plant, order, TimestampTzGetDatum(lo), TimestampTzGetDatum(hi)};
  run(plan, args, nullptr, 0);
}

void append_operations(StringInfo doc, Datum plant, Datum order, TimestampTz lo, TimestampTz hi) {
  run_in_window(kOperationsQuery, kOperationsSql, "operation", "event_time", plant, order, lo, hi);
  SPITupleTable* ops = SPI_tuptable;
  uint64 nops = SPI_processed;
  if (nops == 0) {
    appendStringInfoString(doc, "[]");
    return;
  }

  // Their employees in one query, by position.
  Datum* ids = static_cast<Datum*>(palloc(sizeof(Datum) * nops));
  for (uint64 i = 0; i < nops; ++i) {
    bool isnull;
    ids[i] = column(ops, i, 1, &isnull);  // operation_id is NOT NULL
  }
  ArrayType* id_array = construct_array(ids, static_cast<int>(nops), TEXTOID, -1, false, TYPALIGN_INT);
  Oid employee_types[] = {TEXTOID, TEXTARRAYOID};
  Datum employee_args[] = {plant, PointerGetDatum(id_array)};
  run(kept_plan(&employees_plan, kEmployeesSql, 2, employee_types), employee_args, nullptr, 0);
  SPITupleTable* employees = SPI_tuptable;
  uint64 nemployees = SPI_processed;

  uint64 next = 0;  // the first employee row not written yet
  append_rows(doc, ops, nops, kOperationKeys, lengthof(kOperationKeys), [&](uint64 row) {
    append_next_key(doc, "employees");
    appendStringInfoChar(doc, '[');
    bool first = true;
    for (; next < nemployees; ++next) {
      bool isnull;
      int64 position = DatumGetInt64(column(employees, next, 1, &isnull));
      if (position != static_cast<int64>(row) + 1) break;
      if (!first) appendStringInfoString(doc, ", ");
      first = false;
      appendStringInfoChar(doc, '{');
      append_json_key(doc, "employee_id");
      Datum id = column(employees, next, 2, &isnull);
      append_json_value(doc, id, isnull, TEXTOID);
      append_next_key(doc, "is_lead");
      Datum lead = column(employees, next, 3, &isnull);
      append_json_value(doc, lead, isnull, BOOLOID);
      appendStringInfoChar(doc, '}');
    }
    appendStringInfoChar(doc, ']');
  });
}

void append_defects(StringInfo doc, Datum plant, Datum order, TimestampTz lo, TimestampTz hi) {
  run_in_window(kDefectsQuery, kDefectsSql, "defect", "detected_at", plant, order, lo, hi);
  append_rows(doc, SPI_tuptable, SPI_processed, kDefectKeys, lengthof(kDefectKeys), [](uint64) {});
}

// The document, built in the SPI procedure's memory; returns it as json in
// the caller's (SPI_palloc), which outlives SPI_finish.
text* order_detail(text* plant_arg, text* order_arg) {
  Oid key_types[] = {TEXTOID, TEXTOID};
  Datum key[] = {PointerGetDatum(plant_arg), PointerGetDatum(order_arg)};
  run(kept_plan(&status_plan, kStatusSql, 2, key_types), key, nullptr, 1);
  if (SPI_processed == 0) {
    char* plant = text_to_cstring(plant_arg);
    char* order = text_to_cstring(order_arg);
    ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND),
                    errmsg("prodplan.order_detail: order \"%s\" of plant \"%s\" not found", order, plant),
                    errdetail("No row of prodplan.production_order has that plant_id and order_id, or row-level "
                              "security by plant hides it from this role."),
                    errhint("SELECT plant_id, order_id FROM prodplan.order_status lists the orders this role may see.")));
  }
  // The status row's values, kept across the queries below.
  SPITupleTable* status = SPI_tuptable;
  bool isnull, plan_isnull;
  Datum plant = column(status, 0, 1, &isnull);
  Datum order = column(status, 0, 2, &isnull);
  Datum plan_id = column(status, 0, 3, &plan_isnull);
  Datum order_json = column(status, 0, 4, &isnull);

  StringInfoData doc;
  initStringInfo(&doc);
  appendStringInfoChar(&doc, '{');
  append_json_key(&doc, "plant_id");
  append_json_value(&doc, plant, false, TEXTOID);
  append_next_key(&doc, "order_id");
  append_json_value(&doc, order, false, TEXTOID);
  append_next_key(&doc, "as_of");
  append_json_value(&doc, TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()), false, TIMESTAMPTZOID);
  append_next_key(&doc, "order");
  appendBinaryStringInfo(&doc, VARDATA_ANY(DatumGetPointer(order_json)),
                         VARSIZE_ANY_EXHDR(DatumGetPointer(order_json)));

  append_next_key(&doc, "planned_operations");
  bool has_bars = false;
  if (!plan_isnull) {
    Oid bar_types[] = {INT8OID, TEXTOID};
    Datum bar_args[] = {plan_id, order};
    run(kept_plan(&bars_plan, kBarsSql, 2, bar_types), bar_args, nullptr, 1);
    Datum bars = column(SPI_tuptable, 0, 1, &isnull);
    if (!isnull) {
      appendBinaryStringInfo(&doc, VARDATA_ANY(DatumGetPointer(bars)), VARSIZE_ANY_EXHDR(DatumGetPointer(bars)));
      has_bars = true;
    }
  }
  if (!has_bars) appendStringInfoString(&doc, "[]");

  run(kept_plan(&ranges_plan, kRangesSql, 2, key_types), key, nullptr, 1);
  SPITupleTable* ranges = SPI_tuptable;
  bool lo_null, hi_null, dlo_null, dhi_null;
  TimestampTz lo = DatumGetTimestampTz(column(ranges, 0, 1, &lo_null));
  TimestampTz hi = DatumGetTimestampTz(column(ranges, 0, 2, &hi_null));
  bool recorded = DatumGetBool(column(ranges, 0, 3, &isnull)) && !isnull;
  TimestampTz dlo = DatumGetTimestampTz(column(ranges, 0, 4, &dlo_null));
  TimestampTz dhi = DatumGetTimestampTz(column(ranges, 0, 5, &dhi_null));
  bool found_defects = DatumGetBool(column(ranges, 0, 6, &isnull)) && !isnull;

  append_next_key(&doc, "operations");
  // BETWEEN with a NULL bound matches nothing, as in the SQL it replaces.
  if (recorded && !lo_null && !hi_null)
    append_operations(&doc, plant, order, lo, hi);
  else
    appendStringInfoString(&doc, "[]");

  append_next_key(&doc, "defects");
  if (found_defects && !dlo_null && !dhi_null)
    append_defects(&doc, plant, order, dlo, dhi);
  else
    appendStringInfoString(&doc, "[]");
  appendStringInfoChar(&doc, '}');

  text* result = static_cast<text*>(SPI_palloc(VARHDRSZ + doc.len));
  SET_VARSIZE(result, VARHDRSZ + doc.len);
  memcpy(VARDATA(result), doc.data, doc.len);
  return result;
}

}  // namespace
}  // namespace pp::pg

extern "C" {
PGDLLEXPORT Datum prodplan_order_detail(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_order_detail);
Datum prodplan_order_detail(PG_FUNCTION_ARGS) {
  text* plant = PG_GETARG_TEXT_PP(0);
  text* order = PG_GETARG_TEXT_PP(1);
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prodplan.order_detail: SPI_connect failed");
  text* doc = pp::pg::order_detail(plant, order);
  SPI_finish();
  PG_RETURN_TEXT_P(doc);
}
}
