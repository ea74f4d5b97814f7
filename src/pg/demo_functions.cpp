// SQL functions of the demo factory: prodplan.load_demo and prodplan.demo_workbook.
// Shims in the style of boundary.h: C++ work runs inside pp_call, PostgreSQL work
// in this frame, which holds only raw pointers (freed in PG_FINALLY).
#include "core/common/civil_time.h"
#include "core/common/json_text.h"
#include "core/demo/generator.h"
#include "core/model/copy_rows.h"
#include "core/model/workbook_format.h"
#include "core/xlsx/workbook_writer.h"
#include "pg/boundary.h"
#include "pg/copy_into.h"
#include "pg/temp_file.h"
#include "pg/ingest_run.h"
#include "pg/ingest_sql.h"
#include "pg/order_progress.h"
#include "pg/workers.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "pg/pg_includes.h"

extern "C" {
PGDLLEXPORT Datum prodplan_load_demo(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum prodplan_demo_workbook(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_load_demo);
PG_FUNCTION_INFO_V1(prodplan_demo_workbook);
}

using pp::pg::pp_call;
using pp::pg::read_whole_file;

namespace {

constexpr int kMaxTables = 64;


// Removes every row of one plant from the canonical tables, children first, so
// that a reload replaces the demo instead of duplicating it.
void delete_plant_rows(const char* plant_id) {
  const auto& specs = pp::model::canonical_copy_tables();
  for (int i = static_cast<int>(specs.size()) - 1; i >= 0; --i) {
    char sql[256];
    snprintf(sql, sizeof sql, "DELETE FROM prodplan.%s WHERE plant_id = $1", specs[i].table);
    Oid argtypes[1] = {TEXTOID};
    Datum values[1] = {CStringGetTextDatum(plant_id)};
    int rc = SPI_execute_with_args(sql, 1, argtypes, values, NULL, false, 0);
    if (rc != SPI_OK_DELETE)
      ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                      errmsg("load_demo: deleting old rows of prodplan.%s failed: %s", specs[i].table,
                             SPI_result_code_string(rc))));
  }
}

int ensure_partitions(pp::model::Time from, pp::model::Time to) {
  Oid argtypes[2] = {FLOAT8OID, FLOAT8OID};
  Datum values[2] = {Float8GetDatum(static_cast<double>(from)), Float8GetDatum(static_cast<double>(to))};
  int rc = SPI_execute_with_args(
      "SELECT prodplan.ensure_partitions(pg_catalog.to_timestamp($1), pg_catalog.to_timestamp($2))",
      2, argtypes, values, NULL, false, 1);
  if (rc != SPI_OK_SELECT || SPI_processed != 1)
    ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                    errmsg("load_demo: prodplan.ensure_partitions failed: %s", SPI_result_code_string(rc))));
  bool isnull = false;
  Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
  return isnull ? 0 : DatumGetInt32(d);
}

// The tables the reference workbook carries: load_demo(via => 'workbook')
// loads them through ingestion and everything else directly.
bool is_workbook_table(const char* table) {
  static const char* const kWorkbookTables[] = {"work_center", "product", "routing_step", "employee",
                                                "employee_skill", "production_order", "operation",
                                                "operation_assignment", "defect"};
  for (const char* t : kWorkbookTables)
    if (strcmp(t, table) == 0) return true;
  return false;
}

// Writes the demo workbook of `factory` to a new temporary file and returns its
// path (palloc'd). C++ runs inside pp_call; the path buffer is plain memory.
char* write_workbook_file(const pp::model::Factory* factory, int32 seed, const pp::CancelToken& cancel) {
  char* path = (char*)palloc0(MAXPGPATH);
  pp_call("demo_workbook", [&] {
    const char* tmp = std::getenv("TMPDIR");
    std::snprintf(path, MAXPGPATH, "%s/prodplan-workbook-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
      path[0] = '\0';
      throw pp::Error(pp::ErrorKind::Internal, "demo_workbook: cannot create a temporary file");
    }
    close(fd);
    pp::xlsx::WorkbookWriteOptions wopt;
    wopt.seed = static_cast<std::uint64_t>(static_cast<std::uint32_t>(seed));
    pp::xlsx::write_reference_workbook(*factory, path, wopt, cancel);
  });
  return path;
}


// Columns of the workbook entities that the workbook does not carry (work
// center capacity and calendar, evaluation flag, product family, hire dates):
// staged through temporary tables and applied after ingestion.
void apply_demo_extras(const pp::model::Factory* factory, std::string* buf, const char* plant) {
  struct Extra {
    const char* table;  // the prodplan table it updates
    const char* temp_table;
    const char* create;
    const char* columns[4];
    int ncolumns;
    const char* update;
  };
  static const Extra extras[] = {
      {"work_center", "pp_demo_wc",
       "CREATE TEMP TABLE pp_demo_wc (work_center_id text, is_evaluation boolean, capacity_units int, "
       "calendar_id text) ON COMMIT DROP",
       {"work_center_id", "is_evaluation", "capacity_units", "calendar_id"}, 4,
       "UPDATE prodplan.work_center t SET is_evaluation = e.is_evaluation, capacity_units = e.capacity_units, "
       "calendar_id = e.calendar_id FROM pg_temp.pp_demo_wc e WHERE t.plant_id = $1 AND t.work_center_id = e.work_center_id"},
      {"product", "pp_demo_product", "CREATE TEMP TABLE pp_demo_product (product_id text, family text) ON COMMIT DROP",
       {"product_id", "family"}, 2,
       "UPDATE prodplan.product t SET family = e.family FROM pg_temp.pp_demo_product e "
       "WHERE t.plant_id = $1 AND t.product_id = e.product_id"},
      {"employee", "pp_demo_employee", "CREATE TEMP TABLE pp_demo_employee (employee_id text, hired_at timestamptz) ON COMMIT DROP",
       {"employee_id", "hired_at"}, 2,
       "UPDATE prodplan.employee t SET hired_at = e.hired_at FROM pg_temp.pp_demo_employee e "
       "WHERE t.plant_id = $1 AND t.employee_id = e.employee_id"},
  };
  Oid types[1] = {TEXTOID};
  Datum values[1] = {CStringGetTextDatum(plant)};
  for (int k = 0; k < 3; k++) {
    const Extra& x = extras[k];
    if (OidIsValid(RelnameGetRelid(x.temp_table))) {
      char drop[128];
      snprintf(drop, sizeof drop, "DROP TABLE pg_temp.%s", x.temp_table);
      SPI_execute(drop, false, 0);
    }
    if (SPI_execute(x.create, false, 0) != SPI_OK_UTILITY) elog(ERROR, "load_demo: could not create %s", x.temp_table);
    pp_call("load_demo", [&] { pp::model::append_demo_extras(*factory, k, *buf); });
    pp::pg::copy_into_relation(RelnameGetRelid(x.temp_table), x.columns, x.ncolumns, buf->data(), buf->size());
    if (SPI_execute_with_args(x.update, 1, types, values, NULL, false, 0) != SPI_OK_UPDATE)
      elog(ERROR, "load_demo: could not apply %s", x.temp_table);
    // Ingestion analyzed the table before these columns were filled.
    pp::pg::ingest::analyze_after_bulk_load(x.table);
  }
}

// Planning data the ERP export does not carry, derived from the demo's own
// data (so every planning feature has something to work with), when the
// installed version has the tables (0.3.0 on): setups between product
// families on the manual production phases, in proportion to how different
// the families' boats are (mean demould weight: a mould change from a kayak
// to a fishing boat takes longer than between two kayaks), and alternative
// work centers for phases done both by hand and by a machine (the name
// without "Robotizado/a", "CNC" or "Manual Antiga"), slower by hand.
// Returns the rows written into *setups and *alternatives (-1: no table).
void apply_planning_demo_data(const char* plant, int64* setups, int64* alternatives) {
  *setups = *alternatives = -1;
  if (SPI_execute("SELECT to_regclass('prodplan.setup_matrix') IS NOT NULL", true, 1) != SPI_OK_SELECT)
    elog(ERROR, "load_demo: could not look for the planning tables");
  bool isnull;
  if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull))) return;
  Oid types[1] = {TEXTOID};
  Datum values[1] = {CStringGetTextDatum(plant)};
  if (SPI_execute_with_args(
          "WITH fam AS (SELECT family, avg(demould_weight_kg) AS kg FROM prodplan.product "
          "WHERE plant_id = $1 AND family IS NOT NULL GROUP BY family) "
          "INSERT INTO prodplan.setup_matrix (plant_id, work_center_id, from_family, to_family, setup_minutes) "
          "SELECT $1, w.work_center_id, a.family, b.family, round(10 + abs(coalesce(a.kg, 0) - coalesce(b.kg, 0)) / 4) "
          "FROM prodplan.work_center w, fam a, fam b "
          "WHERE w.plant_id = $1 AND w.is_production AND NOT w.is_automatic AND a.family <> b.family",
          1, types, values, NULL, false, 0) != SPI_OK_INSERT)
    elog(ERROR, "load_demo: could not write the setup matrix");
  *setups = (int64)SPI_processed;
  if (SPI_execute_with_args(
          "WITH base AS (SELECT work_center_id, is_automatic, "
          "trim(regexp_replace(name, '\\s+(Robotizad[oa]|CNC|Manual Antiga)', '', 'g')) AS job "
          "FROM prodplan.work_center WHERE plant_id = $1 AND is_production) "
          "INSERT INTO prodplan.alternative_work_center (plant_id, work_center_id, alternative_id, speed_factor) "
          "SELECT $1, a.work_center_id, b.work_center_id, "
          "CASE WHEN b.is_automatic AND NOT a.is_automatic THEN 0.8 WHEN a.is_automatic AND NOT b.is_automatic "
          "THEN 1.5 ELSE 1.2 END FROM base a JOIN base b ON a.job = b.job AND a.work_center_id <> b.work_center_id",
          1, types, values, NULL, false, 0) != SPI_OK_INSERT)
    elog(ERROR, "load_demo: could not write the alternative work centers");
  *alternatives = (int64)SPI_processed;
}

// The demo plant's gelcoat columns as a bill of materials (0.8.0): the
// Gelcoat phase (13) applies GEL-DECK and GEL-HULL. The generator's
// bom_line already lists them, so the view adds nothing twice; a workbook
// load of the same plant needs this row to count gelcoat at all. Skipped on
// an older schema without the table. Returns the rows written (-1: no table).
int64 apply_gelcoat_demo_data(const char* plant) {
  if (SPI_execute("SELECT to_regclass('prodplan.gelcoat_bom') IS NOT NULL", true, 1) != SPI_OK_SELECT)
    elog(ERROR, "load_demo: could not look for prodplan.gelcoat_bom");
  bool isnull;
  if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull))) return -1;
  Oid types[1] = {TEXTOID};
  Datum values[1] = {CStringGetTextDatum(plant)};
  if (SPI_execute_with_args("INSERT INTO prodplan.gelcoat_bom (plant_id, work_center_id, deck_material_id, hull_material_id) "
                            "VALUES ($1, '13', 'GEL-DECK', 'GEL-HULL') ON CONFLICT (plant_id) DO UPDATE SET "
                            "work_center_id = excluded.work_center_id, deck_material_id = excluded.deck_material_id, "
                            "hull_material_id = excluded.hull_material_id",
                            1, types, values, NULL, false, 0) != SPI_OK_INSERT)
    elog(ERROR, "load_demo: could not write prodplan.gelcoat_bom");
  return (int64)SPI_processed;
}

// The generator's options from (scale, seed[, as_of]): as_of is the export
// moment, argument 3 of load_demo and 2 of demo_workbook; SQL before 0.14.0
// declares no as_of, and the generator's fixed default (2026-11-16) applies.
// Fractions of a second are dropped (the generator counts whole seconds).
pp::demo::DemoOptions demo_options(double scale, int32 seed, FunctionCallInfo fcinfo, int as_of_arg) {
  pp::demo::DemoOptions opt;
  opt.scale = scale;
  opt.seed = seed;
  if (PG_NARGS() > as_of_arg) {
    const TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(as_of_arg);
    if (TIMESTAMP_NOT_FINITE(as_of))
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("demo as_of (the export moment) must be a finite time, got %s",
                             as_of > 0 ? "infinity" : "-infinity")));
    opt.export_at = pp::pg::unix_from_timestamptz(as_of);
  }
  return opt;
}

}  // namespace

Datum prodplan_load_demo(PG_FUNCTION_ARGS) {
  const double scale = PG_GETARG_FLOAT8(0);
  const int32 seed = PG_GETARG_INT32(1);
  // Version 0.1.0's SQL declares two arguments and has no ingestion: direct.
  const char* via = PG_NARGS() > 2 ? text_to_cstring(PG_GETARG_TEXT_PP(2)) : "direct";
  const bool via_workbook = strcmp(via, "workbook") == 0;
  if (!via_workbook && strcmp(via, "direct") != 0)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("load_demo: via must be 'workbook' or 'direct', got '%s'", via)));
  const pp::demo::DemoOptions opt = demo_options(scale, seed, fcinfo, 3);
  // A plain buffer: this frame may be left by a longjmp, which runs no destructor.
  char as_of[32];
  pp_call("load_demo", [&] {
    std::string t;
    pp::append_timestamptz(t, opt.export_at);
    snprintf(as_of, sizeof as_of, "%s", t.c_str());
  });
  const pp::CancelToken cancel = pp::pg::backend_cancel_token();

  // volatile: assigned inside PG_TRY and read in PG_FINALLY after a longjmp.
  pp::model::Factory* volatile factory = nullptr;
  std::string* volatile buf = nullptr;
  char* volatile workbook_path = nullptr;
  std::size_t ntables = 0;
  int64 rows[kMaxTables] = {0};
  int64 ingest_run_id = -1;
  int64 setups = -1, alternatives = -1, gelcoat = -1;
  char* json = nullptr;
  instr_time started;
  INSTR_TIME_SET_CURRENT(started);

  PG_TRY();
  {
    pp_call("load_demo", [&] {
      factory = new pp::model::Factory(pp::demo::generate_demo(opt, cancel));
      buf = new std::string();
      ntables = pp::model::canonical_copy_tables().size();
      if (ntables > kMaxTables) throw pp::Error(pp::ErrorKind::Internal, "too many canonical tables");
    });
    const auto& specs = pp::model::canonical_copy_tables();

    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "load_demo: SPI_connect failed");
    delete_plant_rows(factory->plant_id.c_str());
    pp::model::Time from = 0, to = 0;
    pp_call("load_demo", [&] { std::tie(from, to) = pp::model::partition_time_range(*factory); });
    int created = (from != 0 || to != 0) ? ensure_partitions(from, to) : 0;

    // Everything the workbook lacks (and, via => 'direct', everything).
    for (std::size_t i = 0; i < ntables; ++i) {
      if (via_workbook && is_workbook_table(specs[i].table)) continue;
      pp_call("load_demo", [&] {
        buf->clear();
        pp::model::append_copy_rows(*factory, i, *buf, cancel);
      });
      pp::pg::copy_into_table(specs[i].table, specs[i].columns.data(), static_cast<int>(specs[i].columns.size()),
                              buf->data(), buf->size());
      CHECK_FOR_INTERRUPTS();
    }

    if (via_workbook) {
      // The workbook entities go the way a factory's export goes: written as
      // the reference workbook, then ingested (validation, quarantine, merge).
      workbook_path = write_workbook_file(factory, seed, cancel);
      size_t len = 0;
      char* wb = read_whole_file(workbook_path, &len);
      unlink(workbook_path);
      char opts[160];
      snprintf(opts, sizeof opts, "{\"plant\": \"%s\", \"force\": true}", factory->plant_id.c_str());
      Jsonb* options = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(opts)));
      char source[128];
      snprintf(source, sizeof source, "demo_workbook(%g, %d, '%s')", scale, seed, as_of);
      pp::pg::IngestArgs args = {"workbook", source, "prodplan", options, NULL, 0};
      pp::pg::IngestOutcome outcome = pp::pg::ingest_run(wb + VARHDRSZ, len, args);
      ingest_run_id = outcome.run_id;
      pfree(wb);
      apply_demo_extras(factory, buf, factory->plant_id.c_str());
    }

    apply_planning_demo_data(factory->plant_id.c_str(), &setups, &alternatives);
    gelcoat = apply_gelcoat_demo_data(factory->plant_id.c_str());
    pp::pg::apply_order_progress_after_load("load_demo");
    // Statistics of every table it wrote directly, as an ingestion leaves
    // the tables it loads (and apply_demo_extras the ones it updates after):
    // autovacuum would come by within a minute, but the functions a user
    // calls next (the demo's own plan, a test's quality_score) plan their
    // joins now.
    for (std::size_t i = 0; i < ntables; ++i) {
      if (via_workbook && is_workbook_table(specs[i].table)) continue;
      pp::pg::ingest::analyze_after_bulk_load(specs[i].table);
      CHECK_FOR_INTERRUPTS();
    }

    // What the tables now hold for the plant.
    Oid types[1] = {TEXTOID};
    Datum values[1] = {CStringGetTextDatum(factory->plant_id.c_str())};
    for (std::size_t i = 0; i < ntables; ++i) {
      char sql[160];
      snprintf(sql, sizeof sql, "SELECT count(*) FROM prodplan.%s WHERE plant_id = $1", specs[i].table);
      // read_only = false: a fresh snapshot that sees the rows this call wrote.
      if (SPI_execute_with_args(sql, 1, types, values, NULL, false, 1) != SPI_OK_SELECT)
        elog(ERROR, "load_demo: could not count prodplan.%s", specs[i].table);
      bool isnull;
      rows[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    }
    SPI_finish();

    instr_time elapsed;
    INSTR_TIME_SET_CURRENT(elapsed);
    INSTR_TIME_SUBTRACT(elapsed, started);
    const double seconds = INSTR_TIME_GET_DOUBLE(elapsed);

    pp_call("load_demo", [&] {
      std::string& j = *buf;
      j.clear();
      j += "{\"plant_id\": ";
      pp::append_json_string(j, factory->plant_id.c_str());
      char num[64];
      std::snprintf(num, sizeof num, "%.17g", scale);
      j += ", \"scale\": ";
      j += num;
      j += ", \"seed\": " + std::to_string(seed);
      j += ", \"as_of\": ";
      pp::append_json_string(j, as_of);
      j += ", \"via\": ";
      pp::append_json_string(j, via);
      if (ingest_run_id >= 0) j += ", \"ingest_run_id\": " + std::to_string(ingest_run_id);
      j += ", \"rows\": {";
      for (std::size_t i = 0; i < ntables; ++i) {
        if (i) j += ", ";
        pp::append_json_string(j, specs[i].table);
        j += ": " + std::to_string(rows[i]);
      }
      if (setups >= 0) j += ", \"setup_matrix\": " + std::to_string(setups);
      if (alternatives >= 0) j += ", \"alternative_work_center\": " + std::to_string(alternatives);
      if (gelcoat >= 0) j += ", \"gelcoat_bom\": " + std::to_string(gelcoat);
      // What the workbook carries beyond the canonical rows: a duplicated row
      // is stored once and invalid rows are left out (ingestion quarantines them).
      std::size_t dup[pp::model::kSheetCount] = {0}, bad[pp::model::kSheetCount] = {0};
      for (const auto& d : factory->duplicates) dup[static_cast<int>(d.sheet)]++;
      for (const auto& b : factory->invalid_rows) bad[static_cast<int>(b.sheet)]++;
      j += "}, \"workbook_duplicates\": {";
      bool first = true;
      for (const auto& s : pp::model::reference_sheets()) {
        if (!first) j += ", ";
        first = false;
        pp::append_json_string(j, std::string(s.name).c_str());
        j += ": " + std::to_string(dup[static_cast<int>(s.sheet)]);
      }
      j += "}, \"workbook_invalid\": {";
      first = true;
      for (const auto& s : pp::model::reference_sheets()) {
        if (!first) j += ", ";
        first = false;
        pp::append_json_string(j, std::string(s.name).c_str());
        j += ": " + std::to_string(bad[static_cast<int>(s.sheet)]);
      }
      char secs[64];
      std::snprintf(secs, sizeof secs, "%.3f", seconds);
      j += "}, \"partitions_created\": " + std::to_string(created) + ", \"seconds\": " + secs + "}";
    });
    json = pstrdup(buf->c_str());
  }
  PG_FINALLY();
  {
    if (workbook_path != nullptr && workbook_path[0]) unlink(workbook_path);
    delete buf;
    delete factory;
  }
  PG_END_TRY();

  PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
}

Datum prodplan_demo_workbook(PG_FUNCTION_ARGS) {
  const double scale = PG_GETARG_FLOAT8(0);
  const int32 seed = PG_GETARG_INT32(1);
  const pp::demo::DemoOptions opt = demo_options(scale, seed, fcinfo, 2);
  const pp::CancelToken cancel = pp::pg::backend_cancel_token();
  pp::model::Factory* volatile factory = nullptr;
  char* volatile path = nullptr;
  bytea* result = nullptr;

  PG_TRY();
  {
    pp_call("demo_workbook", [&] {
      factory = new pp::model::Factory(pp::demo::generate_demo(opt, cancel));
    });
    path = write_workbook_file(factory, seed, cancel);
    delete factory;
    factory = nullptr;
    size_t len = 0;
    char* buf = read_whole_file(path, &len);
    if (len > MaxAllocSize - VARHDRSZ)
      ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                      errmsg("demo_workbook: the workbook is %zu bytes, over the 1 GB bytea limit", len),
                      errhint("Use a smaller scale.")));
    result = reinterpret_cast<bytea*>(buf);
    SET_VARSIZE(result, len + VARHDRSZ);
  }
  PG_FINALLY();
  {
    if (path != nullptr && path[0]) unlink(path);
    delete factory;
  }
  PG_END_TRY();

  PG_RETURN_BYTEA_P(result);
}
