// The SQL building blocks the ingestion merge is made of: the staging table of
// an entity, the derived columns (partition keys) and how they are filled, the
// references reported as match rates, key matches, defaults, and the timing of
// each step. Plain PostgreSQL code over SPI (the caller is connected); every
// function can ereport, so call them only from frames without live C++ objects.
// Includes pg_includes.h: include this header after every C++ header.
#pragma once

#include "core/ingest/staging.h"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "pg/pg_includes.h"

extern "C" {
#include "portability/instr_time.h"
}

namespace pp::pg::ingest {

// What merging one sheet did.
struct SheetCounts {
  int64 inserted, updated, unchanged, sql_quarantined;
  char* references_json;  // {"column -> target": {"rows": n, "matched": m, "match_rate": r}, ...}
  char* steps_json;       // {"step": seconds, ...}: where the merge of this sheet spent its time
  int64 direct;           // rows COPYed straight into the canonical table (first loads)
  int references_while_staging;  // references of references_json counted by the staging thread
};

// Seconds per merge step of one entity, reported in ingest_runs.report so a
// slow load can be explained from SQL. The JSON is palloc'd in the current
// memory context.
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
  // Seconds since start() or the previous lap, recorded as `step`.
  double lap(const char* step) {
    instr_time now;
    INSTR_TIME_SET_CURRENT(now);
    instr_time d = now;
    INSTR_TIME_SUBTRACT(d, last);
    record(step, INSTR_TIME_GET_DOUBLE(d));
    last = now;
    return INSTR_TIME_GET_DOUBLE(d);
  }
  char* finish() {
    appendStringInfoChar(&json, '}');
    return json.data;
  }
};

// Runs a statement and checks its result code; returns the rows processed.
int64 spi_exec(const char* sql, int nargs, Oid* types, Datum* values, int expected);
// The int8 of a one-row, one-column query (-1 for NULL); sees this run's writes.
int64 spi_scalar_int8(const char* sql, int nargs, Oid* types, Datum* values);

void append_name(StringInfo s, std::string_view name);
const char* sql_type(pp::ingest::ColumnType t);

// The column an entity derives during the merge (its partition key), or NULL.
const char* derived_column(std::string_view entity);
// Statements (over staging table %1$s, plant $1) that fill the derived
// column; NULL-terminated.
struct DerivedSteps {
  const char* steps[3];
  // The steps join the staged rows with a large table, so the staging table
  // needs statistics first (ANALYZE) for a hash join to be chosen.
  bool need_stage_statistics;
};
DerivedSteps derived_steps(std::string_view entity);
// The derived value of staging row s (an SQL expression).
const char* derived_value(std::string_view entity);

// The source rows a plant's first load of an entity quarantined in SQL (rows
// without a derived time), sorted; palloc'd.
struct HeldRows {
  int n;
  uint32* rows;
};

// Match counts the staging thread already made for references whose both
// sides are first loads of this run (direct_split.h, ReferenceTally): the
// entity's tallies, its own held rows, and the held rows of every workbook
// entity by its workbook_entities() index (n = 0 for those not loaded so).
// A reload (Compare mode) counts from the stored rows it indexed instead:
// true only when neither side's table changed, so only_if_unchanged says to
// drop the counts when this entity's merge wrote rows after all.
struct KnownReferences {
  const std::vector<pp::ingest::ReferenceTally>* tallies;
  HeldRows own;
  const HeldRows* held_by_entity;
  bool only_if_unchanged;
};

// Key equality between canonical t and staging s (plant $1); nullable key
// columns (a defect's culprit) compare NULL as equal.
void append_key_match(StringInfo s, const pp::ingest::EntitySpec& spec);

// NOT NULL columns of prodplan.<entity> that have a default: a NULL in the
// source means "not given", so an insert takes the default and an update
// keeps the stored value.
struct NotNullDefaults {
  int n;
  char* column[32];
  char* expr[32];
};
NotNullDefaults not_null_defaults(std::string_view entity);
const char* default_of(const NotNullDefaults& d, std::string_view column);
// Appends the value the merge stores for column c from staging row s: the
// staged value, or (NULL given) the stored value `fallback_prefix`.column, or
// without a prefix the column's default, for NOT NULL columns with a default.
void append_value(StringInfo sql, const NotNullDefaults& d, std::string_view column, const char* fallback_prefix);
// The INSERT of every row of the staging table into prodplan.<entity>, the
// derived column from derived_value(); `filter` (or NULL) is appended after
// "FROM pg_temp.<stage> s".
void append_insert(StringInfo sql, const pp::ingest::EntitySpec& spec, const NotNullDefaults& d, const char* filter);

// pg_temp.pp_stage_<entity>: source_row, the spec's columns, the derived column.
void stage_name(char* out, std::string_view entity);
// Creates it; a second run in the same transaction finds the first run's
// table and replaces it.
void create_stage(const pp::ingest::EntitySpec& spec);
// Empties it (a new part of the entity replaces the previous one).
void truncate_stage(const pp::ingest::EntitySpec& spec);
// COPYs staged rows (source_row + the spec's columns) into it; returns the
// number of rows.
int64 load_stage(const pp::ingest::EntitySpec& spec, const char* copy_text, size_t copy_len);
// Rows of earlier chunks that a later row of the same key replaced (the
// last occurrence wins): deleted from the staging table.
void delete_superseded(const pp::ingest::EntitySpec& spec, const std::uint32_t* rows, size_t n);
// Appends ", column" for each column of the entity a run's statements join
// on (keys, references, the order): the columns whose statistics matter.
void append_join_columns(StringInfo sql, const pp::ingest::EntitySpec& spec);
bool is_prodplan_table_owner(std::string_view entity);

// ANALYZE of every column of prodplan.<table> (of a partitioned table's
// parent, not its partitions, which autovacuum analyzes) when the caller owns
// it; else nothing. Ingestion calls it for each entity it wrote, load_demo
// for the tables it writes without ingestion: until autovacuum comes by, the
// next statements would plan their joins from a table believed empty or from
// default selectivities (ingest_sql.cpp says how that went wrong).
void analyze_after_bulk_load(std::string_view table);

// Fills the staging table's derived column (derived_steps; the caller runs
// any ANALYZE the steps need first).
void derive_stage(const pp::ingest::EntitySpec& spec, Datum plant);
// Moves the staged rows that got no derived value (no time at all: they
// cannot be placed in a partition) into `quarantine_table`
// (prodplan.ingest_quarantine or a temporary table of its shape) as
// no_event_time records of run `run_id`, sheet `sheet`; returns how many.
int64 quarantine_without_derived(const pp::ingest::EntitySpec& spec, const char* quarantine_table, int64 run_id,
                                 const char* sheet);
// Creates the partitions of prodplan.<entity> that the staged rows' derived
// values need.
void ensure_stage_partitions(const pp::ingest::EntitySpec& spec);

// After a sheet's rows are merged: fresh statistics on prodplan.<entity> when
// rows were written, and the match rates of its references (into
// counts->references_json). Timed into `clock`.
void finish_sheet(const pp::ingest::EntitySpec& spec, const char* stage, Datum plant, SheetCounts* counts,
                  StepClock* clock, const KnownReferences* known = NULL);

}  // namespace pp::pg::ingest
