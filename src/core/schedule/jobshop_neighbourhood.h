// Moves of the tabu search and their fast makespan estimates.
//
// Sequencing moves act on the critical blocks (maximal runs of a critical
// path on one machine): the N7 neighbourhood of Zhang, Li, Guan and Rao
// (2007), i.e. every operation of a block moved to its beginning or its end
// and the first/last operation moved inside the block, which contains N5
// (Nowicki and Smutnicki 1996). A move is estimated as in Balas and
// Vazacopoulos (1998) / Dell'Amico and Trubian (1993): heads of the moved
// segment recomputed forwards from the unchanged machine predecessor and job
// predecessors, tails backwards, estimate = max over the segment of
// head + duration + tail (exact for the segment, approximate for the rest).
//
// Flexible shops add reassignment moves (Mastrolilli and Gambardella 2000):
// a critical operation goes to another of its machines at the position that
// minimizes the longest path through it among the positions that provably
// create no cycle (see reassign in the .cpp for the conditions).
//
// All buffers are owned here and reused: no allocation per move.
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/jobshop_solution.h"

#include <cstdint>
#include <vector>

namespace pp::schedule {

enum class MoveKind : std::uint8_t {
  Forward,   // op goes right after `target` (same machine, target later in the sequence)
  Backward,  // op goes right before `target` (same machine, target earlier)
  Reassign,  // op goes to `machine`, right after `target` (-1: first on it)
};

struct Move {
  MoveKind kind = MoveKind::Forward;
  std::int32_t op = -1;
  std::int32_t target = -1;
  std::int32_t machine = -1;
  std::int64_t estimate = 0;
};

class Neighbourhood {
 public:
  explicit Neighbourhood(const JobShopProblem& problem);

  // Fills `moves` with the moves around `path` (a critical path of `s`),
  // each with its estimate. `reassign`: include machine reassignments.
  void generate(const Schedule& s, const std::vector<std::int32_t>& path, bool reassign,
                std::vector<Move>& moves);

  // The operations a sequencing move jumps over (in machine order), for the
  // tabu attributes; empty for reassignments.
  void jumped(const Schedule& s, const Move& m, std::vector<std::int32_t>& out) const;

 private:
  void block_moves(const Schedule& s, const std::int32_t* block, std::int32_t len,
                   std::vector<Move>& moves);
  void add_forward(const Schedule& s, std::int32_t u, std::int32_t v, std::vector<Move>& moves);
  void add_backward(const Schedule& s, std::int32_t u, std::int32_t v, std::vector<Move>& moves);
  void add_reassign(const Schedule& s, std::int32_t u, std::vector<Move>& moves);
  std::int64_t estimate_segment(const Schedule& s, std::int32_t len, std::int32_t before,
                                std::int32_t after);

  const JobShopProblem* pb_;
  std::vector<std::int32_t> seg_;   // new order of the segment being estimated
  std::vector<std::int64_t> head_;  // its recomputed heads
};

}  // namespace pp::schedule
