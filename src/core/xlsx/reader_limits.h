// Limits of the streaming xlsx reader (workbook_reader.h). Every field is a
// configurable bound; exceeding one throws pp::Error(ProgramLimit) whose
// message names the field and its value, so the SQL layer can map each one to
// a GUC (prodplan.xlsx_<field>). The defaults accept any workbook Excel itself
// can write while keeping a hostile file (zip bomb, giant strings) from taking
// the backend's memory: the reader's memory is bounded by the shared-strings
// table (max_shared_strings_bytes) plus a constant (one row of text, at most
// max_row_text_bytes, plus fixed-size buffers), whatever the row count.
//
// Beyond-Excel coordinates (a row above 1,048,576 or a column past XFD) are
// malformed input, not a limit: pp::Error(DataException) whatever the limits.
#pragma once
#include "core/common/core_only.h"

#include <cstdint>
#include <string>

namespace pp::xlsx {

struct ReaderLimits {
  // Sum of the declared uncompressed sizes of all zip entries (checked when
  // the archive is opened) and the bytes actually inflated from one entry.
  std::uint64_t max_uncompressed_bytes = 4ull << 30;  // 4 GiB
  // Uncompressed / compressed size of an entry, checked for entries larger
  // than ratio_min_entry_bytes (small entries compress extremely well
  // legitimately). A zip bomb has ratios in the thousands.
  double max_ratio = 200.0;
  std::uint64_t ratio_min_entry_bytes = 1ull << 20;  // 1 MiB
  // Entries in the zip (an xlsx has a few dozen).
  std::uint64_t max_entries = 10000;
  // Text bytes of the shared-strings table plus 8 bytes of index per string.
  std::uint64_t max_shared_strings_bytes = 512ull << 20;  // 512 MiB
  // Columns and rows of a sheet (Excel: 16,384 = XFD and 1,048,576).
  std::uint32_t max_columns = 16384;
  std::uint32_t max_rows = 1048576;
  // Text bytes of one row (the cells' strings and numbers as written, also
  // the largest single XML token, e.g. one attribute, the parser may hold).
  // Excel's own cell limit is 32,767 characters.
  std::uint64_t max_row_text_bytes = 64ull << 20;  // 64 MiB

  // Not a bound on the input: threads that parse a large sheet (over 4 MiB of
  // XML) in fragments of whole rows, the calling thread included (2 = one
  // worker thread plus the caller; 1 = the caller parses the fragments alone);
  // 0: the caller parses the sheet as one document with expat (the reference
  // the fragment path is tested against).
  // Rows are always handed out on the calling thread, in order. Worker threads
  // block all signals and never call back.
  std::uint32_t parse_threads = 2;
};

// Excel's structural maxima.
inline constexpr std::uint32_t kExcelMaxRows = 1048576;
inline constexpr std::uint32_t kExcelMaxColumns = 16384;

// Throws pp::Error(ProgramLimit): "<what> exceeds the reader limit <name> = <value>".
[[noreturn]] void throw_reader_limit(const std::string& what, const char* limit_name,
                                     const std::string& limit_value);
[[noreturn]] void throw_reader_limit(const std::string& what, const char* limit_name,
                                     std::uint64_t limit_value);

// Throws pp::Error(DataException) with the message prefixed "not an xlsx workbook: ".
[[noreturn]] void throw_not_xlsx(const std::string& why, std::string hint = {});

// Throws pp::Error(DataException) with the message as is.
[[noreturn]] void throw_bad_data(const std::string& message, std::string hint = {});

}  // namespace pp::xlsx
