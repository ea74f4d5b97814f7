// Turning a workbook's sheets into typed, validated staging rows: the part of
// ingestion that needs no database. The SQL layer (src/pg/ingest_*.cpp) feeds
// it the workbook bytes and the column aliases, then COPYs each entity's
// staged rows into a staging table, merges them into the canonical tables,
// and stores the quarantine records.
//
// Invariant per sheet (reconciliation): rows_read = staged + quarantined + duplicates,
// where staged rows have unique keys (the last occurrence of a key wins; earlier
// occurrences count as duplicates).
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/ingest/direct_split.h"
#include "core/xlsx/reader_limits.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pp::ingest {

// A row of prodplan.column_aliases: in `profile`, a header text that maps to
// `column` of `entity`. Header matching ignores case, accents, spaces and
// underscores (see normalize_header).
struct ColumnAlias {
  std::string profile;
  std::string entity;  // canonical entity (table) name, e.g. "operation"
  std::string header;  // header text as a workbook writes it
  std::string column;  // canonical staging column, e.g. "started_at"
};

// Which sheet feeds which entity in a profile: a sheet whose name matches
// (normalize_header on both) feeds the entity. For profile "prodplan" the nine
// reference sheet names; for "canonical" the entity names themselves.
struct SheetAlias {
  std::string profile;
  std::string sheet;
  std::string entity;
};

enum class ColumnType : std::uint8_t {
  Text,       // free text (names, descriptions)
  Id,         // an external id: text; a number cell becomes its integer text
  Integer,    // whole number (sequence, shift)
  Real,       // float8
  Flag,       // 0/1 (also true/false, sim/nao) -> boolean
  Timestamp,  // Excel serial (date-formatted or plain number) or text date-time -> UTC
};

struct ColumnSpec {
  std::string_view name;  // staging column name (= canonical column)
  ColumnType type;
  bool required;          // NULL -> quarantine (reason "missing_required")
  bool key;               // part of the entity's natural key (dedup)
};

// The staging layout of one canonical entity: what the SQL layer creates as a
// temporary table (plus a leading `source_row int` column) and merges from.
struct EntitySpec {
  std::string_view entity;
  std::vector<ColumnSpec> columns;
  // Timestamp columns whose first non-NULL value is the row's event time (the
  // canonical table's partition key), when the row has one of its own
  // (operation: ended, started, planned). Empty for other entities.
  std::vector<std::string_view> event_time_from = {};
};

// The nine workbook entities in dependency order (catalogues first).
const std::vector<EntitySpec>& workbook_entities();
const EntitySpec* find_entity(std::string_view entity);

// The default rows of prodplan.column_aliases / prodplan.sheet_aliases, for
// two profiles:
//   "prodplan"   the reference workbook of DOMAIN.md: its nine sheet names and
//                their header texts (model::reference_sheets()), plus a few
//                spelling variants (e.g. Funcionario_Ativo);
//   "canonical"  a sheet named as the entity, headers named as the columns.
const std::vector<ColumnAlias>& default_column_aliases();
const std::vector<SheetAlias>& default_sheet_aliases();

// Lowercase, accents folded to ASCII (UTF-8 Latin-1 supplement and Latin
// Extended-A), spaces, underscores, hyphens and dots removed.
std::string normalize_header(std::string_view header);

struct IngestOptions {
  std::string profile = "prodplan";
  // Plausible date range (UTC seconds); a date outside is quarantined as
  // "date_out_of_range". Defaults: 1990-01-01 .. 2100-01-01.
  std::int64_t min_time = 631152000;
  std::int64_t max_time = 4102444800;
  xlsx::ReaderLimits limits;
  // When > 0 and callbacks.on_chunk is set: an entity's staged rows are handed
  // out in chunks of about this many bytes while its sheet is read, so the
  // consumer can load them as parsing goes on and no sheet is held whole.
  std::size_t chunk_bytes = 0;
  // Entities the consumer loads as a plant's first load (direct_split.h):
  // their parts are split, on the staging thread, into direct_text and the
  // rest (copy_text). Other entities' parts have no direct_text.
  std::vector<DirectRules> direct;
};

struct QuarantineRecord {
  std::string sheet;
  std::uint32_t row_number = 0;  // 1-based row of the sheet
  std::string column;            // staging column ("" for row-level reasons)
  std::string reason_code;       // missing_required, bad_number, bad_date, bad_flag,
                                 // domain, end_before_start, date_out_of_range, error_cell
  std::string detail;            // human readable: what was found, what was expected
  std::string raw_json;          // the row as a JSON object {"header": "cell text", ...}
};

struct SheetReport {
  std::string sheet;
  std::string entity;
  std::size_t rows_read = 0;    // data rows (header excluded, empty rows excluded)
  std::size_t staged = 0;       // unique-key rows handed to the SQL layer
  std::size_t quarantined = 0;
  std::size_t duplicates = 0;   // earlier occurrences of a key that a later row replaced
  std::vector<std::string> unknown_headers;  // ignored, reported
  std::vector<std::string> missing_columns;  // optional columns the sheet lacks (staged as NULL)
  std::size_t error_cells = 0;  // #N/A and friends read as NULL
  double seconds = 0;
};

// The staged rows of one entity in PostgreSQL COPY text format: columns
// `source_row` then EntitySpec::columns in order; timestamps as UTC
// "YYYY-MM-DD HH:MM:SS+00", flags t/f, NULL as \N.
// One row per key: it sits where the key first occurred in the sheet and holds
// the cells (and source_row) of the key's last occurrence. Without duplicates
// the rows are in sheet order. Text and ids are trimmed of surrounding ASCII
// white space; ids read from number cells are their integer text; reals in
// the shortest round-trip form; integers in decimal.
//
// Chunked (IngestOptions::chunk_bytes): the entity arrives as zero or more
// chunks (complete = false: copy_text holds some rows, rows counts them),
// then the final part (complete = true: copy_text holds the remaining rows,
// rows counts the entity's live rows in all parts, superseded_rows lists the
// source_row of rows in earlier chunks that a later row of the same key
// replaced; the consumer deletes those). Unchunked, the one complete part
// holds every row and superseded_rows is empty.
// newly_superseded (every part): the earlier parts' rows that a row of this
// part replaced, so a consumer that stores each part as it arrives can
// remove them before storing this one; over all parts it is superseded_rows.
// superseding (parallel to newly_superseded): the source_row of this part's
// row that holds the same key, the row that replaced it.
struct StagedEntity {
  std::string entity;
  std::string sheet;  // the sheet the rows were read from
  std::string copy_text;
  std::size_t rows = 0;
  bool complete = true;
  std::vector<std::uint32_t> superseded_rows;
  std::vector<std::uint32_t> newly_superseded;
  std::vector<std::uint32_t> superseding;
  // Range of the event times (EntitySpec::event_time_from) of this part's
  // rows, Unix seconds, UTC; min > max when no row has one. Lets the consumer
  // create the partitions a part needs before the sheet is done.
  std::int64_t min_event_time = INT64_MAX;
  std::int64_t max_event_time = INT64_MIN;
  // With IngestOptions::direct rules for the entity: the part's rows that go
  // straight into the canonical table, in split_direct's direct form; those
  // rows are then not in copy_text. `rows` counts both kinds.
  std::string direct_text;
  std::size_t direct_rows = 0;
  // On the final part of a first-loaded entity: the match counts of its
  // references whose targets this run first-loaded too (FirstLoads::finish);
  // the SQL layer counts the others.
  std::vector<ReferenceTally> references;
};

struct IngestCallbacks {
  // Called once per entity found in the workbook, in workbook_entities() order,
  // as soon as its sheet is parsed. The callee may consume (move from) it.
  std::function<void(StagedEntity&, const SheetReport&)> on_entity;
  // With IngestOptions::chunk_bytes: called with each chunk (complete =
  // false) of an entity before on_entity delivers its final part.
  std::function<void(StagedEntity&)> on_chunk;
  // Called every ~10,000 rows with the sheet being read and rows done so far.
  std::function<void(std::string_view sheet, std::size_t rows_done)> on_progress;
};

struct WorkbookPlan {
  std::vector<SheetReport> sheets;            // one per ingested sheet, entity order
  std::vector<QuarantineRecord> quarantine;
  std::vector<std::string> ignored_sheets;    // sheets the profile does not map
};

// Parses, validates and stages a workbook held in memory (not copied; the
// caller keeps `data` alive). Throws pp::Error(DataException) for a workbook
// that cannot be read, and for a mapped sheet that misses required columns
// (the message names each missing column and lists the headers found);
// pp::Error(ProgramLimit) for limits; pp::Cancelled on cancel. Row-level faults
// never throw: they become quarantine records.
//
// Details (implementation: src/core/ingest/*.cpp, staging_detail.h):
//   * Sheets are matched by normalize_header(name) against the profile's sheet
//     aliases, in any order; unmapped sheets (and chart sheets) are listed in
//     ignored_sheets; a mapped sheet absent from the workbook is absent from
//     the plan. Two sheets feeding one entity, two headers mapping to one
//     column, or row 1 empty ("sheet X has no header row"): DataException.
//     No sheet alias for options.profile, an alias naming an unknown entity or
//     column, or min_time >= max_time: InvalidParameter.
//   * Rows whose cells are all empty or blank text are not data rows.
//   * One quarantine record per faulty row: the first fault in the order of
//     detail::RowRules (conversion, required, domain, date range, cross-column).
//   * Error cells count in SheetReport::error_cells only in mapped columns.
WorkbookPlan stage_workbook(const void* data, std::size_t size, const std::vector<ColumnAlias>& aliases,
                            const std::vector<SheetAlias>& sheet_aliases, const IngestOptions& options,
                            const IngestCallbacks& callbacks, const CancelToken& cancel = {});

// Stages rows that do not come from a workbook (prodplan.ingest_table: rows a
// client loaded with COPY into any table) through the same header matching,
// conversion, rules, dedup and quarantine as a workbook sheet. The first
// add_row call is the header row (the source's column names). Cells are text
// as the source prints them; std::nullopt is SQL NULL. `source` names the rows
// in reports and quarantine records (it plays the sheet's part). Text given to
// add_row need only live during the call; aliases, options, callbacks and
// cancel are kept by reference and must outlive the stager.
class RowStager {
 public:
  RowStager(std::string_view entity, std::string source, const std::vector<ColumnAlias>& aliases,
            const IngestOptions& options, const IngestCallbacks& callbacks, const CancelToken& cancel = {});
  ~RowStager();
  RowStager(const RowStager&) = delete;
  RowStager& operator=(const RowStager&) = delete;

  // row_number: 1 for the header, then 2, 3, ... (reported in quarantine).
  void add_row(std::uint32_t row_number, const std::vector<std::optional<std::string_view>>& cells);
  // Ends the rows: calls callbacks.on_entity and returns the plan (one sheet).
  // Throws like stage_workbook for a missing header or required columns.
  WorkbookPlan finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pp::ingest
