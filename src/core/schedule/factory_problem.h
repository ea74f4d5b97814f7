// The input of the finite-capacity factory scheduler: plain structs that the
// SQL layer fills from PostgreSQL rows (it expands shifts, holidays, downtime,
// overtime and time zones into working intervals before calling the core).
//
// Units: every time is int64 Unix seconds (UTC); every duration is int64
// seconds. Indexes are 0-based positions in the vectors of FactoryProblem.
// The core only reads a FactoryProblem; the caller owns it.
#pragma once
#include "core/common/core_only.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pp::factory {

using Time = std::int64_t;     // Unix seconds, UTC
using Seconds = std::int64_t;  // a duration in seconds

// The most working time one operation or one setup may take: 100 years, in
// seconds. Plans add durations along routings and unit sequences, and the
// calendar walk treats kFarFuture (INT64_MAX / 4) as "never"; with every
// duration at most this, a sum over even a billion operations stays below
// that sentinel, so no end time saturates or overflows. Longer work is an
// input error (a quantity or factor typed wrong), reported by the compile
// step and by what-if changes that would scale work past it.
inline constexpr Seconds kMaxWorkSeconds = 100LL * 365 * 24 * 3600;

// A working interval [start, end) in Unix seconds.
struct WorkInterval {
  Time start = 0;
  Time end = 0;
};

// Working time of one or more work centers over the planning horizon.
// Intervals are expected sorted and non-overlapping; overlapping or touching
// intervals are merged (their union is the working time) and empty ones are
// dropped. After the last interval the calendar is unknown: work placed there
// is still scheduled (as if the time were working) but reported as a problem
// (ProblemKind::BeyondCalendar). An empty interval list therefore means
// "no known working time": everything on it is reported.
struct Calendar {
  std::vector<WorkInterval> intervals;
};

// Sequence-dependent setup between two order families on one work center.
struct FamilySetup {
  std::string from_family;
  std::string to_family;
  Seconds seconds = 0;
};

struct WorkCenter {
  std::string id;
  int units = 1;       // parallel identical units; 0 = no capacity (its operations are problems)
  int calendar = -1;   // index into FactoryProblem::calendars; -1 = works always
  // true: an operation interrupted by the end of working time continues in the
  // next working interval. false: setup + operation must fit entirely inside
  // one working interval.
  bool resumable = true;
  // Setup on a family change (previous operation on the unit has another
  // family) when setup_matrix has no (from, to) entry. No setup is counted
  // for the first operation of a unit nor between equal families.
  Seconds default_setup_seconds = 0;
  std::vector<FamilySetup> setup_matrix;  // a (from, to) pair given twice: the first counts
};

struct Alternative {
  int work_center = -1;   // index into FactoryProblem::work_centers
  Seconds duration = 0;   // working seconds of processing (excluding setup)
};

// Work already started, or inside the frozen window: it keeps exactly this
// place. For started work the SQL layer gives the remaining end. A fixed
// operation carries no setup (any setup is inside its [start, end)).
struct FixedPlacement {
  int work_center = -1;
  int unit = 0;  // 0-based unit of the work center
  Time start = 0;
  Time end = 0;
};

struct Operation {
  std::vector<Alternative> alternatives;  // flexible routing: any one of these
  std::string duration_source;            // passed through to the plan (e.g. "history", "standard")
  std::optional<FixedPlacement> fixed;
  // A problem the SQL layer already found (e.g. "no standard time"); copied
  // into the plan's problem list. The operation is still planned if it can be.
  bool has_problem = false;
  std::string problem;
};

struct Order {
  std::string id;
  Time release = 0;            // nothing of the order starts before this
  std::optional<Time> due;     // none = never late
  double weight = 1.0;         // > 0; tardiness counts seconds x weight
  std::string family;          // setup family (e.g. product family, colour)
  std::vector<Operation> operations;  // routing sequence: op k+1 starts after op k ends
};

struct FactoryProblem {
  std::vector<Calendar> calendars;
  std::vector<WorkCenter> work_centers;
  std::vector<Order> orders;
};

}  // namespace pp::factory
