#include "core/ingest/direct_split.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "core/common/errors.h"
#include "core/ingest/staging.h"
#include "core/ingest/key_index.h"
#include "core/ingest/staging_detail.h"
#include "core/xlsx/excel_dates.h"

namespace pp::ingest {

namespace {

constexpr std::uint32_t kNone = detail::KeyIndex::kNone;
using detail::KeyIndex;

int column_index(const EntitySpec& spec, std::string_view name) {
  for (std::size_t c = 0; c < spec.columns.size(); ++c)
    if (spec.columns[c].name == name) return static_cast<int>(c);
  return -1;
}

int entity_order(std::string_view entity) {
  const auto& all = workbook_entities();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].entity == entity) return static_cast<int>(i);
  return -1;
}

[[noreturn]] void bad_line(const std::string& entity, const char* what) {
  throw Error(ErrorKind::Internal, "first load of " + entity + ": " + what);
}


// The source_row and fields of one staged COPY line (source_row, then
// exactly fields.size() fields: COPY text holds no raw tab).
std::uint32_t parse_line(std::string_view line, std::vector<std::string_view>& fields, const std::string& entity) {
  const std::size_t tab = line.find('\t');
  if (tab == std::string_view::npos) bad_line(entity, "a staged line without fields");
  std::uint32_t row = 0;
  const auto parsed = std::from_chars(line.data(), line.data() + tab, row);
  if (parsed.ec != std::errc() || parsed.ptr != line.data() + tab) bad_line(entity, "a staged line without a source row");
  std::size_t pos = tab + 1;
  for (std::size_t c = 0; c < fields.size(); ++c) {
    const std::size_t next = c + 1 < fields.size() ? line.find('\t', pos) : line.size();
    if (next == std::string_view::npos || next < pos) bad_line(entity, "a staged line with too few fields");
    fields[c] = line.substr(pos, next - pos);
    pos = next + 1;
  }
  return row;
}

// Unix seconds of a staged timestamp ("YYYY-MM-DD HH:MM:SS+00").
std::optional<std::int64_t> staged_seconds(std::string_view text) {
  if (text.size() != xlsx::kDateTimeTextLength + 3 || text.substr(xlsx::kDateTimeTextLength) != "+00")
    return std::nullopt;
  return xlsx::parse_datetime(text.substr(0, xlsx::kDateTimeTextLength));
}

}  // namespace

bool constant_default(std::string_view expr) noexcept {
  if (expr == "true" || expr == "false") return true;
  std::size_t i = 0;
  if (i < expr.size() && expr[i] == '-') ++i;
  const std::size_t digits = i;
  while (i < expr.size() && expr[i] >= '0' && expr[i] <= '9') ++i;
  if (i == digits) return false;
  if (i < expr.size() && expr[i] == '.') {
    const std::size_t frac = ++i;
    while (i < expr.size() && expr[i] >= '0' && expr[i] <= '9') ++i;
    if (i == frac) return false;
  }
  return i == expr.size();
}

DirectRules make_direct_rules(const EntitySpec& spec, std::string plant,
                              const std::vector<std::optional<std::string>>& null_default, bool derived) {
  const std::size_t n = spec.columns.size();
  if (null_default.size() != n)
    throw Error(ErrorKind::Internal, "direct load rules of " + std::string(spec.entity) + ": " +
                                         std::to_string(null_default.size()) + " defaults for " +
                                         std::to_string(n) + " columns");
  DirectRules r;
  r.entity = std::string(spec.entity);
  r.plant = std::move(plant);
  r.null_as.resize(n);
  r.stage_on_null.assign(n, false);
  for (std::size_t c = 0; c < n; ++c) {
    if (!null_default[c]) continue;
    if (null_default[c]->empty()) r.stage_on_null[c] = true;
    else r.null_as[c] = *null_default[c];
  }
  r.derived = derived;
  if (derived)
    for (std::string_view name : spec.event_time_from) {
      const int c = column_index(spec, name);
      if (c >= 0) r.derived_from.push_back(static_cast<std::size_t>(c));
    }
  return r;
}

const std::vector<DerivedLookup>& derived_lookups() {
  static const std::vector<DerivedLookup> lookups = {
      {"operation", "order_id", "production_order", "order_id", "created_at"},
      {"defect", "evaluation_operation_id", "operation", "operation_id", ""},
      {"defect", "order_id", "production_order", "order_id", "created_at"},
  };
  return lookups;
}

const std::vector<ReferenceDef>& reference_defs() {
  static const std::vector<ReferenceDef> refs = {
      {"production_order", "product_id", "product", "product_id"},
      {"routing_step", "product_id", "product", "product_id"},
      {"operation", "order_id", "production_order", "order_id"},
      {"operation_assignment", "operation_id", "operation", "operation_id"},
      {"operation_assignment", "employee_id", "employee", "employee_id"},
      {"defect", "order_id", "production_order", "order_id"},
      {"employee_skill", "employee_id", "employee", "employee_id"},
  };
  return refs;
}

std::pair<std::uint64_t, std::uint64_t> ReferenceTally::counts(
    const std::vector<std::uint32_t>& quarantined, const std::vector<std::uint32_t>& target_quarantined) const {
  auto in = [](const std::vector<std::uint32_t>& sorted, std::uint32_t row) {
    return std::binary_search(sorted.begin(), sorted.end(), row);
  };
  std::uint64_t r = rows, m = matched;
  for (std::uint32_t row : staged_counted) r -= in(quarantined, row) ? 1 : 0;
  for (std::uint32_t row : staged_matched) m -= in(quarantined, row) ? 1 : 0;
  for (const auto& [target_row, row] : staged_target)
    if (in(target_quarantined, target_row) && !in(quarantined, row)) --m;
  return {r, m};
}

struct FirstLoads::Impl {
  struct Entity;

  // A reference of a loaded entity to an entity loaded before it.
  struct Ref {
    const ReferenceDef* def = nullptr;
    std::size_t column = 0;
    Entity* target = nullptr;
    std::uint64_t rows = 0, matched = 0;
    std::vector<std::uint8_t> flags;  // by source_row: kLive | kCounted | kMatched
    std::vector<std::uint32_t> staged;
    std::unordered_map<std::uint32_t, std::uint32_t> staged_target;  // row -> staged target row
  };
  static constexpr std::uint8_t kLive = 1, kCounted = 2, kMatched = 4;

  struct Lookup {
    std::size_t column;
    Entity* target;
  };

  struct Entity {
    const DirectRules* rules = nullptr;
    const EntitySpec* spec = nullptr;
    std::string plant;  // COPY-escaped
    // As a target of references or lookups: the index by key_column, with
    // the value lookups take (value_column, or the derived value when -2).
    bool indexed = false;
    int key_column = -1;
    int value_column = -1;
    KeyIndex index;
    std::unordered_set<std::uint32_t> staged;  // staged source rows (their fate is SQL's)
    std::vector<Ref> refs;
    std::vector<Lookup> lookups;
  };

  std::vector<Entity> entities;  // one per rule set
  std::vector<std::string_view> fields;
  std::vector<std::uint32_t> superseding;
  std::string staged_text;

  Entity* find(std::string_view name) {
    for (Entity& e : entities)
      if (e.rules->entity == name) return &e;
    return nullptr;
  }

  explicit Impl(const std::vector<DirectRules>& rules) {
    entities.reserve(rules.size());  // pointers between entities stay valid
    for (const DirectRules& r : rules) {
      const EntitySpec* spec = find_entity(r.entity);
      if (spec == nullptr) throw Error(ErrorKind::Internal, "first load of an unknown entity " + r.entity);
      if (r.null_as.size() != spec->columns.size() || r.stage_on_null.size() != spec->columns.size())
        throw Error(ErrorKind::Internal, "first load rules of " + r.entity + " do not match its columns");
      Entity e;
      e.rules = &r;
      e.spec = spec;
      detail::append_copy_escaped(e.plant, r.plant);
      entities.push_back(std::move(e));
    }
    // A target (of a reference or a lookup) must be read before the entity
    // that names it: its index is complete when that entity's rows arrive.
    // value: nullopt for a reference (only the key matters), "" for the
    // target's derived value, else a column of the target.
    auto link_target = [&](Entity& from, std::string_view target, std::string_view target_column,
                           std::optional<std::string_view> value) -> Entity* {
      Entity* t = find(target);
      if (t == nullptr || entity_order(target) >= entity_order(from.rules->entity)) return nullptr;
      const int key = column_index(*t->spec, target_column);
      const int val = !value ? -1 : value->empty() ? -2 : column_index(*t->spec, *value);
      if (key < 0 || (value && val == -1) || (val == -2 && !t->rules->derived))
        throw Error(ErrorKind::Internal, "first load: " + std::string(target) + " has no " + std::string(target_column));
      if (t->indexed && (t->key_column != key || (t->value_column != val && t->value_column != -1 && val != -1)))
        throw Error(ErrorKind::Internal, "first load: " + std::string(target) + " is looked up two ways");
      t->indexed = true;
      t->key_column = key;
      if (t->value_column == -1) t->value_column = val;
      return t;
    };
    for (Entity& e : entities) {
      for (const DerivedLookup& l : derived_lookups()) {
        if (l.entity != e.rules->entity || !e.rules->derived) continue;
        const int c = column_index(*e.spec, l.column);
        if (c < 0) continue;
        Entity* t = link_target(e, l.target, l.target_column, l.target_value);
        if (t != nullptr) e.lookups.push_back({static_cast<std::size_t>(c), t});
        else break;  // a later lookup may only answer when this one misses in SQL too
      }
      for (const ReferenceDef& d : reference_defs()) {
        if (d.entity != e.rules->entity) continue;
        const int c = column_index(*e.spec, d.column);
        if (c < 0) continue;
        Entity* t = link_target(e, d.target, d.target_column, std::nullopt);
        if (t == nullptr) continue;
        Ref r;
        r.def = &d;
        r.column = static_cast<std::size_t>(c);
        r.target = t;
        e.refs.push_back(std::move(r));
      }
    }
  }

  void remove_superseded(Entity& e, const std::vector<std::uint32_t>& rows) {
    for (Ref& r : e.refs)
      for (std::uint32_t row : rows) {
        if (row >= r.flags.size() || !(r.flags[row] & kLive)) continue;
        if (r.flags[row] & kCounted) --r.rows;
        if (r.flags[row] & kMatched) --r.matched;
        r.flags[row] = 0;
        r.staged_target.erase(row);
      }
  }

  // The derived value of a row without one of its own, from the lookups:
  // the first one whose key an earlier first load holds decides. nullopt:
  // stage the row (no lookup holds the key, or the one that does holds a
  // staged row, whose value SQL decides).
  std::optional<std::string_view> look_up(const Entity& e) const {
    for (const Lookup& l : e.lookups) {
      const std::string_view key = fields[l.column];
      if (key == detail::kCopyNull) continue;
      const KeyIndex::Entry* hit = l.target->index.find(key);
      if (hit == nullptr) continue;
      if (hit->value_offset == kNone) return std::nullopt;
      return l.target->index.value(*hit);
    }
    return std::nullopt;
  }

  void split(Entity& e, StagedEntity& part) {
    const DirectRules& rules = *e.rules;
    const std::size_t ncol = rules.null_as.size();
    remove_superseded(e, part.newly_superseded);
    superseding = part.superseding;
    std::sort(superseding.begin(), superseding.end());
    fields.assign(ncol, {});
    staged_text.clear();
    std::string& direct = part.direct_text;
    direct.reserve(direct.size() + part.copy_text.size() + part.copy_text.size() / 4);
    const std::string_view text = part.copy_text;
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      const std::string_view line = text.substr(start, end - start);
      start = end + 1;
      const std::uint32_t row = parse_line(line, fields, rules.entity);

      bool stage = std::binary_search(superseding.begin(), superseding.end(), row);
      std::string_view derived;
      bool looked_up = false;
      if (rules.derived && !stage) {
        for (std::size_t c : rules.derived_from)
          if (fields[c] != detail::kCopyNull) {
            derived = fields[c];
            break;
          }
        if (derived.empty()) {
          const auto v = look_up(e);
          if (v) derived = *v, looked_up = true;
        }
        stage = derived.empty();
      }
      for (std::size_t c = 0; c < ncol && !stage; ++c) stage = rules.stage_on_null[c] && fields[c] == detail::kCopyNull;
      std::optional<std::int64_t> seconds;
      if (looked_up && !stage) {
        seconds = staged_seconds(derived);
        stage = !seconds;
      }

      if (stage) {
        staged_text.append(line);
        staged_text.push_back('\n');
      } else {
        direct.append(e.plant);
        for (std::size_t c = 0; c < ncol; ++c) {
          direct.push_back('\t');
          if (fields[c] == detail::kCopyNull && rules.null_as[c]) direct.append(*rules.null_as[c]);
          else direct.append(fields[c]);
        }
        if (rules.derived) {
          direct.push_back('\t');
          direct.append(derived);
        }
        direct.push_back('\n');
        ++part.direct_rows;
        if (seconds) {
          part.min_event_time = std::min(part.min_event_time, *seconds);
          part.max_event_time = std::max(part.max_event_time, *seconds);
        }
      }

      if (e.indexed) {
        std::optional<std::string_view> value;
        if (e.value_column >= 0) {
          if (fields[static_cast<std::size_t>(e.value_column)] != detail::kCopyNull)
            value = fields[static_cast<std::size_t>(e.value_column)];
        } else if (!stage) {
          value = derived;  // the derived value is known only for a direct row
        }
        e.index.put(fields[static_cast<std::size_t>(e.key_column)], row, value);
        if (stage) e.staged.insert(row);
      }
      for (Ref& r : e.refs) {
        if (r.flags.size() <= row) r.flags.resize(std::max<std::size_t>(row + 1, r.flags.size() * 2), 0);
        std::uint8_t f = kLive;
        const std::string_view v = fields[r.column];
        if (v != detail::kCopyNull) {
          f |= kCounted;
          ++r.rows;
          if (const KeyIndex::Entry* hit = r.target->index.find(v)) {
            f |= kMatched;
            ++r.matched;
            if (r.target->staged.count(hit->row)) r.staged_target[row] = hit->row;
          }
        }
        r.flags[row] = f;
        if (stage) r.staged.push_back(row);
      }
    }
    part.copy_text.swap(staged_text);
  }

  void finish(Entity& e, StagedEntity& part) {
    for (Ref& r : e.refs) {
      ReferenceTally t;
      t.column = std::string(r.def->column);
      t.target = std::string(r.def->target);
      t.rows = r.rows;
      t.matched = r.matched;
      for (std::uint32_t row : r.staged) {
        const std::uint8_t f = r.flags[row];
        if (!(f & kLive)) continue;
        if (f & kCounted) t.staged_counted.push_back(row);
        if (f & kMatched) t.staged_matched.push_back(row);
      }
      std::sort(t.staged_counted.begin(), t.staged_counted.end());
      t.staged_counted.erase(std::unique(t.staged_counted.begin(), t.staged_counted.end()), t.staged_counted.end());
      std::sort(t.staged_matched.begin(), t.staged_matched.end());
      t.staged_matched.erase(std::unique(t.staged_matched.begin(), t.staged_matched.end()), t.staged_matched.end());
      for (const auto& [row, target_row] : r.staged_target) t.staged_target.emplace_back(target_row, row);
      std::sort(t.staged_target.begin(), t.staged_target.end());
      part.references.push_back(std::move(t));
      // The counts are handed out; the flags are not needed any more.
      std::vector<std::uint8_t>().swap(r.flags);
    }
  }
};

FirstLoads::FirstLoads(const std::vector<DirectRules>& rules) : impl_(std::make_unique<Impl>(rules)) {}
FirstLoads::~FirstLoads() = default;

bool FirstLoads::loads(std::string_view entity) const { return impl_->find(entity) != nullptr; }

void FirstLoads::split(const EntitySpec& spec, StagedEntity& part) {
  Impl::Entity* e = impl_->find(spec.entity);
  if (e == nullptr) throw Error(ErrorKind::Internal, "first load: " + std::string(spec.entity) + " is not one");
  impl_->split(*e, part);
}

void FirstLoads::finish(const EntitySpec& spec, StagedEntity& part) {
  Impl::Entity* e = impl_->find(spec.entity);
  if (e == nullptr) throw Error(ErrorKind::Internal, "first load: " + std::string(spec.entity) + " is not one");
  impl_->finish(*e, part);
}

}  // namespace pp::ingest
