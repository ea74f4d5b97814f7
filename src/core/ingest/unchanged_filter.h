// Keeping back the staged rows a canonical table already holds unchanged,
// before they are loaded into PostgreSQL: an identical re-run of a workbook
// then loads and joins nothing for those rows, and only new, changed or
// undecided rows reach the staging table and the SQL merge (which classifies
// them again). The stored rows are indexed first; staged rows are then
// filtered chunk by chunk as the sheet is parsed.
//
// The decision is conservative. A row is kept back only when every merged
// column, written in the staged COPY form (staging_detail.h:
// append_copy_field), is byte-equal to the stored value written the same way.
// Two values the SQL merge would call equal may still be sent to it (e.g. -0
// and 0), but a row the merge would change is never kept back. Rows whose
// merged values depend on other tables (a derived time that needs the order)
// are undecided, and so are keys stored more than once.
#pragma once
#include "core/common/core_only.h"
#include "core/ingest/key_index.h"
#include "core/ingest/staging.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pp::ingest {

// One stored (canonical) value of a spec column, as the SQL layer reads it.
struct StoredCell {
  bool null = true;
  std::int64_t integer = 0;    // Integer; Flag (0/1); Timestamp (Unix seconds, UTC)
  double real = 0;             // Real
  const char* text = nullptr;  // Text, Id: the bytes (not NUL-terminated), not owned
  std::size_t text_len = 0;
  bool representable = true;   // false: the value has no staged form (a timestamp with
                               // fractional seconds, say), so it equals no staged value
};

struct UnchangedRules {
  // Per spec column: a NULL staged value means "keep what is stored" (NOT
  // NULL columns with a default), so it matches any stored value.
  std::vector<bool> null_keeps_stored;
  // The entity's derived column (operation.event_time): the first non-NULL of
  // these spec columns, compared with the stored derived value, which the
  // caller passes as one more cell after the spec columns. A staged row where
  // all of them are NULL is undecided (its value comes from another table).
  // Empty: the entity has no derived column.
  std::vector<std::size_t> derived_from;
};

class UnchangedFilter {
 public:
  UnchangedFilter(const EntitySpec& spec, UnchangedRules rules);

  // Indexes one stored row of the plant: cells[i] is spec column i (then the
  // derived value, if any). The cells' text is copied.
  void add_stored(const StoredCell* cells);
  std::size_t stored() const { return count_; }
  // Room for about `rows` stored rows (an estimate), so indexing a large table
  // does not copy the row list and rehash as it doubles.
  void reserve(std::size_t rows);

  // Whether every stored row is indexed: none had a key without a staged
  // form, and no key was stored twice. Only then do the two below describe
  // all of the plant's rows.
  bool complete() const { return !skipped_ && !conflicts_; }
  // The stored rows' keys, for counting another entity's references to
  // these rows; the entity must have one key column. Empty when !complete().
  detail::KeyIndex keys() const;
  // Over the stored rows: how many hold a value in spec column `column` and
  // how many of those values `targets` holds (a reference's match counts);
  // nullopt when !complete() or a value has no staged form.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> count_references(std::size_t column,
                                                                          const detail::KeyIndex& targets) const;

  // Staged COPY text (source_row, then the spec's columns; whole lines) in,
  // the lines that are not stored unchanged out, in order. The source_row of
  // each line kept back is appended to `kept`.
  std::string filter(std::string_view copy_text, std::vector<std::uint32_t>& kept);

 private:
  std::size_t find(std::string_view key) const;
  bool unchanged(std::size_t stored, const std::vector<std::string_view>& fields);
  void grow();
  void rehash(std::size_t slots);

  const EntitySpec& spec_;
  UnchangedRules rules_;
  std::vector<std::size_t> key_columns_, value_columns_;
  // Stored rows: key fields (each followed by a tab), then the compared
  // values (each followed by a tab), back to back in fixed-size blocks that
  // never move (a growing single buffer would copy the whole table each time
  // it doubles, and touch twice the memory).
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t block_used_ = 0;
  struct Row {
    const char* bytes;
    std::uint32_t key_length, length;
    std::uint64_t hash;
    std::uint64_t unrepresentable;  // bit j: compared value j has no staged form
    bool conflict;                  // the key is stored more than once
  };
  std::vector<Row> rows_;
  // Open addressing: the hash's high 32 bits above the row index + 1; 0 =
  // empty. The hash bits let a probe skip other keys without touching their
  // row (a cache miss each on a large table).
  std::vector<std::uint64_t> table_;
  std::size_t count_ = 0;
  bool skipped_ = false;    // a stored row had a key without a staged form
  bool conflicts_ = false;  // a key was stored more than once
  std::vector<std::string_view> fields_;
  std::string key_, row_;
};

}  // namespace pp::ingest
