// The cell styles of xl/styles.xml, reduced to what the reader needs: for each
// cell format (<cellXfs><xf>, the index a cell's s= attribute names), whether
// its number format shows a date-time.
//
// Date-time formats: built-in ids 14-22 and 45, 47 (m/d/yyyy, h:mm, mm:ss, ...),
// 27-36 and 50-58 (East Asian locale dates); custom <numFmt> codes whose first
// section has a d, m, y, h or s outside quoted text ("..."), brackets ([Red],
// [$-409]), escaped characters (\x) and padding/fill (_x, *x). Elapsed-time
// formats ([h]:mm:ss, built-in 46) show a duration, not an instant: Duration.
// A custom <numFmt> with a built-in id overrides the built-in meaning.
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/xlsx/reader_limits.h"
#include "core/xlsx/zip_archive.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace pp::xlsx {

enum class NumberFormatKind : std::uint8_t { Number, DateTime, Duration };

NumberFormatKind classify_number_format(std::string_view format_code);
NumberFormatKind builtin_number_format_kind(std::uint32_t num_fmt_id);

class Styles {
 public:
  Styles() = default;
  void load(const ZipArchive& zip, std::uint64_t index, const ReaderLimits& limits,
            const CancelToken& cancel);
  // Kind of cell format s; Number for an unknown index (as for no style).
  NumberFormatKind kind(std::uint32_t s) const {
    return s < kinds_.size() ? kinds_[s] : NumberFormatKind::Number;
  }
  std::size_t size() const { return kinds_.size(); }

 private:
  std::vector<NumberFormatKind> kinds_;
};

}  // namespace pp::xlsx
