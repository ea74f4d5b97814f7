// The row streamer: parses one worksheet part with expat and hands out its
// rows in order, one at a time, reusing the same cell vector and text buffer
// (no allocation per cell once the buffers have grown to the widest row).
//
// Cells:
//   t="s"          shared string (index into the table; out of range: DataException)
//   t="inlineStr"  <is><t> or rich runs <is><r><t>, concatenated (<rPh> ignored)
//   t="str"        a formula's string result, from <v>
//   t="b"          Bool (0/1)
//   t="e"          Error: the code ("#N/A", ...) in `text`; counted in SheetStats
//   t="d"          ISO 8601 date-time text -> DateTime (unparseable: Text)
//   t="n" / none   Number; DateTime if the cell format (s=) is a date-time format
//                  and the serial converts in the workbook's date system (a time
//                  of day alone, serial < 1 in the 1900 system, stays a Number,
//                  and so does an elapsed-time [h]:mm format)
//   A formula <f> is ignored: the cached <v> is the value; without <v> the cell is Empty.
//   <v></v> (no text) is Empty for every type but inline strings.
//   Text is UTF-8 exactly as written (whitespace kept), "_xHHHH_" escapes decoded.
//   The same column twice in a row: the last value wins.
// Coordinates: <row r="7"> and <c r="B7">; a row without r follows the previous
// row, a cell without r the previous cell (the first one is column A). Rows and
// cells may be sparse; the <dimension> ref is only a hint (it can lie).
// A row above 1,048,576 or a column past XFD: DataException naming the sheet and
// the cell; past ReaderLimits::max_rows / max_columns: ProgramLimit.
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/xlsx/cell.h"
#include "core/xlsx/excel_dates.h"
#include "core/xlsx/reader_limits.h"
#include "core/xlsx/shared_strings.h"
#include "core/xlsx/styles.h"
#include "core/xlsx/zip_archive.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pp::xlsx {

struct CellError {
  std::uint32_t row_number = 0;  // 1-based
  std::uint32_t column = 0;      // 0-based
  std::string code;              // "#N/A", "#DIV/0!", ...
  std::string reference() const { return cell_reference(row_number, column); }
};

struct SheetStats {
  std::uint64_t rows = 0;         // rows handed to the callback (those with a value)
  std::uint64_t cells = 0;        // non-empty cells handed out
  std::uint32_t last_row = 0;     // row number of the last row handed out
  std::uint32_t columns = 0;      // width of the widest row handed out
  std::uint64_t error_cells = 0;  // t="e" cells
  std::vector<CellError> first_errors;  // the first kMaxErrorSamples of them
  std::uint64_t xml_bytes = 0;    // uncompressed size of the sheet's XML
  std::string dimension;          // the <dimension ref> as declared (not trusted)
  std::uint64_t fragments = 0;    // fragments of rows parsed by worker threads (0: one parser)
  static constexpr std::size_t kMaxErrorSamples = 10;
};

struct SheetContext {
  std::string sheet_name;
  const SharedStrings* shared_strings = nullptr;  // null: t="s" cells are a DataException
  const Styles* styles = nullptr;                 // null: every cell is General
  DateSystem date_system = DateSystem::k1900;
  ReaderLimits limits;  // limits.parse_threads >= 1: large sheets in fragments (sheet_pipeline.h)
  // Parallel parse: sheets of at least this many bytes of XML, in fragments of
  // about chunk_bytes (tests lower both).
  std::uint64_t parallel_min_bytes = 4ull << 20;
  std::size_t chunk_bytes = 1u << 20;
};

// Streams the worksheet at zip entry `index`, calling on_row for every row with
// at least one non-empty cell, in document order, on the calling thread.
// Exceptions thrown by on_row propagate unchanged (the parse stops). Polls
// `cancel` every 256 KiB of XML and every 4096 rows.
//
// Large sheets are parsed in parallel (ctx.limits.parse_threads threads, see
// sheet_pipeline.h) with the same results and errors as the sequential parse,
// except that messages about malformed XML then name the approximate row
// rather than a line and column.
SheetStats stream_sheet(const ZipArchive& zip, std::uint64_t index, const SheetContext& ctx,
                        const std::function<void(const Row&)>& on_row,
                        const CancelToken& cancel = {});

}  // namespace pp::xlsx
