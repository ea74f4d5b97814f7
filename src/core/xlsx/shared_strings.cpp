#include "core/xlsx/shared_strings.h"

#include "core/xlsx/ooxml_text.h"
#include "core/xlsx/xml_stream.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace pp::xlsx {

namespace {

class SstHandler {
 public:
  SstHandler(std::string& arena, std::vector<std::uint64_t>& offsets, const ReaderLimits& limits,
             std::string part, std::uint64_t part_bytes)
      : arena_(arena), offsets_(offsets), limits_(limits), part_(std::move(part)),
        part_bytes_(part_bytes) {}

  void on_start(const char* name, const char** atts) {
    const char* n = local_name(name);
    if (std::strcmp(n, "t") == 0) {
      collecting_ = in_si_ && rph_depth_ == 0;
    } else if (std::strcmp(n, "si") == 0) {
      in_si_ = true;
      start_ = arena_.size();
    } else if (std::strcmp(n, "rPh") == 0) {
      ++rph_depth_;
    } else if (std::strcmp(n, "sst") == 0) {
      reserve(atts);
    }
  }

  void on_end(const char* name) {
    const char* n = local_name(name);
    if (std::strcmp(n, "t") == 0) {
      collecting_ = false;
    } else if (std::strcmp(n, "si") == 0) {
      in_si_ = false;
      collecting_ = false;
      decode_ooxml_escapes(arena_, start_);
      offsets_.push_back(arena_.size());
      check_limit();
    } else if (std::strcmp(n, "rPh") == 0) {
      if (rph_depth_ > 0) --rph_depth_;
    }
  }

  void on_text(const char* s, int len) {
    if (!collecting_) return;
    arena_.append(s, static_cast<std::size_t>(len));
    check_limit();
  }

  std::string where() const {
    return " (in shared string #" + std::to_string(offsets_.size() - 1) + ", 0-based)";
  }

 private:
  void check_limit() const {
    const std::uint64_t bytes = arena_.size() + 8 * offsets_.size();
    if (bytes > limits_.max_shared_strings_bytes) {
      throw_reader_limit("the shared-strings table (" + part_ + ", at least " +
                             std::to_string(offsets_.size()) + " strings, " +
                             std::to_string(bytes) + " bytes)",
                         "max_shared_strings_bytes", limits_.max_shared_strings_bytes);
    }
  }

  // uniqueCount is a hint only (it may lie): bounded by what the part can hold.
  void reserve(const char** atts) {
    const char* u = find_attribute(atts, "uniqueCount");
    if (u == nullptr) u = find_attribute(atts, "count");
    std::uint64_t hint = 0;
    if (u != nullptr) std::from_chars(u, u + std::strlen(u), hint);
    hint = std::min<std::uint64_t>({hint, part_bytes_ / 5 + 1, limits_.max_shared_strings_bytes / 8});
    offsets_.reserve(static_cast<std::size_t>(hint) + 1);
    // The text is never longer than the XML that carries it. Untouched pages of a
    // large reservation cost no resident memory.
    arena_.reserve(static_cast<std::size_t>(
        std::min<std::uint64_t>(part_bytes_, limits_.max_shared_strings_bytes)));
  }

  std::string& arena_;
  std::vector<std::uint64_t>& offsets_;
  const ReaderLimits& limits_;
  std::string part_;
  std::uint64_t part_bytes_;
  std::size_t start_ = 0;
  bool in_si_ = false;
  bool collecting_ = false;
  int rph_depth_ = 0;
};

}  // namespace

void SharedStrings::load(const ZipArchive& zip, std::uint64_t index, const ReaderLimits& limits,
                         const CancelToken& cancel) {
  arena_.clear();
  offsets_.clear();
  offsets_.push_back(0);
  const std::string& part = zip.entry_name(index);
  ZipEntryReader in = zip.open(index);
  SstHandler h(arena_, offsets_, limits, part, zip.entry_size(index));
  XmlStream xml("the shared-strings table (" + part + ")", limits.max_row_text_bytes);
  xml.parse(in, h, cancel);
}

}  // namespace pp::xlsx
