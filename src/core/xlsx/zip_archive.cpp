#include "core/xlsx/zip_archive.h"

#include "core/common/errors.h"

#include <zip.h>

#include <charconv>
#include <cmath>
#include <cstring>

namespace pp::xlsx {

namespace {

std::string error_text(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string s = zip_error_strerror(&e);
  zip_error_fini(&e);
  return s;
}

std::string quoted(const std::string& name) { return "'" + name + "'"; }

std::string double_text(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

bool starts_with_bytes(const void* data, std::size_t size, const char* magic, std::size_t n) {
  return size >= n && std::memcmp(data, magic, n) == 0;
}

// Why a buffer that libzip refused is not a zip: a few common confusions get
// their own words.
std::string not_zip_reason(const void* data, std::size_t size, int code) {
  if (starts_with_bytes(data, size, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)) {
    return "this is an OLE2 compound file (a legacy .xls workbook, or an encrypted / "
           "password-protected .xlsx), not a zip archive";
  }
  const bool local_header = starts_with_bytes(data, size, "PK\x03\x04", 4);
  switch (code) {
    case ZIP_ER_NOZIP:
      return local_header ? "the zip archive is truncated or corrupt (no central directory found)"
                          : "the data is not a zip archive";
    case ZIP_ER_INCONS:
      return "the zip archive is inconsistent (truncated or corrupt)";
    case ZIP_ER_MULTIDISK:
      return "multi-disk zip archives are not supported";
    case ZIP_ER_MEMORY:
      throw std::bad_alloc();
    default:
      return "cannot open the zip archive: " + error_text(code);
  }
}

}  // namespace

// ---- ZipArchive ----------------------------------------------------------------

std::string ZipArchive::normalize(std::string_view part) {
  std::string s;
  s.reserve(part.size());
  for (char c : part) {
    if (c == '\\') c = '/';
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    s.push_back(c);
  }
  std::size_t lead = 0;
  while (lead < s.size() && s[lead] == '/') ++lead;
  s.erase(0, lead);
  return s;
}

ZipArchive::ZipArchive(const void* data, std::size_t size, const ReaderLimits& limits)
    : limits_(limits) {
  if (data == nullptr || size == 0) throw_not_xlsx("the data is empty");
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(data, size, 0, &err);
  if (src == nullptr) {
    const int code = zip_error_code_zip(&err);
    zip_error_fini(&err);
    if (code == ZIP_ER_MEMORY) throw std::bad_alloc();
    throw_not_xlsx("cannot read the data: " + error_text(code));
  }
  zip_ = zip_open_from_source(src, ZIP_RDONLY, &err);
  if (zip_ == nullptr) {
    const int code = zip_error_code_zip(&err);
    zip_error_fini(&err);
    zip_source_free(src);
    throw_not_xlsx(not_zip_reason(data, size, code));
  }
  zip_error_fini(&err);
  try {
    const zip_int64_t n = zip_get_num_entries(zip_, 0);
    if (n <= 0) throw_not_xlsx("the zip archive is empty");
    if (static_cast<std::uint64_t>(n) > limits_.max_entries) {
      throw_reader_limit("the zip archive's " + std::to_string(n) + " entries", "max_entries",
                         limits_.max_entries);
    }
    entries_.resize(static_cast<std::size_t>(n));
    by_name_.reserve(static_cast<std::size_t>(n));
    std::uint64_t total = 0;
    for (zip_int64_t i = 0; i < n; ++i) {
      zip_stat_t st;
      zip_stat_init(&st);
      if (zip_stat_index(zip_, static_cast<zip_uint64_t>(i), 0, &st) != 0) {
        throw_not_xlsx("zip entry " + std::to_string(i) + " is unreadable: " +
                       zip_strerror(zip_));
      }
      Entry& e = entries_[static_cast<std::size_t>(i)];
      e.name = (st.valid & ZIP_STAT_NAME) && st.name ? st.name : "";
      e.size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
      e.comp_size = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
      e.encrypted = (st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE;
      // A sum that wraps needs entries of ~2^63 bytes: caught by the per-entry test.
      if (e.size > limits_.max_uncompressed_bytes) {
        throw_reader_limit("zip entry " + quoted(e.name) + " (" + std::to_string(e.size) +
                               " bytes uncompressed)",
                           "max_uncompressed_bytes", limits_.max_uncompressed_bytes);
      }
      total += e.size;
      if (total > limits_.max_uncompressed_bytes) {
        throw_reader_limit("the zip archive's total uncompressed size (at least " +
                               std::to_string(total) + " bytes)",
                           "max_uncompressed_bytes", limits_.max_uncompressed_bytes);
      }
      by_name_.emplace(normalize(e.name), static_cast<std::uint64_t>(i));
    }
  } catch (...) {
    zip_discard(zip_);
    zip_ = nullptr;
    throw;
  }
}

ZipArchive::~ZipArchive() {
  if (zip_ != nullptr) zip_discard(zip_);
}

std::optional<std::uint64_t> ZipArchive::find(std::string_view part) const {
  auto it = by_name_.find(normalize(part));
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

ZipEntryReader ZipArchive::open(std::uint64_t index) const {
  if (index >= entries_.size()) throw Error(ErrorKind::Internal, "zip entry index out of range");
  const Entry& e = entries_[index];
  if (e.encrypted) {
    throw_not_xlsx("zip entry " + quoted(e.name) + " is encrypted",
                   "save the workbook without a password");
  }
  if (e.size > limits_.ratio_min_entry_bytes &&
      static_cast<double>(e.size) > limits_.max_ratio * static_cast<double>(e.comp_size)) {
    const double ratio =
        e.comp_size == 0 ? INFINITY : static_cast<double>(e.size) / static_cast<double>(e.comp_size);
    throw_reader_limit("zip entry " + quoted(e.name) + " (compression ratio " +
                           (std::isfinite(ratio) ? std::to_string(std::llround(ratio)) : "infinite") +
                           ":1, " + std::to_string(e.size) + " bytes uncompressed)",
                       "max_ratio", double_text(limits_.max_ratio));
  }
  zip_file_t* f = zip_fopen_index(zip_, index, 0);
  if (f == nullptr) {
    const int code = zip_error_code_zip(zip_get_error(zip_));
    if (code == ZIP_ER_MEMORY) throw std::bad_alloc();
    if (code == ZIP_ER_COMPNOTSUPP) {
      throw_not_xlsx("zip entry " + quoted(e.name) + " uses an unsupported compression method");
    }
    throw_not_xlsx("cannot open zip entry " + quoted(e.name) + ": " + zip_strerror(zip_));
  }
  return ZipEntryReader(f, e.name, e.size, e.comp_size, limits_);
}

// ---- ZipEntryReader --------------------------------------------------------------

ZipEntryReader::ZipEntryReader(zip_file* f, std::string name, std::uint64_t size,
                               std::uint64_t comp_size, const ReaderLimits& limits)
    : file_(f),
      name_(std::move(name)),
      size_(size),
      comp_size_(comp_size),
      max_bytes_(limits.max_uncompressed_bytes),
      ratio_min_bytes_(limits.ratio_min_entry_bytes),
      max_ratio_(limits.max_ratio) {}

ZipEntryReader::ZipEntryReader(ZipEntryReader&& o) noexcept
    : file_(o.file_),
      name_(std::move(o.name_)),
      size_(o.size_),
      comp_size_(o.comp_size_),
      read_(o.read_),
      max_bytes_(o.max_bytes_),
      ratio_min_bytes_(o.ratio_min_bytes_),
      max_ratio_(o.max_ratio_) {
  o.file_ = nullptr;
}

ZipEntryReader::~ZipEntryReader() {
  if (file_ != nullptr) zip_fclose(file_);
}

void ZipEntryReader::fail_read() {
  zip_error_t* e = zip_file_get_error(file_);
  const int code = zip_error_code_zip(e);
  if (code == ZIP_ER_MEMORY) throw std::bad_alloc();
  std::string why = zip_error_strerror(e);
  if (code == ZIP_ER_CRC) why = "CRC mismatch";
  throw_not_xlsx("zip entry " + quoted(name_) + " is corrupt or truncated (" + why + ")");
}

std::size_t ZipEntryReader::read(void* buf, std::size_t n) {
  if (file_ == nullptr || n == 0) return 0;
  const zip_int64_t got = zip_fread(file_, buf, n);
  if (got < 0) fail_read();
  read_ += static_cast<std::uint64_t>(got);
  if (read_ > size_) {
    throw_not_xlsx("zip entry " + quoted(name_) + " inflates to more than its declared " +
                   std::to_string(size_) + " bytes (corrupt or forged zip)");
  }
  if (read_ > max_bytes_) {
    throw_reader_limit("zip entry " + quoted(name_) + " (more than " + std::to_string(max_bytes_) +
                           " bytes uncompressed)",
                       "max_uncompressed_bytes", max_bytes_);
  }
  if (read_ > ratio_min_bytes_ &&
      static_cast<double>(read_) > max_ratio_ * static_cast<double>(comp_size_)) {
    throw_reader_limit("zip entry " + quoted(name_) + " (inflated " + std::to_string(read_) +
                           " bytes from " + std::to_string(comp_size_) + " compressed)",
                       "max_ratio", double_text(max_ratio_));
  }
  return static_cast<std::size_t>(got);
}

}  // namespace pp::xlsx
