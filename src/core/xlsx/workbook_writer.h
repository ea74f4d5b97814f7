// Writes the workbook part of a Factory as an .xlsx in the reference (PRODPLAN)
// format of ../shared/DOMAIN.md, with the flaws of the real ERP export, using
// libxlsxwriter in constant-memory mode.
//
// Sheets, their order and their header texts come from
// model::reference_sheets(); row 1 of each sheet holds the headers.
//
// RENDERING RULES (the workbook reader / ingestion must accept all of them):
//
// Rows
//   * Data rows start at row 2 and are contiguous (no blank rows).
//   * A sheet's rows are its clean vector in order (Factory::orders, ...).
//     Right after clean row i come, in Factory vector order, every
//     DuplicateRow of that sheet with after_index == i (a copy of clean row
//     source_index, rendered cell for cell exactly like that row: same
//     number/text/NULL/date choices), then every InvalidRow of that sheet with
//     after_index == i (its `cells` written as text strings; "" = empty cell;
//     fewer cells than columns = trailing empty cells).
//   * after_index / source_index out of range, more invalid cells than
//     columns, or more than 1,048,575 data rows in a sheet: pp::Error
//     (InvalidParameter / ProgramLimit), nothing written.
//
// Cells (each choice is a pure function of (seed, sheet, clean row index,
// column): a 64-bit mix hash, no global RNG state; duplicates reuse the hash
// of their source row)
//   * Numbers (doubles and ints): a number cell (~60%) or a text cell (~40%)
//     holding the shortest round-trip decimal form (std::to_chars, "C" style:
//     "2.7", "133626", "1e-07", "-0"). A double whose 16-significant-digit
//     form (what libxlsxwriter prints: "%.16G") would not read back as the
//     same double is always text. Non-finite doubles are rejected
//     (pp::Error InvalidParameter).
//   * Ids (Of_Id, FaseOf_Id, Of_ProdutoId, ...; text in the model): in the
//     numeric share, written as a number when the id is "0" or 1..15 digits
//     without a leading zero (exact in a double, and the text comes back
//     unchanged as the integer's decimal form); otherwise text. A reader
//     must turn a numeric id cell back into its integer text ("133626", not
//     "133626.0").
//   * Booleans / flags (Fase_DeProducao, FaseOf_Retorno, Funcionario_Activo,
//     FuncionarioFaseOf_Chefe, ...): 0/1 with the number rule (number ~60%,
//     text "0"/"1" ~40%).
//   * Names and descriptions: always text, as is.
//   * Date-times (UTC Unix seconds in the model): an Excel serial of the 1900
//     system (days since 1899-12-30) in a number cell with the number format
//     `yyyy-mm-dd hh:mm:ss` (~60%), or the text "YYYY-MM-DD HH:MM:SS" (~40%).
//     Serials read back to the same whole second (rounded to the nearest
//     second, see excel_dates.h); times before 1900-03-01 are always text.
//     Times outside year 0..9999 are rejected (pp::Error InvalidParameter).
//   * NULL (std::nullopt): an empty cell (no <c> element) (~70%) or the text
//     "NULL" (~30%).
//   * An empty string ("" id or name) is an empty cell (libxlsxwriter writes
//     nothing for ""), indistinguishable from a NULL.
//   * In constant-memory mode, all text is written as inline strings
//     (t="inlineStr"); there is no sharedStrings.xml.
//
// Determinism: the same Factory and seed give a byte-identical file (the
// document creation date is Factory::export_at, or 2000-01-01 when it is 0;
// libxlsxwriter stamps zip entries with a fixed 1980-01-01 date). Numbers are
// printed by libxlsxwriter with snprintf, so LC_NUMERIC must be "C" (it is in
// a PostgreSQL backend and by default in a C++ program).
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/model/factory.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace pp::xlsx {

struct WorkbookWriteOptions {
  std::uint64_t seed = 42;  // drives the number/text/NULL/date choices
  std::string tmpdir;       // libxlsxwriter temporary files; "" = system default
};

struct WorkbookWriteStats {
  // Data rows written per sheet (index = model::Sheet), headers excluded:
  // clean + duplicate + invalid rows.
  std::array<std::size_t, model::kSheetCount> rows{};
  std::size_t total_rows() const {
    std::size_t n = 0;
    for (auto r : rows) n += r;
    return n;
  }
};

// Writes the workbook to `path` (created or overwritten). Throws pp::Error on
// invalid input (see above) or on any libxlsxwriter error (message names the
// lxw error and the sheet); pp::Cancelled if `cancel` fires (polled every few
// thousand rows). On failure no workbook is left at `path` by this call (a
// partially written file is removed; a pre-existing file is kept untouched
// unless the failure happened while the file was being written).
WorkbookWriteStats write_reference_workbook(const model::Factory& f, const std::string& path,
                                            const WorkbookWriteOptions& opt,
                                            const CancelToken& cancel = {});

}  // namespace pp::xlsx
