#include "core/xlsx/sheet_reader.h"

#include "core/xlsx/sheet_handler.h"
#include "core/xlsx/sheet_pipeline.h"
#include "core/xlsx/xml_stream.h"

namespace pp::xlsx {

SheetStats stream_sheet(const ZipArchive& zip, std::uint64_t index, const SheetContext& ctx,
                        const std::function<void(const Row&)>& on_row, const CancelToken& cancel) {
  if (ctx.limits.parse_threads >= 1 && zip.entry_size(index) >= ctx.parallel_min_bytes) {
    return stream_sheet_parallel(zip, index, ctx, on_row, cancel);
  }
  SheetStats stats;
  ZipEntryReader in = zip.open(index);
  SheetHandler h(ctx, stats, on_row, cancel);
  XmlStream xml("sheet '" + ctx.sheet_name + "' (" + zip.entry_name(index) + ")",
                ctx.limits.max_row_text_bytes);
  h.attach_to(xml);
  xml.feed_from(in, cancel);
  stats.xml_bytes = in.bytes_read();
  return stats;
}

}  // namespace pp::xlsx
