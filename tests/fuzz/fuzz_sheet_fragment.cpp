// libFuzzer target, differential: a fragment of sheet rows read by the fast
// tokenizer (fast_fragment.h) and by expat, both as <pp-rows>fragment</pp-rows>
// into a RowBatch. Whenever the tokenizer takes a fragment, expat must accept
// it too and produce the same batch (rows, cells, values, texts, statistics);
// a fragment the tokenizer declines is expat's alone, as in production.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "core/xlsx/fast_fragment.h"
#include "core/xlsx/row_batch.h"
#include "core/xlsx/sheet_handler.h"
#include "core/xlsx/xml_stream.h"

namespace {

using pp::xlsx::RowBatch;

std::string_view cell_text(const RowBatch& b, const RowBatch::CellRec& c) {
  if (c.text_in_batch) return std::string_view(b.text).substr(c.text_offset, c.text_length);
  return c.value.text;
}

bool same(const RowBatch& a, const RowBatch& b) {
  if (a.rows.size() != b.rows.size() || a.cells.size() != b.cells.size() || a.last_row_seen != b.last_row_seen)
    return false;
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    const auto &x = a.rows[i], &y = b.rows[i];
    if (x.row_number != y.row_number || x.width != y.width || x.first_cell != y.first_cell ||
        x.cell_count != y.cell_count)
      return false;
  }
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    const auto &x = a.cells[i], &y = b.cells[i];
    if (x.column != y.column || x.value.kind != y.value.kind || x.value.unix_seconds != y.value.unix_seconds ||
        std::memcmp(&x.value.number, &y.value.number, sizeof(double)) != 0 || cell_text(a, x) != cell_text(b, y))
      return false;
  }
  const auto &s = a.stats, &t = b.stats;
  return s.rows == t.rows && s.cells == t.cells && s.last_row == t.last_row && s.columns == t.columns &&
         s.error_cells == t.error_cells && s.dimension == t.dimension;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pp::xlsx::SheetContext ctx;
  ctx.sheet_name = "Fuzz";
  ctx.limits.max_row_text_bytes = 1u << 16;
  const char* text = reinterpret_cast<const char*>(data);

  RowBatch fast;
  bool taken = false;
  try {
    pp::xlsx::SheetHandler h(ctx, fast);
    taken = pp::xlsx::fast_parse_rows(text, size, ctx.limits.max_row_text_bytes, h);
  } catch (...) {
    taken = false;  // production parses it again with expat
  }
  if (!taken) return 0;

  RowBatch reference;
  try {
    pp::xlsx::XmlStream xml("fuzz", ctx.limits.max_row_text_bytes, /*report_lines=*/false);
    pp::xlsx::SheetHandler h(ctx, reference);
    h.attach_to(xml);
    xml.feed("<pp-rows>", 9, false);
    xml.feed(text, size, false);
    xml.feed("</pp-rows>", 10, true);
  } catch (...) {
    std::abort();  // the tokenizer took what expat rejects
  }
  if (!same(fast, reference)) std::abort();
  return 0;
}
