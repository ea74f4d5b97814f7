// UnchangedFilter (unchanged_filter.h): stored rows written in the staged COPY
// form into blocks and indexed by key; staged lines are split into fields
// and compared with them bytewise.
#include "core/ingest/unchanged_filter.h"

#include "core/common/errors.h"
#include "core/ingest/staging_detail.h"

#include <charconv>
#include <cstring>
#include <functional>

namespace pp::ingest {

namespace {

// Splits a COPY line into its fields (escaped text holds no raw tab).
void split_fields(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      out.push_back(line.substr(start));
      return;
    }
    out.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

// A stored cell in the staged COPY form of its column type.
void append_stored(std::string& out, const StoredCell& c, ColumnType type) {
  detail::Field f;
  if (!c.null) {
    f.state = detail::Field::State::Value;
    f.integer = c.integer;
    f.real = c.real;
    f.text = std::string_view(c.text, c.text_len);
  }
  detail::append_copy_field(out, f, type);
}

std::uint64_t hash_of(std::string_view key) { return std::hash<std::string_view>{}(key); }

constexpr std::size_t kBlockBytes = 4 << 20;

}  // namespace

UnchangedFilter::UnchangedFilter(const EntitySpec& spec, UnchangedRules rules)
    : spec_(spec), rules_(std::move(rules)) {
  if (rules_.null_keeps_stored.size() != spec.columns.size())
    throw Error(ErrorKind::Internal, "UnchangedRules: one null_keeps_stored flag per column expected");
  for (std::size_t c = 0; c < spec.columns.size(); ++c)
    (spec.columns[c].key ? key_columns_ : value_columns_).push_back(c);
  if (value_columns_.size() + 1 > 64) throw Error(ErrorKind::Internal, "UnchangedFilter: too many columns");
  table_.assign(1024, 0);
}

namespace {
constexpr std::uint64_t kTagBits = 0xffffffff00000000ull;
}  // namespace

void UnchangedFilter::grow() { rehash(table_.size() * 2); }

void UnchangedFilter::rehash(std::size_t slots) {
  std::vector<std::uint64_t> t(slots, 0);
  const std::size_t mask = t.size() - 1;
  for (std::size_t r = 0; r < rows_.size(); ++r) {
    std::size_t i = rows_[r].hash & mask;
    while (t[i] != 0) i = (i + 1) & mask;
    t[i] = (rows_[r].hash & kTagBits) | static_cast<std::uint64_t>(r + 1);
  }
  table_.swap(t);
}

void UnchangedFilter::reserve(std::size_t rows) {
  rows_.reserve(rows);
  std::size_t slots = table_.size();
  while (slots < rows * 2) slots *= 2;
  if (slots != table_.size()) rehash(slots);
}

std::size_t UnchangedFilter::find(std::string_view key) const {
  const std::uint64_t h = hash_of(key);
  const std::uint64_t tag = h & kTagBits;
  const std::size_t mask = table_.size() - 1;
  for (std::size_t i = h & mask; table_[i] != 0; i = (i + 1) & mask) {
    if ((table_[i] & kTagBits) != tag) continue;
    const std::size_t index = (table_[i] & ~kTagBits) - 1;
    const Row& r = rows_[index];
    if (r.hash == h && std::string_view(r.bytes, r.key_length) == key) return index;
  }
  return static_cast<std::size_t>(-1);
}

void UnchangedFilter::add_stored(const StoredCell* cells) {
  ++count_;
  key_.clear();
  for (std::size_t k : key_columns_) {
    if (!cells[k].representable) {  // no staged key can equal it
      skipped_ = true;
      return;
    }
    append_stored(key_, cells[k], spec_.columns[k].type);
    key_.push_back('\t');
  }
  const std::size_t existing = find(key_);
  if (existing != static_cast<std::size_t>(-1)) {
    rows_[existing].conflict = true;
    conflicts_ = true;
    return;
  }
  if (rows_.size() >= 0xfffffffeu) throw Error(ErrorKind::ProgramLimit, "too many stored rows to compare");
  Row row{nullptr, static_cast<std::uint32_t>(key_.size()), 0, hash_of(key_), 0, false};
  row_.assign(key_);
  std::size_t j = 0;
  for (std::size_t c : value_columns_) {
    if (!cells[c].representable) row.unrepresentable |= std::uint64_t{1} << j;
    else append_stored(row_, cells[c], spec_.columns[c].type);
    row_.push_back('\t');
    ++j;
  }
  if (!rules_.derived_from.empty()) {
    const StoredCell& d = cells[spec_.columns.size()];
    if (!d.representable) row.unrepresentable |= std::uint64_t{1} << j;
    else append_stored(row_, d, ColumnType::Timestamp);
    row_.push_back('\t');
  }
  if (row_.size() > kBlockBytes) throw Error(ErrorKind::ProgramLimit, "a stored row is too long to compare");
  if (blocks_.empty() || block_used_ + row_.size() > kBlockBytes) {
    blocks_.push_back(std::unique_ptr<char[]>(new char[kBlockBytes]));  // not zeroed: written before read
    block_used_ = 0;
  }
  char* bytes = blocks_.back().get() + block_used_;
  std::memcpy(bytes, row_.data(), row_.size());
  block_used_ += row_.size();
  row.bytes = bytes;
  row.length = static_cast<std::uint32_t>(row_.size());
  rows_.push_back(row);
  const std::size_t mask = table_.size() - 1;
  std::size_t i = row.hash & mask;
  while (table_[i] != 0) i = (i + 1) & mask;
  table_[i] = (row.hash & kTagBits) | static_cast<std::uint64_t>(rows_.size());
  if (rows_.size() * 2 > table_.size()) grow();
}

bool UnchangedFilter::unchanged(std::size_t stored, const std::vector<std::string_view>& fields) {
  const Row& r = rows_[stored];
  if (r.conflict) return false;
  const std::string_view values(r.bytes + r.key_length, r.length - r.key_length);
  std::size_t pos = 0, j = 0;
  auto next_value = [&]() {
    const std::size_t tab = values.find('\t', pos);
    const std::string_view v = values.substr(pos, tab - pos);
    pos = tab + 1;
    return v;
  };
  for (std::size_t c : value_columns_) {
    const std::string_view stored_value = next_value();
    const std::string_view staged = fields[c + 1];
    const bool unrepresentable = (r.unrepresentable >> j++) & 1;
    if (staged == detail::kCopyNull && rules_.null_keeps_stored[c]) continue;
    if (unrepresentable || stored_value != staged) return false;
  }
  if (!rules_.derived_from.empty()) {
    const std::string_view stored_value = next_value();
    std::string_view derived = detail::kCopyNull;
    for (std::size_t c : rules_.derived_from) {
      if (fields[c + 1] != detail::kCopyNull) {
        derived = fields[c + 1];
        break;
      }
    }
    // All NULL: the value comes from the order (undecided here).
    if (derived == detail::kCopyNull || ((r.unrepresentable >> j) & 1) || stored_value != derived) return false;
  }
  return true;
}

namespace {

// Field i (0-based) of tab-terminated fields.
std::string_view nth_field(std::string_view fields, std::size_t i) {
  std::size_t pos = 0;
  for (; i > 0; --i) pos = fields.find('\t', pos) + 1;
  return fields.substr(pos, fields.find('\t', pos) - pos);
}

}  // namespace

detail::KeyIndex UnchangedFilter::keys() const {
  detail::KeyIndex index;
  if (!complete() || key_columns_.size() != 1) return index;
  for (const Row& r : rows_) index.put(std::string_view(r.bytes, r.key_length - 1), 0, std::nullopt);
  return index;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> UnchangedFilter::count_references(
    std::size_t column, const detail::KeyIndex& targets) const {
  if (!complete()) return std::nullopt;
  // Where the column sits in a stored row: among the key fields or the values.
  bool in_key = false;
  std::size_t at = 0;
  for (std::size_t j = 0; j < key_columns_.size(); ++j)
    if (key_columns_[j] == column) in_key = true, at = j;
  if (!in_key) {
    bool found = false;
    for (std::size_t j = 0; j < value_columns_.size(); ++j)
      if (value_columns_[j] == column) found = true, at = j;
    if (!found) return std::nullopt;
  }
  std::uint64_t rows = 0, matched = 0;
  for (const Row& r : rows_) {
    if (!in_key && ((r.unrepresentable >> at) & 1)) return std::nullopt;
    const std::string_view v = in_key ? nth_field(std::string_view(r.bytes, r.key_length), at)
                                      : nth_field(std::string_view(r.bytes + r.key_length, r.length - r.key_length), at);
    if (v == detail::kCopyNull) continue;
    ++rows;
    if (targets.find(v) != nullptr) ++matched;
  }
  return std::make_pair(rows, matched);
}

std::string UnchangedFilter::filter(std::string_view copy_text, std::vector<std::uint32_t>& kept) {
  std::string out;
  std::size_t start = 0;
  while (start < copy_text.size()) {
    std::size_t end = copy_text.find('\n', start);
    if (end == std::string_view::npos) end = copy_text.size();
    const std::string_view line = copy_text.substr(start, end - start);
    start = end + 1;
    split_fields(line, fields_);
    if (fields_.size() != spec_.columns.size() + 1)
      throw Error(ErrorKind::Internal, "staged row of " + std::string(spec_.entity) + " has " +
                                           std::to_string(fields_.size()) + " fields");
    key_.clear();
    for (std::size_t k : key_columns_) {
      key_.append(fields_[k + 1]);
      key_.push_back('\t');
    }
    const std::size_t stored = rows_.empty() ? static_cast<std::size_t>(-1) : find(key_);
    if (stored != static_cast<std::size_t>(-1) && unchanged(stored, fields_)) {
      std::uint32_t source_row = 0;
      std::from_chars(fields_[0].data(), fields_[0].data() + fields_[0].size(), source_row);
      kept.push_back(source_row);
      continue;
    }
    out.append(line);
    out.push_back('\n');
  }
  return out;
}

}  // namespace pp::ingest
