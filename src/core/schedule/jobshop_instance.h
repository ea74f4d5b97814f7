// Job-shop and flexible job-shop instances: the plain data the scheduler
// solves, and parsers for the two public text formats it is benchmarked on.
//
//   jsp (OR-Library, Mattfeld/Vaessens jobshop1.txt): a line `jobs machines`,
//       then one line per job of `machine duration` pairs in processing
//       order, machines numbered from 0.
//   fjs (Brandimarte 1993, also Hurink and Kacem sets): a line
//       `jobs machines [average flexibility]`, then one line per job: the
//       number of operations, then per operation `k` followed by k pairs
//       `machine duration`, machines numbered from 1.
//
// Both parse into one representation: jobs -> operations in processing order
// -> alternatives (machine, duration). Machines are 0-based after parsing.
// Durations are integer time units (whatever the caller's unit is), >= 0.
//
// The parsers are tolerant of blank lines, extra spaces/tabs, CRLF, header
// text before the first numeric line and text lines after the data; they are
// strict about numbers: malformed input throws pp::Error(DataException) with
// a message "line N: expected ..., found ..." (N 1-based).
#pragma once
#include "core/common/core_only.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pp::schedule {

struct Alternative {
  std::int32_t machine = 0;   // 0-based, < JobShopInstance::machine_count
  std::int64_t duration = 0;  // >= 0, integer time units
};

struct Operation {
  std::vector<Alternative> alternatives;  // non-empty; one entry in a classic job shop
};

struct Job {
  std::vector<Operation> operations;  // processing order; may be empty
};

struct JobShopInstance {
  std::int32_t machine_count = 0;
  std::vector<Job> jobs;
  // True when parsed from the flexible format (informational: the solver
  // looks at the alternatives, not at this flag).
  bool flexible = false;

  std::size_t operation_count() const;
};

enum class JobShopFormat { Jsp, Fjs };

JobShopInstance parse_jsp(std::string_view text);
JobShopInstance parse_fjs(std::string_view text);
JobShopInstance parse_jobshop(std::string_view text, JobShopFormat format);

// Checks the invariants above (machine range, non-negative durations,
// non-empty alternative lists); throws pp::Error(InvalidParameter) naming
// the job and operation (both 0-based). The solver calls it on entry, so an
// instance built in code gets the same checks as a parsed one.
void validate_instance(const JobShopInstance& instance);

}  // namespace pp::schedule
