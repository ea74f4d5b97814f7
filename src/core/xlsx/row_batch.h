// Rows parsed ahead by a worker thread of the parallel sheet reader, held until
// the calling thread hands them out in order: only the non-empty cells, their
// texts copied into one buffer (shared strings are referenced, not copied).
#pragma once
#include "core/common/core_only.h"
#include "core/xlsx/cell.h"
#include "core/xlsx/sheet_reader.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pp::xlsx {

struct RowBatch {
  struct RowRec {
    std::uint32_t row_number;
    std::uint32_t width;       // last non-empty column + 1
    std::size_t first_cell;    // index into cells
    std::uint32_t cell_count;  // non-empty cells
  };
  struct CellRec {
    std::uint32_t column;
    bool text_in_batch;        // the text is [text_offset, +text_length) of `text`
    std::size_t text_offset;
    std::size_t text_length;
    CellValue value;
  };
  std::vector<RowRec> rows;
  std::vector<CellRec> cells;
  std::string text;
  std::uint32_t last_row_seen = 0;  // number of the last <row> parsed, with a value or not
  SheetStats stats;                 // rows, cells, columns, errors of this batch

  void clear() {
    rows.clear();
    cells.clear();
    text.clear();
    last_row_seen = 0;
    stats = SheetStats();
  }
};

}  // namespace pp::xlsx
