// The streaming xlsx reader: opens a workbook held in memory and streams its
// sheets row by row. Zip entries are inflated incrementally and the XML parsed
// with a SAX parser (expat, and for the rows of large sheets a faster tokenizer
// of the same events, fast_fragment.h): there is no DOM and no whole-sheet
// buffer, so the memory used is the shared-strings table plus a constant,
// whatever the row count. Sheets over 4 MiB of XML are parsed by
// ReaderLimits::parse_threads threads (the calling one included) in fragments
// of whole rows (sheet_pipeline.h); rows are still handed out in order on the
// calling thread. A reader is not thread-safe: one reader per thread.
//
//   pp::xlsx::WorkbookReader wb(bytes.data(), bytes.size());
//   for (std::size_t i = 0; i < wb.sheets().size(); ++i)
//     wb.read_sheet(i, [&](const pp::xlsx::Row& row) { ... row.cells[c] ... });
//
// Cell semantics: sheet_reader.h. Limits: reader_limits.h. Errors are
// pp::Error: DataException for malformed input ("not an xlsx workbook: ..."
// for a bad container or missing parts; otherwise the message names the part
// or sheet, and the cell or approximate row), ProgramLimit when a ReaderLimits
// bound is exceeded (the message names the limit and its value),
// InvalidParameter for a bad sheet index; pp::Cancelled when `cancel` fires.
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/xlsx/cell.h"
#include "core/xlsx/reader_limits.h"
#include "core/xlsx/sheet_reader.h"
#include "core/xlsx/workbook_info.h"

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace pp::xlsx {

class WorkbookReader {
 public:
  // Opens the container and reads the workbook's structure (sheets, date
  // system, relationships). Does NOT copy `data`: the caller keeps it alive
  // as long as the reader.
  WorkbookReader(const void* data, std::size_t size, ReaderLimits limits = {},
                 const CancelToken& cancel = {});
  ~WorkbookReader();
  WorkbookReader(WorkbookReader&&) noexcept;
  WorkbookReader& operator=(WorkbookReader&&) noexcept;

  // Sheets in workbook (tab) order: name, part path.
  const std::vector<SheetInfo>& sheets() const;
  // Index of the sheet with exactly this name, if any.
  std::optional<std::size_t> find_sheet(std::string_view name) const;
  // The 1904 date system (<workbookPr date1904="1"/>); DateTime cells are
  // already converted with it.
  bool date1904() const;
  const ReaderLimits& limits() const;

  // Streams one sheet: calls on_row for every row that has at least one
  // non-empty cell, in order. The Row and the text of its cells are valid
  // only during the call. The shared strings and styles are loaded at the
  // first call and kept.
  SheetStats read_sheet(std::size_t sheet_index, const std::function<void(const Row&)>& on_row,
                        const CancelToken& cancel = {});

  // Number of shared strings (loads the table if needed).
  std::size_t shared_string_count(const CancelToken& cancel = {});

 private:
  struct Impl;
  void load_tables(const CancelToken& cancel);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pp::xlsx
