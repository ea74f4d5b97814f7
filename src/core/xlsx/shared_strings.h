// The shared-strings table (xl/sharedStrings.xml): every <si> in order, its
// text the concatenation of its plain <t> and of its rich-text runs' <r><t>
// (formatting dropped), phonetic runs <rPh> ignored, whitespace kept exactly
// (xml:space="preserve" or not, as Excel and openpyxl do), OOXML "_xHHHH_"
// escapes decoded. All texts live in one arena: memory is the text plus 8
// bytes per string, bounded by ReaderLimits::max_shared_strings_bytes.
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/xlsx/reader_limits.h"
#include "core/xlsx/zip_archive.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pp::xlsx {

class SharedStrings {
 public:
  SharedStrings() = default;
  // Replaces the table with the part at zip entry `index`.
  void load(const ZipArchive& zip, std::uint64_t index, const ReaderLimits& limits,
            const CancelToken& cancel);

  std::size_t size() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  // i < size(); the view stays valid as long as the table.
  std::string_view operator[](std::size_t i) const {
    return std::string_view(arena_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  // Bytes held (text + index), what max_shared_strings_bytes bounds.
  std::uint64_t bytes() const { return arena_.size() + 8 * offsets_.size(); }

 private:
  std::string arena_;
  std::vector<std::uint64_t> offsets_;  // size() + 1 entries; string i is [i, i+1)
};

}  // namespace pp::xlsx
