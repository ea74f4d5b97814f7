// Key dedup of staged rows (staging_detail.h). The last occurrence of a key
// wins and takes the place of the key's first occurrence, so that the staged
// order is the sheet order of first occurrences (for a sheet without
// duplicates: the sheet order). Rows are COPY lines in one buffer; keys live in
// an arena indexed by an open-addressing hash table: no allocation per row.
#include <cstring>
#include <limits>

#include "core/common/errors.h"
#include "core/ingest/staging_detail.h"

namespace pp::ingest::detail {

namespace {

std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

}  // namespace

std::uint64_t hash_bytes(std::string_view s) {
  std::uint64_t h = 0x9e3779b97f4a7c15ull ^ (s.size() * 0x100000001b3ull);
  const char* p = s.data();
  std::size_t n = s.size();
  while (n >= 8) {
    std::uint64_t k;
    std::memcpy(&k, p, 8);
    h = (h ^ mix(k)) * 0xbf58476d1ce4e5b9ull;
    p += 8;
    n -= 8;
  }
  std::uint64_t k = 0;
  std::memcpy(&k, p, n);
  h = (h ^ mix(k ^ (static_cast<std::uint64_t>(n) << 56))) * 0x94d049bb133111ebull;
  return mix(h);
}

namespace {

constexpr std::uint32_t kNoSlot = std::numeric_limits<std::uint32_t>::max();

}  // namespace

StagedRows::StagedRows() { table_.assign(1024, 0); }

// A table cell: 0 = empty, else the entry index + 1 in the low 32 bits and
// the hash's high 32 bits above, so probes rarely touch the entries.
void StagedRows::grow() {
  std::vector<std::uint64_t> t(table_.size() * 2, 0);
  const std::size_t mask = t.size() - 1;
  for (std::size_t e = 0; e < entries_.size(); ++e) {
    std::size_t i = entries_[e].hash & mask;
    while (t[i] != 0) i = (i + 1) & mask;
    t[i] = (entries_[e].hash & 0xffffffff00000000ull) | static_cast<std::uint64_t>(e + 1);
  }
  table_.swap(t);
}

// Returns the slot recorded for `key`, or kNoSlot after inserting the key
// with `slot`.
std::uint32_t StagedRows::find_or_insert(std::string_view key, std::uint64_t hash, std::uint32_t slot) {
  const std::size_t mask = table_.size() - 1;
  const std::uint64_t hi = hash & 0xffffffff00000000ull;
  std::size_t i = hash & mask;
  while (table_[i] != 0) {
    if ((table_[i] & 0xffffffff00000000ull) == hi) {
      const Entry& e = entries_[(table_[i] & 0xffffffffull) - 1];
      if (e.hash == hash && e.key_length == key.size() &&
          std::memcmp(key_arena_.data() + e.key_offset, key.data(), key.size()) == 0)
        return e.slot;
    }
    i = (i + 1) & mask;
  }
  if (entries_.size() >= std::numeric_limits<std::uint32_t>::max() - 1 ||
      key.size() > std::numeric_limits<std::uint32_t>::max())
    throw Error(ErrorKind::ProgramLimit, "too many staged rows in one sheet");
  entries_.push_back({hash, key_arena_.size(), static_cast<std::uint32_t>(key.size()), slot});
  key_arena_.append(key);
  table_[i] = hi | static_cast<std::uint64_t>(entries_.size());
  if (entries_.size() * 2 > table_.size()) grow();
  return kNoSlot;
}

// Points the (existing) entry of `key` at `slot`.
void StagedRows::set_slot(std::string_view key, std::uint64_t hash, std::uint32_t slot) {
  const std::size_t mask = table_.size() - 1;
  const std::uint64_t hi = hash & 0xffffffff00000000ull;
  for (std::size_t i = hash & mask; table_[i] != 0; i = (i + 1) & mask) {
    if ((table_[i] & 0xffffffff00000000ull) != hi) continue;
    Entry& e = entries_[(table_[i] & 0xffffffffull) - 1];
    if (e.hash == hash && e.key_length == key.size() &&
        std::memcmp(key_arena_.data() + e.key_offset, key.data(), key.size()) == 0) {
      e.slot = slot;
      return;
    }
  }
  throw Error(ErrorKind::Internal, "staged key vanished from the dedup index");
}

bool StagedRows::commit(std::size_t line_start, std::string_view key, std::uint32_t source_row) {
  const Slot line{line_start, lines_.size() - line_start, source_row};
  const std::uint32_t next = static_cast<std::uint32_t>(slots_.size());
  const std::uint64_t hash = hash_bytes(key);
  const std::uint32_t old = find_or_insert(key, hash, next);
  if (old == kNoSlot) {
    slots_.push_back(line);
    return false;
  }
  ++duplicates_;
  if (old >= emitted_) {
    // The key's slot keeps its place and takes the new line.
    slots_[old] = line;
    reordered_ = true;
    return true;
  }
  // The earlier row was handed out: the consumer deletes it, and the new
  // line is a new row at the end.
  superseded_.push_back(slots_[old].source_row);
  superseding_slot_.push_back(next);
  slots_.push_back(line);
  set_slot(key, hash, next);
  return true;
}

std::string StagedRows::take_chunk() {
  std::string out;
  if (!reordered_) {
    // Pending lines are exactly the buffer, in order.
    out.swap(lines_);
  } else {
    std::size_t total = 0;
    for (std::size_t i = emitted_; i < slots_.size(); ++i) total += slots_[i].length;
    out.reserve(total);
    for (std::size_t i = emitted_; i < slots_.size(); ++i) out.append(lines_, slots_[i].offset, slots_[i].length);
    lines_.clear();
  }
  emitted_ = slots_.size();
  reordered_ = false;
  return out;
}

std::string StagedRows::take_copy_text() {
  std::string out = take_chunk();
  std::string().swap(lines_);
  slots_.clear();
  emitted_ = 0;
  superseded_.clear();
  superseding_slot_.clear();
  entries_.clear();
  std::string().swap(key_arena_);
  table_.assign(1024, 0);
  duplicates_ = 0;
  return out;
}

}  // namespace pp::ingest::detail
