// The parts of staging (staging.h) that stage_workbook is made of, exposed for
// the unit tests: cell conversion, header matching, row rules, key dedup and
// quarantine JSON. Not an API for the SQL layer: it calls stage_workbook.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/core_only.h"
#include "core/ingest/staging.h"
#include "core/xlsx/cell.h"
#include "core/xlsx/excel_dates.h"

namespace pp::ingest::detail {

// ---- cell conversion (cell_convert.cpp) -------------------------------------

// Without surrounding ASCII white space (space, \t, \n, \r, \v, \f) and
// no-break spaces (U+00A0).
std::string_view trim(std::string_view s);
// "NULL" in any case (the text is already trimmed).
bool is_null_literal(std::string_view trimmed);

enum class NumberParse : std::uint8_t { Ok, Bad, Ambiguous };
// A decimal number written as text: optional sign, digits, optional fraction
// and exponent ("2.7", "-1e-07", "+3", ".5"). A decimal comma is accepted when
// it is the only separator and cannot be a thousands separator ("2,7",
// "0,125", "1234,5"); "1,234" (1-3 digits, not starting with 0, then exactly 3
// digits) is Ambiguous, and so is any text with both ',' and '.' or several
// commas. Non-finite values are Bad. `trimmed` has no surrounding space.
NumberParse parse_number_text(std::string_view trimmed, double& out);

// A date-time written as text, read as UTC:
//   YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][Z]    (also YYYY/MM/DD)
//   DD/MM/YYYY[ HH:MM[:SS[.fff]]]           (also DD-MM-YYYY, DD.MM.YYYY)
// Month, day and hour may have one digit; fractions of a second are rounded
// to the nearest second. nullopt when the form is not one of these or the
// date or time does not exist ("31/02/2023 25:61").
std::optional<xlsx::UnixTime> parse_datetime_text(std::string_view trimmed);

// One converted cell.
struct Field {
  enum class State : std::uint8_t { Null, Value, Bad };
  State state = State::Null;
  bool error_cell = false;       // an Error cell (#N/A, ...): read as NULL
  std::int64_t integer = 0;      // Integer; Flag (0/1); Timestamp (Unix seconds, UTC)
  double real = 0;               // Real
  std::string_view text;         // Id, Text: points into the cell or the scratch buffer
  const char* reason = nullptr;  // Bad: "bad_number", "bad_date" or "bad_flag"
  const char* why = nullptr;     // Bad: what was expected

  bool is_null() const { return state == State::Null; }
  bool ok() const { return state == State::Value; }
};

// Bytes of the scratch buffer convert_cell may write an Id's or Text's
// characters to (a number or date-time cell read as text).
inline constexpr std::size_t kScratchSize = 32;

// Converts a cell to a column type. Empty cells, blank text and the text
// "NULL" (any case) are NULL; Error cells are NULL with error_cell set.
//   Id, Text   text trimmed; a number cell -> format_number (integral values
//              as integers: 133626 -> "133626"); a date-time cell -> its serial
//              for an Id, "YYYY-MM-DD HH:MM:SS" for Text; a boolean TRUE/FALSE
//   Integer    a whole number in int32 range, from a number cell or text
//              ("7", "7.0", " 7 "); else bad_number
//   Real       a number cell, or text per parse_number_text; else bad_number
//   Flag       0/1 number or boolean cells; text 0/1, true/false, t/f,
//              yes/no, y/n, sim/nao/não, s, verdadeiro/falso (any case),
//              "1.0"/"0.0"; else bad_flag
//   Timestamp  a date-time cell; a plain number cell or numeric text as an
//              Excel serial in `sys`; text per parse_datetime_text; else bad_date
// The returned text may point into `cell.text` or `scratch`.
Field convert_cell(const xlsx::CellValue& cell, ColumnType type, xlsx::DateSystem sys, char* scratch);

// COPY text form's NULL, as append_copy_field writes it and the staged rows
// are compared against it.
inline constexpr std::string_view kCopyNull = "\\N";

// Appends a Null or Value field in COPY text form: \N; escaped text; decimal
// integer; shortest round-trip real; t/f; "YYYY-MM-DD HH:MM:SS+00".
void append_copy_field(std::string& out, const Field& f, ColumnType type);
// COPY text escaping of \, tab, newline and carriage return.
void append_copy_escaped(std::string& out, std::string_view text);

// The cell as a person reads it: text as is, numbers per format_number,
// date-times "YYYY-MM-DD HH:MM:SS", booleans TRUE/FALSE, errors their code,
// empty cells nothing.
void append_cell_text(std::string& out, const xlsx::CellValue& cell);

// ---- header matching (header_match.cpp) -------------------------------------

struct HeaderMatch {
  std::vector<std::string> headers;           // sheet column -> header text ("" none)
  std::vector<int> source;                    // spec column -> sheet column, -1 when absent
  std::vector<std::string> unknown_headers;   // non-empty headers no alias maps
  std::vector<std::string> missing_optional;  // optional spec columns without a header
};

// Maps a sheet's header row to the entity's columns through the aliases of
// `profile` for `spec.entity` (normalize_header on both sides). Throws
// pp::Error(DataException) when a required column has no header (the message
// names the sheet, each missing column with the header(s) that would map to
// it, and lists the headers found) or when two headers map to one column;
// pp::Error(InvalidParameter) when an alias of the profile names a column the
// entity does not have, or two aliases normalize alike but name different
// columns.
HeaderMatch match_headers(std::string_view sheet, const EntitySpec& spec, const std::vector<std::string>& headers,
                          const std::vector<ColumnAlias>& aliases, std::string_view profile);

// ---- row rules (row_rules.cpp) ----------------------------------------------

struct RowFault {
  static constexpr std::size_t kRow = static_cast<std::size_t>(-1);
  std::size_t column = kRow;     // spec column index, kRow for a rule across columns
  const char* reason = nullptr;  // a QuarantineRecord reason code
  std::string why;               // what is wrong (the caller adds the cell's text)
};

// The checks a staged row must pass, in this order (the first fault wins):
//   1. per column, in spec order: a Bad conversion (its reason); an Error
//      cell in a required column (error_cell); NULL in a required column
//      (missing_required);
//   2. per column: domains (severity 1..3; shift 1, 2, 3; weights >= 0)
//      -> domain; timestamps outside [min_time, max_time) -> date_out_of_range;
//   3. across columns: operation ended_at < started_at, production order
//      finished_at < created_at -> end_before_start (the canonical tables'
//      CHECK constraints).
class RowRules {
 public:
  RowRules(const EntitySpec& spec, const IngestOptions& options);
  // `fields` has one entry per spec column. True when the row passes.
  bool check(const Field* fields, RowFault& fault) const;

 private:
  enum class Domain : std::uint8_t { None, Severity, Shift, NonNegative };
  const EntitySpec* spec_;
  std::int64_t min_time_, max_time_;
  std::vector<Domain> domains_;
  struct Order {
    std::size_t first, second;  // second must not be before first
  };
  std::vector<Order> orders_;
};

// ---- key dedup (dedup.cpp) --------------------------------------------------

// A 64-bit hash of bytes (keys of the dedup and first-load indexes).
std::uint64_t hash_bytes(std::string_view s);

// The staged rows of one entity, one per key: a row whose key was seen before
// replaces the earlier row (counted as a duplicate) at the earlier row's
// position.
//
// Rows can be handed out in chunks while the sheet is still being read
// (take_chunk). A later row whose key belongs to a row already handed out
// cannot replace it in place: it becomes a new row at the end, and the
// handed-out row's source_row is listed in superseded() for the consumer to
// delete. Either way, live rows = rows() and rows_read = rows() + quarantined
// + duplicates() holds.
class StagedRows {
 public:
  StagedRows();
  // The buffer a row's COPY line (with its '\n') is appended to; call commit
  // with the line's start offset after appending it, or truncate the buffer
  // back to that offset to drop the line.
  std::string& buffer() { return lines_; }
  // Keys the line [line_start, buffer().size()) of sheet row `source_row`.
  // Returns true if it replaced an earlier row. `key` is copied (it may point
  // into the buffer).
  bool commit(std::size_t line_start, std::string_view key, std::uint32_t source_row);
  // Live rows (one per key) so far, handed out or not.
  std::size_t rows() const { return slots_.size() - superseded_.size(); }
  std::size_t duplicates() const { return duplicates_; }
  // Bytes of COPY text not handed out yet.
  std::size_t pending_bytes() const { return lines_.size(); }
  // The COPY text of the rows not handed out yet, in order of first
  // occurrence, and marks them handed out. Keys stay indexed.
  std::string take_chunk();
  // Source rows of handed-out rows that later rows replaced.
  const std::vector<std::uint32_t>& superseded() const { return superseded_; }
  // The source row that now holds the key of superseded()[i]: a row not
  // handed out yet, or one handed out after superseded()[i].
  std::uint32_t superseding(std::size_t i) const { return slots_[superseding_slot_[i]].source_row; }
  // The remaining COPY text (take_chunk), then forgets everything.
  std::string take_copy_text();

 private:
  struct Slot {
    std::size_t offset, length;  // in lines_, while not handed out
    std::uint32_t source_row;
  };
  std::uint32_t find_or_insert(std::string_view key, std::uint64_t hash, std::uint32_t slot);
  void set_slot(std::string_view key, std::uint64_t hash, std::uint32_t slot);
  void grow();

  std::string lines_;
  std::vector<Slot> slots_;
  std::size_t emitted_ = 0;  // slots_[0, emitted_) were handed out
  std::vector<std::uint32_t> superseded_;
  std::vector<std::uint32_t> superseding_slot_;  // parallel to superseded_
  // Open-addressing hash index: key bytes in an arena, table of entry indexes.
  struct Entry {
    std::uint64_t hash;
    std::size_t key_offset;
    std::uint32_t key_length;
    std::uint32_t slot;
  };
  std::string key_arena_;
  std::vector<Entry> entries_;
  std::vector<std::uint64_t> table_;  // hash high bits | entry index + 1; 0 = empty
  std::size_t duplicates_ = 0;
  bool reordered_ = false;  // a pending slot's line is not where sheet order puts it
};

// ---- quarantine JSON (quarantine_json.cpp) ----------------------------------

// Appends `s` as a JSON string (quoted): ", \ and control characters escaped;
// valid UTF-8 copied as is; each byte of an invalid UTF-8 sequence becomes
// U+FFFD, so the result is always valid JSON (and valid jsonb).
void append_json_string(std::string& out, std::string_view s);

// The JSON object keys of a sheet's columns: the header text; a column
// without header, or whose header repeats an earlier one, is named by its
// letter ("F", or "Header [F]" for a repeat).
std::vector<std::string> json_keys(const std::vector<std::string>& headers);

// A row as a JSON object {"key": "cell text", ...}: every column with a key
// (empty cells as null), then non-empty cells past the keys by column letter.
std::string row_to_json(const std::vector<std::string>& keys, const std::vector<xlsx::CellValue>& cells);

}  // namespace pp::ingest::detail
