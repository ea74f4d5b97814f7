// What a workbook is made of, from its package relationships:
//   _rels/.rels                  -> the workbook part (officeDocument), usually xl/workbook.xml
//   xl/workbook.xml              -> the sheets in workbook (tab) order: name, sheetId, state,
//                                   r:id; <workbookPr date1904="1"/> for the 1904 date system
//   xl/_rels/workbook.xml.rels   -> r:id -> part of each sheet; the shared strings and styles
// Relationship targets are relative to the source part's folder ("worksheets/sheet1.xml",
// "../xl/...") or absolute ("/xl/worksheets/sheet1.xml"), percent-encoded where needed.
// A sheet's order in the workbook is independent of its part's number.
//
// Missing workbook part, a sheet whose relationship or part is missing:
// pp::Error(DataException) "not an xlsx workbook: ...".
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/xlsx/reader_limits.h"
#include "core/xlsx/zip_archive.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pp::xlsx {

struct SheetInfo {
  std::string name;        // as shown on the tab (UTF-8)
  std::string part;        // zip entry name of its XML, e.g. "xl/worksheets/sheet1.xml"
  std::uint32_t sheet_id = 0;
  bool hidden = false;     // state="hidden" or "veryHidden"
  bool is_worksheet = true;  // false for chart / dialog / macro sheets (they have no cells)
};

struct WorkbookInfo {
  std::string workbook_part;
  std::vector<SheetInfo> sheets;              // workbook order
  std::vector<std::uint64_t> sheet_entries;   // zip entry index of each sheet's part
  bool date1904 = false;
  std::optional<std::uint64_t> shared_strings_entry;  // absent: no shared strings
  std::optional<std::uint64_t> styles_entry;          // absent: every cell is General
};

WorkbookInfo read_workbook_info(const ZipArchive& zip, const ReaderLimits& limits,
                                const CancelToken& cancel = {});

// Resolves a relationship target against the part that holds the relationship
// (source_part "xl/workbook.xml", target "worksheets/sheet1.xml" ->
// "xl/worksheets/sheet1.xml"; "/xl/x.xml" -> "xl/x.xml"; "../a.xml" climbs).
std::string resolve_part_target(std::string_view source_part, std::string_view target);
// The relationships part of a part: "xl/workbook.xml" -> "xl/_rels/workbook.xml.rels".
std::string relationships_part(std::string_view part);

}  // namespace pp::xlsx
