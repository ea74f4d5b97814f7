// Priorities of the serial schedule generation scheme. A key is computed once,
// when an operation becomes eligible (its predecessor is placed, so its ready
// time is known); the smallest key is placed first, ties by ready time, then
// by global operation id (so every run is deterministic).
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/factory_compiled.h"
#include "core/schedule/factory_options.h"

#include <cstdint>
#include <vector>

namespace pp::factory {

class PriorityKey {
 public:
  virtual ~PriorityKey() = default;
  // `ready`: earliest start of the operation (release, plan start, predecessor end).
  virtual double key(std::int32_t op, Time ready) const = 0;
};

// The dispatching rules of DispatchRule (not Best). Reads the compiled
// factory (not owned; must outlive this object).
class RuleKey final : public PriorityKey {
 public:
  RuleKey(const CompiledFactory& f, DispatchRule rule);
  double key(std::int32_t op, Time ready) const override;

 private:
  const CompiledFactory& f_;
  DispatchRule rule_;
  double atc_scale_;  // K x mean processing time of ATC's look-ahead
};

// The search's encoding: an operation list; an operation's key is its
// position, so decoding the placement sequence of a run reproduces that run.
class RankKey final : public PriorityKey {
 public:
  explicit RankKey(const std::vector<std::int32_t>& rank) : rank_(rank) {}  // rank by global op id; not owned
  double key(std::int32_t op, Time) const override { return static_cast<double>(rank_[op]); }

 private:
  const std::vector<std::int32_t>& rank_;
};

// A warm start: an operation's key is its start in a base plan (Unix
// seconds); work the base plan did not have (NaN) is keyed by its ready time,
// so it goes in as soon as it can. Keeps the base plan's sequence for the work
// a what-if change does not touch. Both referenced objects are not owned.
class WarmKey final : public PriorityKey {
 public:
  // start[order][op] as FactoryOptions::warm_start; throws
  // pp::Error(InvalidParameter) when its shape is not the problem's.
  WarmKey(const CompiledFactory& f, const std::vector<std::vector<double>>& start);
  double key(std::int32_t op, Time ready) const override;

 private:
  std::vector<double> start_;  // by global op id
};

}  // namespace pp::factory
