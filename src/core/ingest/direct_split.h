// Splitting the parts of a plant's first loads into the rows that can be
// COPYed straight into the canonical table and the rows that must take the
// staging path (a temporary table, SQL derivation, INSERT ... SELECT), and
// counting, on the way, what the SQL layer would otherwise count by joining
// the freshly loaded tables: the match rates of references.
//
// Why: on a first load every row is new, and for most rows everything the
// canonical table needs is in the row itself (an operation's event time is its
// own end, start or planned date) or in rows this run loaded before it (an
// operation without dates takes its order's creation; a defect takes its
// evaluation operation's event time). Sending those rows through a staging
// table costs a second COPY and an INSERT ... SELECT; deriving the times in SQL
// costs a join with a freshly loaded, unanalyzed table. The rows that need
// what this run does not know (a table the plant already had rows in, a
// column default that is not a constant, a key an earlier part held, a
// lookup that fails) keep the staging path, so the result is the same as
// staging every row.
//
// Exactness of what is learnt from earlier entities: a first load's table
// holds, for the plant, exactly the run's live rows of that entity that were
// not quarantined in SQL, and only staged rows can be (a row without any
// derived time). So a value taken from a direct row of an earlier first load
// is what SQL would find; a staged row's value is treated as unknown, and
// match counts carry the staged rows separately so the SQL layer can take
// out those it quarantined (ReferenceTally::counts).
#pragma once
#include "core/common/core_only.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pp::ingest {

struct EntitySpec;
struct StagedEntity;

// How one entity's first-load rows are split; built by the SQL layer from the
// catalog (make_direct_rules).
struct DirectRules {
  std::string entity;
  // The plant_id written first on every direct line (raw text; escaped here).
  std::string plant;
  // Per spec column: what a NULL (\N) becomes on a direct line. nullopt keeps
  // the NULL. A column whose NULL means "the column's default" and whose
  // default is a constant gets that constant (COPY text); when the default is
  // not a constant, stage_on_null is set instead.
  std::vector<std::optional<std::string>> null_as;
  std::vector<bool> stage_on_null;
  // Whether the canonical table has a derived column (its partition key),
  // written last on a direct line: the first non-NULL of the spec columns
  // derived_from, else the first hit of the entity's lookups (derived_lookups).
  bool derived = false;
  std::vector<std::size_t> derived_from;
};

// Builds the rules for `spec`: `null_default` per spec column is the COPY
// text of the column's default when a NULL means "the default" (NOT NULL
// with a default), "" when such a column's default is not a constant, nullopt
// otherwise. `derived` tells whether the entity has a derived column.
DirectRules make_direct_rules(const EntitySpec& spec, std::string plant,
                              const std::vector<std::optional<std::string>>& null_default, bool derived);

// Whether a column default's SQL text (pg_get_expr) is a constant a direct
// line may hold as it is: true, false or a decimal number.
bool constant_default(std::string_view expr) noexcept;

// Where a derived value comes from when the row has none of its own, in the
// order tried (the SQL layer's derived_steps do the same in SQL): the value of
// `column` is looked up among `target`'s rows by `target_column`, and the
// match's derived value (target_value empty) or `target_value` column is taken.
struct DerivedLookup {
  std::string_view entity, column, target, target_column, target_value;
};
const std::vector<DerivedLookup>& derived_lookups();

// A reference whose match rate ingestion reports (orphans are kept, not
// rejected): `column` of `entity` names a row of `target` by `target_column`.
struct ReferenceDef {
  std::string_view entity, column, target, target_column;
};
const std::vector<ReferenceDef>& reference_defs();

// The match counts of one reference of a first-loaded entity whose target
// was first-loaded earlier in the same run, over the entity's live rows.
struct ReferenceTally {
  std::string column, target;
  std::uint64_t rows = 0;     // live rows whose value is not NULL
  std::uint64_t matched = 0;  // of those, rows whose value a live target row holds
  // Staged rows the SQL layer may quarantine, which then count nowhere:
  std::vector<std::uint32_t> staged_counted;  // staged live rows counted in rows
  std::vector<std::uint32_t> staged_matched;  // staged live rows counted in matched
  // (target row, row) where the row matched a staged target row.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> staged_target;

  // The counts once the rows in `quarantined` (this entity's source rows) and
  // `target_quarantined` (the target's) are gone; both sorted.
  std::pair<std::uint64_t, std::uint64_t> counts(const std::vector<std::uint32_t>& quarantined,
                                                 const std::vector<std::uint32_t>& target_quarantined) const;
};

// One run's first loads, fed part by part on the staging thread in
// workbook_entities() order (an entity's targets and lookups come first).
class FirstLoads {
 public:
  explicit FirstLoads(const std::vector<DirectRules>& rules);  // kept by reference
  ~FirstLoads();
  FirstLoads(const FirstLoads&) = delete;
  FirstLoads& operator=(const FirstLoads&) = delete;

  bool loads(std::string_view entity) const;
  // Splits a part of an entity this run first-loads (loads() is true): its
  // staged COPY text (source_row, then the spec's columns) becomes
  // part.direct_text (plant, the spec's columns, the derived value) for the
  // rows that need nothing else, and stays in part.copy_text for the rest
  // (rows whose source_row is in part.superseding always). Sets
  // part.direct_rows and widens part.min/max_event_time to the direct rows'
  // looked-up derived values. Expects part.newly_superseded to be set.
  void split(const EntitySpec& spec, StagedEntity& part);
  // After the entity's final part was split: the match counts of its
  // references whose target this run first-loaded, into part.references.
  void finish(const EntitySpec& spec, StagedEntity& part);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pp::ingest
