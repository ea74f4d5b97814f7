#include "core/schedule/factory_unit_timeline.h"

#include <algorithm>

namespace pp::factory {

Slot find_slot(const std::vector<Block>& blocks, const CompiledFactory& f, std::int32_t wc, std::int32_t family,
               Time ready, Seconds duration, Time floor) {
  const CalendarTimeline& cal = f.timeline_of(wc);
  const bool resumable = f.wcs[wc].resumable;
  // Gaps before a block that starts at or before `ready` cannot hold work
  // that starts at or after `ready`, so the scan begins after them.
  std::size_t k = static_cast<std::size_t>(
      std::upper_bound(blocks.begin(), blocks.end(), ready, [](Time t, const Block& b) { return t < b.start; }) -
      blocks.begin());
  for (;; ++k) {
    const Time prev_end = k > 0 ? std::max(blocks[k - 1].end, floor) : floor;
    const std::int32_t prev_family = k > 0 ? blocks[k - 1].family : -1;
    const Seconds setup = f.setup(wc, prev_family, family);
    Slot slot;
    slot.insert_at = k;
    if (k == blocks.size()) {
      slot.placement = place_after(cal, resumable, prev_end, ready, setup, duration);
      return slot;
    }
    const Block& next = blocks[k];
    // Wall time is an upper bound of working time: a cheap rejection first.
    if (std::max(ready, prev_end + setup) + duration > next.start) continue;
    slot.placement = place_after(cal, resumable, prev_end, ready, setup, duration);
    if (slot.placement.end > next.start) continue;
    if (next.fixed) {
      slot.next_setup = 0;
      slot.next_setup_start = next.start;
      return slot;
    }
    slot.next_setup = f.setup(wc, family, next.family);
    const auto s = setup_start_before(cal, next.resumable_layout, next.start, next.end, slot.next_setup);
    if (!s || *s < slot.placement.end) continue;
    slot.next_setup_start = *s;
    return slot;
  }
}

void insert_block(std::vector<Block>& blocks, const Slot& slot, std::int32_t op, std::int32_t family) {
  if (slot.insert_at < blocks.size() && !blocks[slot.insert_at].fixed) {
    blocks[slot.insert_at].setup = slot.next_setup;
    blocks[slot.insert_at].setup_start = slot.next_setup_start;
  }
  Block b;
  b.setup_start = slot.placement.setup_start;
  b.start = slot.placement.start;
  b.end = slot.placement.end;
  b.setup = slot.placement.setup;
  b.op = op;
  b.family = family;
  b.fixed = false;
  b.resumable_layout = slot.placement.resumable_layout;
  blocks.insert(blocks.begin() + static_cast<std::ptrdiff_t>(slot.insert_at), b);
}

}  // namespace pp::factory
