// The zip container of an xlsx, read from memory with libzip: entries looked
// up by part name and inflated incrementally (ZipEntryReader::read fills the
// caller's buffer chunk by chunk; nothing is inflated whole).
//
// Guards (ReaderLimits): the entry count and the sum of the declared
// uncompressed sizes are checked when the archive is opened; an entry's
// declared size and compression ratio when it is opened; while it is read, the
// bytes actually inflated may not exceed its declared size (a lying header is
// a DataException), max_uncompressed_bytes or the ratio.
//
// Not a zip, a truncated zip (its central directory is at the end), a corrupt
// deflate stream, an encrypted entry: pp::Error(DataException) "not an xlsx
// workbook: ...".
#pragma once
#include "core/common/core_only.h"
#include "core/xlsx/reader_limits.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct zip;
struct zip_file;

namespace pp::xlsx {

class ZipEntryReader {
 public:
  ZipEntryReader(ZipEntryReader&& other) noexcept;
  ZipEntryReader& operator=(ZipEntryReader&&) = delete;
  ZipEntryReader(const ZipEntryReader&) = delete;
  ~ZipEntryReader();

  // Inflates up to n bytes into buf; returns the count, 0 at the end of the entry.
  std::size_t read(void* buf, std::size_t n);
  std::uint64_t bytes_read() const { return read_; }
  std::uint64_t declared_size() const { return size_; }
  const std::string& name() const { return name_; }

 private:
  friend class ZipArchive;
  ZipEntryReader(zip_file* f, std::string name, std::uint64_t size, std::uint64_t comp_size,
                 const ReaderLimits& limits);
  [[noreturn]] void fail_read();

  zip_file* file_;
  std::string name_;
  std::uint64_t size_, comp_size_, read_ = 0;
  std::uint64_t max_bytes_, ratio_min_bytes_;
  double max_ratio_;
};

class ZipArchive {
 public:
  // Does not copy data: the caller keeps it alive as long as the archive.
  ZipArchive(const void* data, std::size_t size, const ReaderLimits& limits);
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  // Looks a part up by name: case-insensitive (OPC part names are), a leading
  // '/' ignored, '\' accepted for '/' (some writers use it).
  std::optional<std::uint64_t> find(std::string_view part) const;
  std::size_t entry_count() const { return entries_.size(); }
  const std::string& entry_name(std::uint64_t index) const { return entries_[index].name; }
  std::uint64_t entry_size(std::uint64_t index) const { return entries_[index].size; }

  ZipEntryReader open(std::uint64_t index) const;

  // Name normalization used by find(): lower-case ASCII, '\' -> '/', no leading '/'.
  static std::string normalize(std::string_view part);

 private:
  struct Entry {
    std::string name;
    std::uint64_t size = 0, comp_size = 0;
    bool encrypted = false;
  };
  zip* zip_ = nullptr;
  ReaderLimits limits_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::uint64_t> by_name_;
};

}  // namespace pp::xlsx
