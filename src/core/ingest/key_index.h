// A set of key texts with, per key, a source row and an optional value text
// (internal to ingestion): the first-load index of direct_split.cpp, and the
// stored keys an unchanged filter hands on (unchanged_filter.h). Key and value
// bytes live in one arena; an open-addressing table indexes them. Putting a
// key again replaces its row and value.
#pragma once
#include "core/common/core_only.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/errors.h"
#include "core/ingest/staging_detail.h"

namespace pp::ingest::detail {

class KeyIndex {
 public:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  struct Entry {
    std::uint64_t hash;
    std::uint32_t key_offset, key_length;
    std::uint32_t row;
    std::uint32_t value_offset;  // kNone: no value (NULL, or not known here)
    std::uint32_t value_length;
  };

  KeyIndex() { table_.assign(1024, kNone); }

  void put(std::string_view key, std::uint32_t row, std::optional<std::string_view> value) {
    const std::uint64_t h = hash_bytes(key);
    std::uint32_t e = find_entry(key, h);
    if (e == kNone) {
      if (entries_.size() >= kNone - 1) throw Error(ErrorKind::ProgramLimit, "too many keys in one index");
      e = static_cast<std::uint32_t>(entries_.size());
      entries_.push_back({h, store(key), static_cast<std::uint32_t>(key.size()), 0, kNone, 0});
      insert_slot(e);
    }
    Entry& entry = entries_[e];
    entry.row = row;
    if (value) {
      entry.value_offset = store(*value);
      entry.value_length = static_cast<std::uint32_t>(value->size());
    } else {
      entry.value_offset = kNone;
      entry.value_length = 0;
    }
  }

  const Entry* find(std::string_view key) const {
    const std::uint32_t e = find_entry(key, hash_bytes(key));
    return e == kNone ? nullptr : &entries_[e];
  }

  std::string_view value(const Entry& e) const { return std::string_view(arena_).substr(e.value_offset, e.value_length); }

 private:
  std::uint32_t store(std::string_view bytes) {
    if (arena_.size() + bytes.size() >= kNone) throw Error(ErrorKind::ProgramLimit, "index keys over 4 GB");
    const auto at = static_cast<std::uint32_t>(arena_.size());
    arena_.append(bytes);
    return at;
  }

  std::uint32_t find_entry(std::string_view key, std::uint64_t h) const {
    const std::size_t mask = table_.size() - 1;
    for (std::size_t i = h & mask; table_[i] != kNone; i = (i + 1) & mask) {
      const Entry& e = entries_[table_[i]];
      if (e.hash == h && e.key_length == key.size() &&
          std::memcmp(arena_.data() + e.key_offset, key.data(), key.size()) == 0)
        return table_[i];
    }
    return kNone;
  }

  void insert_slot(std::uint32_t e) {
    if ((entries_.size()) * 2 > table_.size()) {
      std::vector<std::uint32_t> t(table_.size() * 2, kNone);
      table_.swap(t);
      for (std::uint32_t i = 0; i < entries_.size(); ++i) place(i);
      return;  // e was placed with the rest
    }
    place(e);
  }

  void place(std::uint32_t e) {
    const std::size_t mask = table_.size() - 1;
    std::size_t i = entries_[e].hash & mask;
    while (table_[i] != kNone) i = (i + 1) & mask;
    table_[i] = e;
  }

  std::string arena_;
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> table_;
};

}  // namespace pp::ingest::detail
