// Serializes a Factory into PostgreSQL COPY text format, one canonical table at
// a time, so the SQL layer can bulk-load it through COPY's own machinery
// (partition routing, multi-insert buffering) instead of row-by-row INSERTs.
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/model/factory.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pp::model {

struct CopyTableSpec {
  // String literals (static, NUL-terminated), so the SQL layer can pass them on.
  const char* table;                 // unqualified name in schema prodplan
  std::vector<const char*> columns;  // COPY column list, in field order
};

// The canonical tables in load order: every table after the tables its foreign
// keys reference. Deleting in reverse order is always safe.
const std::vector<CopyTableSpec>& canonical_copy_tables();

// Appends the rows of canonical_copy_tables()[table_index] for `f` to `out` in
// COPY text format (tab-separated, \N for NULL, backslash escapes, one line per
// row; times as UTC timestamptz). Returns the number of rows appended.
std::size_t append_copy_rows(const Factory& f, std::size_t table_index, std::string& out,
                             const CancelToken& cancel = {});

// Appends v as one COPY text field (backslash, tab, newline and CR escaped).
void append_copy_text(std::string& out, std::string_view v);

// The columns of workbook entities that the reference workbook does not carry,
// as COPY text: kind 0 = work_center (work_center_id, is_evaluation,
// capacity_units, calendar_id), 1 = product (product_id, family),
// 2 = employee (employee_id, hired_at). Replaces out's contents.
void append_demo_extras(const Factory& f, int kind, std::string& out);

// Number of rows append_copy_rows would write for the table.
std::size_t copy_row_count(const Factory& f, std::size_t table_index);

// Earliest and latest partition-key time over every row bound for a
// partitioned table; {0, 0} when there are none.
std::pair<Time, Time> partition_time_range(const Factory& f);

}  // namespace pp::model
