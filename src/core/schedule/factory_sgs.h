// The serial schedule generation scheme: fixed operations first, exactly
// where they are; then, repeatedly, the eligible operation (predecessor
// placed) with the smallest priority key goes to the alternative and unit on
// which it completes earliest, into the earliest idle gap where it and its
// setup fit (see factory_unit_timeline.h). O(n log n) for the queue plus the
// gap scans; the workspace is reused between runs so repeated decoding by the
// search allocates nothing per operation.
#pragma once
#include "core/common/core_only.h"

#include "core/common/cancel.h"
#include "core/schedule/factory_compiled.h"
#include "core/schedule/factory_rules.h"
#include "core/schedule/factory_schedule.h"
#include "core/schedule/factory_unit_timeline.h"

#include <cstdint>
#include <vector>

namespace pp::factory {

class Sgs {
 public:
  explicit Sgs(const CompiledFactory& f);  // not owned; must outlive this object
  // Builds a complete schedule; the reference stays valid until the next run.
  // Polls `cancel` (may be null) every few hundred placements.
  const FactorySchedule& run(const PriorityKey& priority, const CancelToken* cancel);

 private:
  struct Eligible {
    double key;
    Time ready;
    std::int32_t op;
  };
  void push(std::int32_t op, const PriorityKey& priority);
  void place(std::int32_t op);
  Time ready_of(std::int32_t op) const;

  const CompiledFactory& f_;
  std::vector<std::vector<Block>> fixed_units_;  // per global unit: fixed blocks only
  std::vector<OpPlace> fixed_ops_;               // ops with only fixed ones set
  std::vector<std::vector<Block>> units_;        // workspace
  std::vector<Eligible> heap_;
  FactorySchedule out_;
};

}  // namespace pp::factory
