#include "core/schedule/factory_fixed.h"

#include <algorithm>

namespace pp::factory {

void place_fixed_operations(const CompiledFactory& f, std::vector<OpPlace>& ops,
                            std::vector<std::vector<Block>>& units) {
  ops.assign(f.ops.size(), OpPlace{});
  units.assign(f.unit_wc.size(), {});
  for (std::size_t i = 0; i < f.ops.size(); ++i) {
    const CompiledOp& op = f.ops[i];
    if (!op.fixed) continue;
    const FixedPlacement& fp = *f.problem.orders[op.order].operations[op.index].fixed;
    OpPlace& place = ops[i];
    place.setup_start = place.start = fp.start;
    place.end = std::max(fp.start, fp.end);
    const bool wc_ok = fp.work_center >= 0 && fp.work_center < static_cast<int>(f.wcs.size());
    place.work_center = wc_ok ? fp.work_center : -1;
    if (!wc_ok || fp.unit < 0 || fp.unit >= f.wcs[fp.work_center].units || fp.end < fp.start) {
      place.flags |= kFlagInvalidFixed;
      continue;
    }
    place.unit = fp.unit;
    Block b;
    b.setup_start = b.start = fp.start;
    b.end = fp.end;
    b.op = static_cast<std::int32_t>(i);
    b.family = op.family;
    b.fixed = true;
    b.resumable_layout = true;
    units[f.wcs[fp.work_center].first_unit + fp.unit].push_back(b);
  }
  for (auto& blocks : units) {
    std::sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) {
      return a.start != b.start ? a.start < b.start : a.op < b.op;
    });
    Time reach = kFarPast;
    std::int32_t reach_op = -1;
    for (const Block& b : blocks) {
      if (b.start < reach) {
        ops[b.op].flags |= kFlagFixedConflict;
        ops[reach_op].flags |= kFlagFixedConflict;
      }
      if (b.end > reach) {
        reach = b.end;
        reach_op = b.op;
      }
    }
  }
}

}  // namespace pp::factory
