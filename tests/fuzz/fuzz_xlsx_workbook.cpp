// libFuzzer target: any bytes as an xlsx workbook. Every sheet is streamed
// under small limits, alternately by the calling thread alone (expat) and in
// fragments (the fast tokenizer, with expat behind it), with the parallel path
// forced on for any size. A pp::Error (bad data, a limit) is an expected
// outcome; a crash, a hang, a leak or a sanitizer report is a bug.
#include <cstddef>
#include <cstdint>

#include "core/common/errors.h"
#include "core/xlsx/workbook_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pp::xlsx::ReaderLimits limits;
  limits.max_uncompressed_bytes = 64u << 20;
  limits.max_shared_strings_bytes = 16u << 20;
  limits.max_row_text_bytes = 1u << 20;
  limits.parse_threads = size % 3;  // 0: one expat parse; 1, 2: fragments
  try {
    pp::xlsx::WorkbookReader wb(data, size, limits);
    for (std::size_t i = 0; i < wb.sheets().size(); ++i) {
      std::size_t cells = 0;
      wb.read_sheet(i, [&](const pp::xlsx::Row& row) {
        for (const auto& c : row.cells) cells += c.empty() ? 0 : 1 + c.text.size();
      });
      (void)cells;
    }
  } catch (const pp::Error&) {
  }
  return 0;
}
