// SQL functions of the demo factory: prodplan.load_demo and prodplan.demo_workbook.
// Shims in the style of boundary.h: C++ work runs inside pp_call, PostgreSQL work
// in this frame, which holds only raw pointers (freed in PG_FINALLY).
#include "core/demo/generator.h"
#include "core/model/copy_rows.h"
#include "core/model/workbook_format.h"
#include "core/xlsx/workbook_writer.h"
#include "pg/boundary.h"
#include "pg/copy_into.h"

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

namespace {

constexpr int kMaxTables = 64;

void append_json_string(std::string& out, const char* s) {
  out.push_back('"');
  for (; *s; ++s) {
    if (*s == '"' || *s == '\\') out.push_back('\\');
    out.push_back(*s);
  }
  out.push_back('"');
}

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

}  // namespace

Datum prodplan_load_demo(PG_FUNCTION_ARGS) {
  const double scale = PG_GETARG_FLOAT8(0);
  const int32 seed = PG_GETARG_INT32(1);
  const pp::CancelToken cancel = pp::pg::backend_cancel_token();

  // volatile: assigned inside PG_TRY and read in PG_FINALLY after a longjmp.
  pp::model::Factory* volatile factory = nullptr;
  std::string* volatile buf = nullptr;
  std::size_t ntables = 0;
  std::size_t rows[kMaxTables] = {0};
  char* json = nullptr;
  instr_time started;
  INSTR_TIME_SET_CURRENT(started);

  PG_TRY();
  {
    pp_call("load_demo", [&] {
      pp::demo::DemoOptions opt;
      opt.scale = scale;
      opt.seed = seed;
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

    for (std::size_t i = 0; i < ntables; ++i) {
      pp_call("load_demo", [&] {
        buf->clear();
        pp::model::append_copy_rows(*factory, i, *buf, cancel);
      });
      rows[i] = pp::pg::copy_into_table(specs[i].table, specs[i].columns.data(),
                                        static_cast<int>(specs[i].columns.size()), buf->data(), buf->size());
      CHECK_FOR_INTERRUPTS();
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
      append_json_string(j, factory->plant_id.c_str());
      char num[64];
      std::snprintf(num, sizeof num, "%.17g", scale);
      j += ", \"scale\": ";
      j += num;
      j += ", \"seed\": " + std::to_string(seed);
      j += ", \"rows\": {";
      for (std::size_t i = 0; i < ntables; ++i) {
        if (i) j += ", ";
        append_json_string(j, specs[i].table);
        j += ": " + std::to_string(rows[i]);
      }
      // What the workbook carries beyond the canonical rows: load_demo stores a
      // duplicated row once and leaves invalid rows out (ingestion quarantines them).
      std::size_t dup[pp::model::kSheetCount] = {0}, bad[pp::model::kSheetCount] = {0};
      for (const auto& d : factory->duplicates) dup[static_cast<int>(d.sheet)]++;
      for (const auto& b : factory->invalid_rows) bad[static_cast<int>(b.sheet)]++;
      j += "}, \"workbook_duplicates\": {";
      bool first = true;
      for (const auto& s : pp::model::reference_sheets()) {
        if (!first) j += ", ";
        first = false;
        append_json_string(j, std::string(s.name).c_str());
        j += ": " + std::to_string(dup[static_cast<int>(s.sheet)]);
      }
      j += "}, \"workbook_invalid\": {";
      first = true;
      for (const auto& s : pp::model::reference_sheets()) {
        if (!first) j += ", ";
        first = false;
        append_json_string(j, std::string(s.name).c_str());
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
    delete buf;
    delete factory;
  }
  PG_END_TRY();

  PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
}

Datum prodplan_demo_workbook(PG_FUNCTION_ARGS) {
  const double scale = PG_GETARG_FLOAT8(0);
  const int32 seed = PG_GETARG_INT32(1);
  const pp::CancelToken cancel = pp::pg::backend_cancel_token();
  char path[MAXPGPATH] = {0};
  bytea* result = nullptr;

  PG_TRY();
  {
    pp_call("demo_workbook", [&] {
      pp::demo::DemoOptions opt;
      opt.scale = scale;
      opt.seed = seed;
      const pp::model::Factory factory = pp::demo::generate_demo(opt, cancel);
      // A private file in the temp directory; libxlsxwriter needs a path.
      const char* tmp = std::getenv("TMPDIR");
      std::snprintf(path, sizeof path, "%s/prodplan-workbook-XXXXXX", tmp && *tmp ? tmp : "/tmp");
      int fd = mkstemp(path);
      if (fd < 0) {
        path[0] = '\0';
        throw pp::Error(pp::ErrorKind::Internal, "demo_workbook: cannot create a temporary file");
      }
      close(fd);
      pp::xlsx::WorkbookWriteOptions wopt;
      wopt.seed = static_cast<std::uint64_t>(static_cast<std::uint32_t>(seed));
      pp::xlsx::write_reference_workbook(factory, path, wopt, cancel);
    });

    int fd = open(path, O_RDONLY | PG_BINARY, 0);
    if (fd < 0) ereport(ERROR, (errcode_for_file_access(), errmsg("could not open \"%s\": %m", path)));
    struct stat st;
    if (fstat(fd, &st) != 0) {
      close(fd);
      ereport(ERROR, (errcode_for_file_access(), errmsg("could not stat \"%s\": %m", path)));
    }
    if (static_cast<uint64>(st.st_size) > MaxAllocSize - VARHDRSZ) {
      close(fd);
      ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                      errmsg("demo_workbook: the workbook is %lld bytes, over the 1 GB bytea limit",
                             static_cast<long long>(st.st_size)),
                      errhint("Use a smaller scale.")));
    }
    result = static_cast<bytea*>(palloc(st.st_size + VARHDRSZ));
    SET_VARSIZE(result, st.st_size + VARHDRSZ);
    char* dst = VARDATA(result);
    off_t done = 0;
    while (done < st.st_size) {
      ssize_t n = read(fd, dst + done, st.st_size - done);
      if (n <= 0) {
        close(fd);
        ereport(ERROR, (errcode_for_file_access(), errmsg("could not read \"%s\": %m", path)));
      }
      done += n;
    }
    close(fd);
  }
  PG_FINALLY();
  {
    if (path[0]) unlink(path);
  }
  PG_END_TRY();

  PG_RETURN_BYTEA_P(result);
}
