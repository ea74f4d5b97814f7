// The SAX handler behind the sheet reader (internal): turns a worksheet's
// <row>/<c> events into rows of CellValue (semantics: sheet_reader.h). A row is
// either handed to the caller's callback at once (sequential mode) or appended
// to a RowBatch (worker mode of the parallel reader, which parses fragments of
// whole rows; there a leading row without r= cannot be numbered and throws
// NeedSequential, so the caller falls back to a sequential parse).
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/xlsx/cell.h"
#include "core/xlsx/row_batch.h"
#include "core/xlsx/sheet_reader.h"
#include "core/xlsx/xml_stream.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pp::xlsx {

struct NeedSequential {};

class SheetHandler {
 public:
  // Sequential mode: rows go to on_row; stats is the sheet's.
  SheetHandler(const SheetContext& ctx, SheetStats& stats,
               const std::function<void(const Row&)>& on_row, const CancelToken& cancel);
  // Worker mode: rows go to batch (and batch->stats); no callback, no cancel polling.
  SheetHandler(const SheetContext& ctx, RowBatch& batch);

  // Installs this handler on the parser (the event trampolines are compiled
  // with the handler, so its methods inline into them).
  void attach_to(XmlStream& xml);

  void on_start(const char* name, const char** atts);
  void on_end(const char* name);
  void on_text(const char* s, int len);
  std::string where() const;

  // Continue the numbering after row r (rows without r= follow it).
  void set_previous_row(std::uint32_t r) {
    prev_row_ = r;
    row_ = r;
  }
  std::uint32_t last_row_seen() const { return prev_row_; }

 private:
  enum class CellType : std::uint8_t { Number, Shared, Inline, FormulaString, Bool, Error, Date };
  enum class Collect : std::uint8_t { None, Value, Inline };
  struct Fixup {
    std::uint32_t column;
    std::size_t offset;
    std::size_t length;
  };

  void start_row(const char** atts);
  void finish_row();
  void start_cell(const char** atts);
  std::uint32_t parse_ref(const char* ref);
  void check_row_number(std::uint64_t r, const char* ref) const;
  CellType parse_type(const char* t) const;
  void finish_cell();
  double parse_number(std::string_view s) const;
  void set_arena_text(CellValue& v, CellValue::Kind kind, std::size_t offset);
  void copy_value_text(CellValue& v, CellValue::Kind kind, bool decode);
  void place(const CellValue& v);
  void check_row_bytes() const;
  void dimension(const char** atts);
  void append_to_batch();
  std::string cell_label() const;
  std::string after_row() const;

  const SheetContext& ctx_;
  const ReaderLimits& limits_;
  SheetStats& stats_;
  const std::function<void(const Row&)>* on_row_ = nullptr;
  const CancelToken* cancel_ = nullptr;
  RowBatch* batch_ = nullptr;
  std::string sheet_label_;

  std::vector<CellValue> cells_;
  std::string arena_;  // texts of the current row
  std::vector<Fixup> fixups_;
  std::string val_;    // the current <v>

  std::uint32_t row_ = 0, prev_row_ = 0;
  std::uint32_t col_ = 0, next_col_ = 0;
  std::uint32_t style_ = 0;
  std::uint64_t rows_seen_ = 0;
  std::size_t is_start_ = 0;
  int rph_depth_ = 0;
  CellType type_ = CellType::Number;
  Collect collect_ = Collect::None;
  bool in_row_ = false, in_cell_ = false, in_is_ = false;
  bool has_v_ = false, has_is_ = false;
  bool row_known_ = true;  // worker mode: false until a row with r= has been seen
};

}  // namespace pp::xlsx
