// The blocks (setup + operation) placed on one unit, sorted by start, and the
// search for the earliest gap an operation fits into. Inserting before a block
// changes that block's setup (its predecessor's family changes): the gap is
// accepted only if the block's new setup still fits before its unchanged start,
// so a placed operation never moves once placed.
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/factory_compiled.h"
#include "core/schedule/factory_placement.h"

#include <cstdint>
#include <vector>

namespace pp::factory {

struct Block {
  Time setup_start = 0;  // setup in [setup_start, start); fixed blocks: == start
  Time start = 0;
  Time end = 0;
  Seconds setup = 0;
  std::int32_t op = 0;   // global operation id
  std::int32_t family = 0;
  bool fixed = false;
  bool resumable_layout = true;
};

struct Slot {
  Placement placement;
  std::size_t insert_at = 0;  // index in the unit's blocks
  Seconds next_setup = 0;     // the following block's new setup (if not fixed)
  Time next_setup_start = 0;
};

// Earliest-ending slot on a unit of work center `wc` (blocks of that unit)
// for an operation of `family` and `duration` working seconds, processing not
// before `ready`, nothing (setup included) before `floor`.
Slot find_slot(const std::vector<Block>& blocks, const CompiledFactory& f, std::int32_t wc, std::int32_t family,
               Time ready, Seconds duration, Time floor);

// Inserts the block for `op` at the slot (updating the follower's setup).
void insert_block(std::vector<Block>& blocks, const Slot& slot, std::int32_t op, std::int32_t family);

}  // namespace pp::factory
