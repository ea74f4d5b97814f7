// prodplan.ingest_workbook / prodplan.ingest_file: the SQL side of ingestion.
//
// 1. The core (pp::ingest::StagingPipeline) parses the workbook on a worker
//    thread and hands out, per entity and in parts while the sheet is read,
//    validated rows with unique keys as COPY text, plus the quarantine
//    records. This thread never runs PostgreSQL code inside C++ frames.
// 2. Each part is COPYed into a temporary staging table as it arrives (the
//    partitions its event times need are created then). On the plant's first
//    load of an entity, each part is derived and inserted at once
//    (ingest_append.cpp) and steps 3-4 reduce to counting; otherwise the
//    entity is merged when its last part arrives (ingest_merge.cpp). When
//    the plant already has rows of the entity, the stored rows are indexed in memory
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
#include "pg/order_progress.h"
#include "pg/run_recorder.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "pg/ingest_merge.h"

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
using namespace pp::pg::ingest;

namespace {

constexpr int kMaxEntities = 16;

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
  // A reload's reference counts from the stored rows (valid when the merge
  // writes nothing): the keys of each entity whose table the run left as it
  // was, by workbook_entities() index, the keys of the entity being merged,
  // and its own references' counts.
  std::unique_ptr<pp::ingest::detail::KeyIndex> stored_keys[kMaxEntities];
  std::unique_ptr<pp::ingest::detail::KeyIndex> pending_keys;
  std::vector<pp::ingest::ReferenceTally> compare_tallies;
};



// The position of spec in workbook_entities() (specs are its elements).
int entity_index(const pp::ingest::EntitySpec& spec) {
  const auto& all = pp::ingest::workbook_entities();
  for (size_t i = 0; i < all.size(); i++)
    if (&all[i] == &spec) return (int)i;
  elog(ERROR, "prodplan ingestion: entity %.*s is not a workbook entity", (int)spec.entity.size(),
       spec.entity.data());
  return -1;
}

// Before a reloaded entity's stored rows are dropped (C++ only): its keys, if
// other entities' references name it, and the counts of its own references
// to entities the run left unchanged, from the stored rows. Both describe the
// tables after the merge only if the merge writes nothing; the caller keeps
// them only then.
void count_stored_references(IngestState* state, const pp::ingest::EntitySpec& spec) {
  state->pending_keys.reset();
  state->compare_tallies.clear();
  const pp::ingest::UnchangedFilter& f = *state->filter;
  if (!f.complete()) return;
  const auto& all = pp::ingest::workbook_entities();
  for (const pp::ingest::ReferenceDef& r : pp::ingest::reference_defs()) {
    if (r.target == spec.entity && !state->pending_keys)
      state->pending_keys = std::make_unique<pp::ingest::detail::KeyIndex>(f.keys());
    if (r.entity != spec.entity) continue;
    size_t target = 0, column = 0;
    while (target < all.size() && all[target].entity != r.target) target++;
    while (column < spec.columns.size() && spec.columns[column].name != r.column) column++;
    if (target >= all.size() || column >= spec.columns.size() || !state->stored_keys[target]) continue;
    const auto counted = f.count_references(column, *state->stored_keys[target]);
    if (!counted) continue;
    pp::ingest::ReferenceTally t;
    t.column = std::string(r.column);
    t.target = std::string(r.target);
    t.rows = counted->first;
    t.matched = counted->second;
    state->compare_tallies.push_back(std::move(t));
  }
}

// The first part of an entity arrived: choose how it loads, create its
// staging table, and in Compare mode index the plant's stored rows.
// `seconds` gets the time spent reading them.
LoadMode begin_entity(IngestState* state, const pp::ingest::EntitySpec& spec, Datum plant, const char* label,
                      const LoadMode* modes, double* seconds) {
  *seconds = 0;
  create_stage(spec);
  const LoadMode mode = modes[entity_index(spec)];
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

// Creates the partitions of prodplan.<entity> that a part's event times need
// as soon as the part arrives (while the rest of the sheet is parsed),
// rather than after the whole sheet. [*lo, *hi] is the range already ensured
// for the entity during this run (lo > hi: none yet); only what a part adds
// to it is checked, since checking costs a catalog lookup per month.
void ensure_part_partitions(const pp::ingest::StagedEntity& part, int64* lo, int64* hi) {
  if (part.min_event_time > part.max_event_time) return;
  if (part.min_event_time >= *lo && part.max_event_time <= *hi) return;
  int64 from[2], to[2];
  int n = 0;
  if (*lo > *hi) {
    from[n] = part.min_event_time, to[n++] = part.max_event_time;
  } else {
    if (part.min_event_time < *lo) from[n] = part.min_event_time, to[n++] = *lo;
    if (part.max_event_time > *hi) from[n] = *hi, to[n++] = part.max_event_time;
  }
  *lo = Min(*lo, (int64)part.min_event_time);
  *hi = Max(*hi, (int64)part.max_event_time);
  for (int i = 0; i < n; i++) {
    Oid t[3] = {TEXTOID, FLOAT8OID, FLOAT8OID};
    Datum v[3] = {CStringGetTextDatum(part.entity.c_str()), Float8GetDatum((double)from[i]),
                  Float8GetDatum((double)to[i])};
    spi_exec("SELECT prodplan.ensure_table_partitions($1, pg_catalog.to_timestamp($2), pg_catalog.to_timestamp($3))",
             3, t, v, SPI_OK_SELECT);
  }
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

  // The per-sheet results outlive SPI_finish, which frees what was palloc'd
  // while connected (SPI_connect switches to its own context): they go here.
  MemoryContext caller_cxt = CurrentMemoryContext;
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
  // Runs an earlier transaction left running (rolled back, killed) are failed.
  pp::pg::settle_ingest_runs();

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

  // The run's row, committed by a worker before the load starts: if this
  // transaction never commits (rolled back, its backend killed, the server
  // stopped), the row stays and the next ingestion or the scheduler's start
  // marks it failed. Without that, the row is written in this transaction.
  const pp::pg::RunRecord running = {run_id, plant, args.source, args.source_name, sha[0] ? sha : NULL,
                                     args.profile, options_text, started_at, NULL};
  const bool run_row_committed = pp::pg::record_running_run(running);

  IngestState* volatile state = nullptr;
  MemoryContext outer_cxt = CurrentMemoryContext;
  ResourceOwner outer_owner = CurrentResourceOwner;
  int nresults = 0;
  IngestSheetResult* results =
      (IngestSheetResult*)MemoryContextAllocZero(caller_cxt, sizeof(IngestSheetResult) * kMaxEntities);
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
    if (!run_row_committed) insert_run_row(run_id, plant_d, args, sha, options, false);
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

    // How each entity loads (ingest_merge.h), fixed before parsing starts so
    // the staging thread can split a first load's parts into the rows COPYed
    // straight into the canonical table and the rest (direct_split.h).
    const std::vector<pp::ingest::EntitySpec>* specs = nullptr;
    pp_call(label, [&] { specs = &pp::ingest::workbook_entities(); });
    const int nspecs = (int)specs->size();
    if (nspecs > kMaxEntities) elog(ERROR, "prodplan ingestion: too many entities");
    LoadMode modes[kMaxEntities];
    HeldRows held_by_entity[kMaxEntities];
    memset(held_by_entity, 0, sizeof held_by_entity);
    const char** null_defaults[kMaxEntities] = {NULL};
    bool all_first_loads = true;
    for (int e = 0; e < nspecs; e++) {
      const pp::ingest::EntitySpec& spec = (*specs)[e];
      modes[e] = choose_mode(spec, plant_d);
      all_first_loads = all_first_loads && modes[e] == LoadMode::Append;
      if (modes[e] == LoadMode::Append && pp::pg::guc_ingest_direct_copy && direct_copy_allowed(spec))
        null_defaults[e] = direct_null_defaults(spec);
    }

    // Parse, validate and stage in C++.
    instr_time t0, t1, t2;
    INSTR_TIME_SET_CURRENT(t0);
    const char* profile = args.profile;
    pp_call(label, [&] {
      state = new IngestState();
      for (int e = 0; e < nspecs; e++) {
        if (null_defaults[e] == NULL) continue;
        const pp::ingest::EntitySpec& spec = (*specs)[e];
        std::vector<std::optional<std::string>> nd(spec.columns.size());
        for (size_t c = 0; c < spec.columns.size(); c++)
          if (null_defaults[e][c] != NULL) nd[c] = std::string(null_defaults[e][c]);
        state->options.direct.push_back(
            pp::ingest::make_direct_rules(spec, plant, nd, derived_column(spec.entity) != NULL));
      }
      for (uint64 i = 0; i < nalias; i++)
        state->aliases.push_back({profile, a_entity[i], a_header[i], a_column[i]});
      for (uint64 i = 0; i < nsheet; i++) state->sheet_aliases.push_back({profile, s_sheet[i], s_entity[i]});
      pp::ingest::IngestOptions& opt = state->options;
      opt.profile = profile;
      opt.limits.max_uncompressed_bytes = (std::uint64_t)pp::pg::guc_xlsx_max_uncompressed_mb << 20;
      opt.limits.max_ratio = pp::pg::guc_xlsx_max_ratio;
      opt.limits.max_shared_strings_bytes = (std::uint64_t)pp::pg::guc_xlsx_max_shared_strings_mb << 20;
      // On a first load this backend inserts rows while the workbook is
      // parsed and is the busier of the two: the parse then gets the other
      // cores only (the staging thread counts as one), else on a 2-core
      // machine three threads share two cores and the load slows by more
      // than the parse gains. A reload does less per row here (it compares
      // in memory) and measured faster with every thread it is allowed.
      opt.limits.parse_threads = (std::uint32_t)pp::pg::guc_xlsx_parse_threads;
      const unsigned cores = std::thread::hardware_concurrency();
      if (cores > 0 && all_first_loads)
        opt.limits.parse_threads = std::max(1u, std::min(opt.limits.parse_threads, cores - 1));
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
    AppendLoad append;  // Append mode's totals of the entity being loaded
    double compare_seconds = 0;
    int64 ensured_lo = PG_INT64_MAX, ensured_hi = PG_INT64_MIN;
    double chunk_seconds = 0;
    int chunks = 0;
    int chunk_counts[kMaxEntities] = {0};
    int superseded_counts[kMaxEntities] = {0};
    int64 direct_counts[kMaxEntities] = {0};
    int known_reference_counts[kMaxEntities] = {0};
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
              mode = begin_entity(state, *chunk_spec, plant_d, label, modes, &compare_seconds);
              if (mode == LoadMode::Append) append_begin(*chunk_spec, &append);
              ensured_lo = PG_INT64_MAX, ensured_hi = PG_INT64_MIN;
            }
            ensure_part_partitions(state->chunk, &ensured_lo, &ensured_hi);
            if (mode == LoadMode::Append) {
              append_part(*chunk_spec, state->chunk.sheet.c_str(), run_id, plant_d, state->chunk, &append);
            } else {
              if (state->chunk.direct_rows > 0) elog(ERROR, "prodplan ingestion: direct rows outside a first load");
              if (mode == LoadMode::Compare)
                pp_call(label, [&] { state->chunk.copy_text = state->filter->filter(state->chunk.copy_text, state->kept); });
              load_stage(*chunk_spec, state->chunk.copy_text.data(), state->chunk.copy_text.size());
            }
            pp_call(label, [&] {
              std::string().swap(state->chunk.copy_text);
              std::string().swap(state->chunk.direct_text);
            });
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
        mode = begin_entity(state, *spec, plant_d, label, modes, &compare_seconds);
        if (mode == LoadMode::Append) append_begin(*spec, &append);
        ensured_lo = PG_INT64_MAX, ensured_hi = PG_INT64_MIN;
      }
      ensure_part_partitions(e, &ensured_lo, &ensured_hi);
      SheetCounts c;
      if (mode != LoadMode::Append && e.direct_rows > 0)
        elog(ERROR, "prodplan ingestion: direct rows outside a first load");
      if (mode == LoadMode::Append) {
        append_part(*spec, r.sheet.c_str(), run_id, plant_d, e, &append);
        append.tallies = &e.references;
        append.held_by_entity = held_by_entity;
        c = append_finish(*spec, plant_d, (int64)e.rows, &append);
        held_by_entity[entity_index(*spec)] = append.held;
      } else if (mode == LoadMode::Compare) {
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
          count_stored_references(state, *spec);
          state->filter.reset();
          state->kept.clear();
        });
        const KnownReferences known = {&state->compare_tallies, {0, NULL}, held_by_entity, true};
        c = merge_entity(*spec, r.sheet.c_str(), run_id, plant_d, state->remaining, chunk_seconds, kept_live,
                         compare_seconds, &known);
        // The entity's table is as it was: its keys serve later entities' counts.
        if (c.inserted + c.updated == 0) {
          const int index = entity_index(*spec);
          pp_call(label, [&] { state->stored_keys[index] = std::move(state->pending_keys); });
        }
        pp_call(label, [&] { std::string().swap(state->remaining.copy_text); });
      } else {
        c = merge_entity(*spec, r.sheet.c_str(), run_id, plant_d, e, chunk_seconds, 0, 0);
      }
      started = nullptr;
      chunk_seconds = 0;
      chunk_counts[nresults] = chunks;
      superseded_counts[nresults] = (int)e.superseded_rows.size();
      direct_counts[nresults] = c.direct;
      known_reference_counts[nresults] = c.references_while_staging;
      chunks = 0;
      INSTR_TIME_SET_CURRENT(m1);
      INSTR_TIME_SUBTRACT(m1, m0);
      merge_seconds += INSTR_TIME_GET_DOUBLE(m1);
      // The staged text of a merged entity is not needed any more: free it
      // while the next sheets are parsed (bounds the peak to about one sheet).
      pp_call(label, [&] {
        std::string().swap(state->staged[i].copy_text);
        std::string().swap(state->staged[i].direct_text);
      });
      references[nresults] = c.references_json;
      steps[nresults] = c.steps_json;
      IngestSheetResult& res = results[nresults++];
      res.sheet = MemoryContextStrdup(caller_cxt, r.sheet.c_str());
      res.entity = MemoryContextStrdup(caller_cxt, e.entity.c_str());
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
    // Operations merged: their orders' progress by key for the first reads.
    pp::pg::apply_order_progress_after_load(label);
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
                       "\"references\": %s, \"references_counted_in_memory\": %d, \"merge_seconds\": %s, "
                       "\"chunks\": %d, \"superseded_in_chunks\": %d, \"direct_rows\": " INT64_FORMAT ", "
                       "\"unknown_headers\": [",
                       results[i].entity, r.duplicates, r.error_cells, references[i], known_reference_counts[i],
                       steps[i], chunk_counts[i], superseded_counts[i], direct_counts[i]);
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
      if (spi_exec("UPDATE prodplan.ingest_runs SET status = 'succeeded', finished_at = pg_catalog.clock_timestamp(), "
                   "rows_read = $2, inserted = $3, updated = $4, unchanged = $5, quarantined = $6, duplicates = $7, "
                   "phase_seconds = $8::jsonb, report = $9::jsonb "
                   "WHERE run_id = $1",
                   9, t, v, SPI_OK_UPDATE) != 1)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("prodplan ingestion: the row of run " INT64_FORMAT " is gone", run_id),
                        errdetail("Another session deleted it from prodplan.ingest_runs while the run loaded.")));
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
      pp::pg::RunRecord fr = {run_id, plant, args.source, args.source_name, sha[0] ? sha : NULL, args.profile, options_text,
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
