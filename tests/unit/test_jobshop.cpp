// Unit tests of the job-shop / flexible job-shop engine (src/core/schedule):
// the two parsers and their error messages, the lower bound, the solver on
// small embedded instances (every solution verified by the independent
// checker of support/jobshop_checker.h), determinism and cancellation. The
// last test parses every shared benchmark instance when $PRODPLAN_SHARED
// (default <source>/../shared) has them, and is skipped otherwise.
#include "core/common/cancel.h"
#include "core/common/errors.h"
#include "core/schedule/jobshop_bounds.h"
#include "core/schedule/jobshop_instance.h"
#include "core/schedule/jobshop_problem.h"
#include "core/schedule/jobshop_solver.h"
#include "support/jobshop_checker.h"
#include "support/test_files.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace test_jobshop {

using namespace pp::schedule;

namespace {

// Fisher and Thompson's 6x6 instance (OR-Library ft06), optimum 55.
const char* kFt06 = R"(6 6
 2  1  0  3  1  6  3  7  5  3  4  6
 1  8  2  5  4 10  5 10  0 10  3  4
 2  5  3  4  5  8  0  9  1  1  4  7
 1  5  0  5  2  5  3  3  4  8  5  9
 2  9  1  3  4  5  5  4  0  3  3  1
 1  3  3  3  5  9  0 10  4  4  2  1
)";

// Brandimarte's mk01 (10 jobs, 6 machines), optimum 40.
const char* kMk01 = R"(10 6 2
6 2 1 5 3 4 3 5 3 3 5 2 1 2 3 4 6 2 3 6 5 2 6 1 1 1 3 1 3 6 6 3 6 4 3
5 1 2 6 1 3 1 1 1 2 2 2 6 4 6 3 6 5 2 6 1 1
5 1 2 6 2 3 4 6 2 3 6 5 2 6 1 1 3 3 4 2 6 6 6 2 1 1 5 5
5 3 6 5 2 6 1 1 1 2 6 1 3 1 3 5 3 3 5 2 1 2 3 4 6 2
6 3 5 3 3 5 2 1 3 6 5 2 6 1 1 1 2 6 2 1 5 3 4 2 2 6 4 6 3 3 4 2 6 6 6
6 2 3 4 6 2 1 1 2 3 3 4 2 6 6 6 1 2 6 3 6 5 2 6 1 1 2 1 3 4 2
5 1 6 1 2 1 3 4 2 3 3 4 2 6 6 6 3 2 6 5 1 1 6 1 3 1
5 2 3 4 6 2 3 3 4 2 6 6 6 3 6 5 2 6 1 1 1 2 6 2 2 6 4 6
6 1 6 1 2 1 1 5 5 3 6 6 3 6 4 3 1 1 2 3 3 4 2 6 6 6 2 2 6 4 6
6 2 3 4 6 2 3 3 4 2 6 6 6 3 5 3 3 5 2 1 1 6 1 2 2 6 4 6 2 1 3 4 2
)";

std::string error_of(const std::string& text, JobShopFormat format) {
  try {
    parse_jobshop(text, format);
  } catch (const pp::Error& e) {
    EXPECT_EQ(e.kind(), pp::ErrorKind::DataException);
    return e.what();
  }
  return "(no error)";
}

SolveResult solve_checked(const JobShopInstance& inst, SolveOptions opt) {
  SolveResult r = solve_jobshop(inst, opt);
  EXPECT_EQ(pp::test::check_jobshop_solution(inst, r), "");
  EXPECT_LE(r.lower_bound, r.makespan);
  EXPECT_EQ(r.proven_optimal, r.makespan == r.lower_bound);
  EXPECT_GE(r.first_solution_makespan, r.makespan);
  return r;
}

}  // namespace

TEST(JobshopParse, OrLibraryFormat) {
  JobShopInstance inst = parse_jsp(kFt06);
  EXPECT_EQ(inst.machine_count, 6);
  ASSERT_EQ(inst.jobs.size(), 6u);
  EXPECT_EQ(inst.operation_count(), 36u);
  EXPECT_FALSE(inst.flexible);
  const Operation& first = inst.jobs[0].operations[0];
  ASSERT_EQ(first.alternatives.size(), 1u);
  EXPECT_EQ(first.alternatives[0].machine, 2);
  EXPECT_EQ(first.alternatives[0].duration, 1);
  EXPECT_EQ(inst.jobs[5].operations[5].alternatives[0].machine, 2);
  EXPECT_EQ(inst.jobs[5].operations[5].alternatives[0].duration, 1);
}

TEST(JobshopParse, OrLibraryToleratesHeaderBlankLinesAndTrailer) {
  JobShopInstance inst = parse_jsp(
      " instance tiny\r\n +++\r\n\r\n 2   2 \r\n\r\n0 3\t1 2\r\n\r\n  1 4 0 0\r\n\r\n+++ end of instance\n");
  EXPECT_EQ(inst.machine_count, 2);
  ASSERT_EQ(inst.jobs.size(), 2u);
  EXPECT_EQ(inst.jobs[1].operations[1].alternatives[0].duration, 0);
}

TEST(JobshopParse, OrLibraryErrorsNameTheLine) {
  auto err = [](const std::string& t) { return error_of(t, JobShopFormat::Jsp); };
  EXPECT_EQ(err("2 3\n0 1 1 1 2 1\n0 1 1 1 2\n"), "line 3: expected 3 machine/duration pairs, found 5 numbers (an odd count)");
  EXPECT_EQ(err("2 3\n0 1 1 1 2 1\n\n0 1 1 1\n"), "line 4: expected 3 machine/duration pairs, found 2");
  EXPECT_EQ(err("2 2\n0 1 1 x\n1 1 0 1\n"), "line 2: expected an integer duration, found \"x\"");
  EXPECT_EQ(err("2 2\n0 1 1 1\n2 1 0 1\n"), "line 3: machine 2 out of range 0..1");
  EXPECT_EQ(err("2 2\n0 1 1 -4\n1 1 0 1\n"), "line 2: expected a duration >= 0, found -4");
  EXPECT_EQ(err("2 2\n0 1 1 1\n"), "line 3: expected 2 job lines, found 1");
  EXPECT_EQ(err("2 2\n0 1 1 1\n1 1 0 1\n1 1 0 1\n"), "line 4: expected end of data after 2 jobs, found more numbers");
  EXPECT_EQ(err("2 2.5\n"), "line 1: expected an integer machine count, found \"2.5\"");
  EXPECT_EQ(err("no numbers here\n"), "line 1: expected a jsp header line \"jobs machines\", found \"no\"");
  EXPECT_EQ(err("2 0\n"), "line 1: expected machine count between 1 and 16777216, found 0");
  EXPECT_EQ(err("1 1\n0 99999999999999999999\n"),
            "line 2: expected an integer duration, found \"99999999999999999999\"");
}

TEST(JobshopParse, BrandimarteFormat) {
  JobShopInstance inst = parse_fjs(kMk01);
  EXPECT_TRUE(inst.flexible);
  EXPECT_EQ(inst.machine_count, 6);
  ASSERT_EQ(inst.jobs.size(), 10u);
  EXPECT_EQ(inst.operation_count(), 55u);
  // Job 1, operation 1: "2 1 5 3 4" -> machines 0 (5) and 2 (4).
  const auto& alts = inst.jobs[0].operations[0].alternatives;
  ASSERT_EQ(alts.size(), 2u);
  EXPECT_EQ(alts[0].machine, 0);
  EXPECT_EQ(alts[0].duration, 5);
  EXPECT_EQ(alts[1].machine, 2);
  EXPECT_EQ(alts[1].duration, 4);
  // The header may omit the average flexibility; blank lines are skipped.
  JobShopInstance small = parse_fjs("\n2 2\n\n1 2 1 3 2 4\n2 1 2 0 1 1 7\n\n");
  EXPECT_EQ(small.operation_count(), 3u);
  EXPECT_EQ(small.jobs[1].operations[0].alternatives[0].machine, 1);
  EXPECT_EQ(small.jobs[1].operations[0].alternatives[0].duration, 0);
}

TEST(JobshopParse, BrandimarteErrorsNameTheLine) {
  auto err = [](const std::string& t) { return error_of(t, JobShopFormat::Fjs); };
  EXPECT_EQ(err("2 2 1\n1 1 1 3\n2 1 1 3 1 2\n"),
            "line 3: expected the duration of machine/duration pair 1 of 1 of operation 2, found end of line after 6 numbers");
  EXPECT_EQ(err("1 2\n1 1 3 5\n"), "line 2: machine 3 out of range 1..2");
  EXPECT_EQ(err("1 2\n1 1 0 5\n"), "line 2: machine 0 out of range 1..2");
  EXPECT_EQ(err("1 2\n1 1 1 -5\n"), "line 2: expected a duration >= 0, found -5");
  EXPECT_EQ(err("1 2\n1 1 1 5 7\n"), "line 2: expected 4 numbers for job 1 (1 operations), found 5");
  EXPECT_EQ(err("1 2\n1 0\n"), "line 2: expected alternative count between 1 and 16777216, found 0");
  EXPECT_EQ(err("1 2\n1 3 1 1 2 2 1 1\n"), "line 2: expected at most 2 alternatives for operation 1, found 3");
  EXPECT_EQ(err("1 2\n1 1 1 5a\n"), "line 2: expected an integer duration, found \"5a\"");
  EXPECT_EQ(err("1 2 x\n1 1 1 5\n"), "line 1: expected a number (average flexibility), found \"x\"");
  EXPECT_EQ(err("2 2\n1 1 1 5\n"), "line 3: expected 2 job lines, found 1");
}

// Counts claimed by a header or a job line are errors when the lines do not
// hold them, reported without first allocating what was claimed (found by
// fuzz_jobshop: a header-only file took a second to allocate 3.3 M jobs).
TEST(JobshopParse, ClaimedCountsAreNotAllocatedBeforeTheyAreRead) {
  EXPECT_EQ(error_of("16777216 3 ", JobShopFormat::Jsp), "line 2: expected 16777216 job lines, found 0");
  EXPECT_EQ(error_of("16777216 3 ", JobShopFormat::Fjs), "line 2: expected 16777216 job lines, found 0");
  EXPECT_EQ(error_of("1 2\n16777216 1 1 5\n", JobShopFormat::Fjs),
            "line 2: expected the alternative count of operation 2, found end of line after 4 numbers");
  EXPECT_EQ(error_of("1 16777216\n1 16777216 1 5\n", JobShopFormat::Fjs),
            "line 2: expected the machine of machine/duration pair 2 of 16777216 of operation 1, found end of line "
            "after 4 numbers");
}

TEST(JobshopBounds, ValidOnKnownOptima) {
  JobShopProblem ft06 = build_problem(parse_jsp(kFt06));
  std::int64_t lb = makespan_lower_bound(ft06);
  EXPECT_GE(lb, 43);  // the longest job of ft06 is 47, the busiest machine 49
  EXPECT_LE(lb, 55);
  JobShopProblem mk01 = build_problem(parse_fjs(kMk01));
  std::int64_t lb1 = makespan_lower_bound(mk01);
  EXPECT_GT(lb1, 0);
  EXPECT_LE(lb1, 40);
}

TEST(JobshopSolve, Ft06ReachesTheOptimum) {
  JobShopInstance inst = parse_jsp(kFt06);
  SolveOptions opt;
  // The bound of ft06 is below 55, so the search runs its whole budget:
  // an iteration budget keeps the test short (55 takes a few thousand).
  opt.time_limit_ms = 3000;
  opt.max_iterations = 30000;
  opt.seed = 7;
  SolveResult r = solve_checked(inst, opt);
  EXPECT_EQ(r.makespan, 55);
  EXPECT_LT(r.seconds, 3.5);
}

TEST(JobshopSolve, Mk01ReachesTheOptimum) {
  JobShopInstance inst = parse_fjs(kMk01);
  SolveOptions opt;
  opt.time_limit_ms = 3000;
  opt.max_iterations = 60000;
  opt.seed = 3;
  SolveResult r = solve_checked(inst, opt);
  EXPECT_EQ(r.makespan, 40);
}

TEST(JobshopSolve, DeterministicForSeedAndIterations) {
  for (const auto& [text, format] : {std::pair{kFt06, JobShopFormat::Jsp}, std::pair{kMk01, JobShopFormat::Fjs}}) {
    JobShopInstance inst = parse_jobshop(text, format);
    SolveOptions opt;
    opt.time_limit_ms = 60000;
    opt.seed = 42;
    opt.max_iterations = 3000;
    SolveResult a = solve_checked(inst, opt);
    SolveResult b = solve_checked(inst, opt);
    EXPECT_EQ(a.makespan, b.makespan);
    EXPECT_EQ(a.iterations, b.iterations);
    ASSERT_EQ(a.operations.size(), b.operations.size());
    for (std::size_t i = 0; i < a.operations.size(); ++i) {
      EXPECT_EQ(a.operations[i].machine, b.operations[i].machine);
      EXPECT_EQ(a.operations[i].start, b.operations[i].start);
    }
  }
}

TEST(JobshopSolve, IterationBudgetWithoutTimeLimit) {
  JobShopInstance inst = parse_fjs(kMk01);
  SolveOptions opt;
  opt.time_limit_ms = 0;
  opt.max_iterations = 500;
  SolveResult r = solve_checked(inst, opt);
  EXPECT_LE(r.iterations, 500);
  opt.max_iterations = 0;
  EXPECT_THROW(solve_jobshop(inst, opt), pp::Error);
}

TEST(JobshopSolve, CancelIsSeenQuickly) {
  JobShopInstance inst = parse_jsp(kFt06);
  pp::CancelToken cancel([] { return true; });
  SolveOptions opt;
  opt.time_limit_ms = 10000;
  opt.cancel = &cancel;
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(solve_jobshop(inst, opt), pp::Cancelled);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0.5);
}

TEST(JobshopSolve, ZeroDurationsEmptyJobsAndDuplicates) {
  // Zero-length operations everywhere, an empty job, a duplicated machine
  // alternative and a machine nobody uses.
  JobShopInstance inst = parse_fjs(
      "4 3\n"
      "3 1 1 0 2 1 2 2 0 1 2 0\n"
      "0\n"
      "2 2 1 0 1 3 1 2 0\n"
      "3 1 1 5 1 2 0 1 1 0\n");
  SolveOptions opt;
  opt.time_limit_ms = 500;
  opt.max_iterations = 2000;
  SolveResult r = solve_checked(inst, opt);
  EXPECT_EQ(r.makespan, 5);
  // All-zero job shop: makespan 0, optimal at once.
  JobShopInstance zero = parse_jsp("2 2\n0 0 1 0\n1 0 0 0\n");
  SolveResult z = solve_checked(zero, opt);
  EXPECT_EQ(z.makespan, 0);
  EXPECT_TRUE(z.proven_optimal);
}

TEST(JobshopSolve, RejectsInvalidInstances) {
  JobShopInstance inst;
  inst.machine_count = 2;
  inst.jobs.resize(1);
  inst.jobs[0].operations.resize(1);
  inst.jobs[0].operations[0].alternatives.push_back({2, 5});
  SolveOptions opt;
  EXPECT_THROW(solve_jobshop(inst, opt), pp::Error);
  inst.jobs[0].operations[0].alternatives[0] = {1, -1};
  EXPECT_THROW(solve_jobshop(inst, opt), pp::Error);
  inst.jobs[0].operations[0].alternatives.clear();
  EXPECT_THROW(solve_jobshop(inst, opt), pp::Error);
}

TEST(JobshopSolve, ConcurrentSolvesAgree) {
  JobShopInstance inst = parse_fjs(kMk01);
  SolveOptions opt;
  opt.time_limit_ms = 60000;
  opt.max_iterations = 2000;
  opt.seed = 5;
  SolveResult a, b;
  std::thread t([&] { a = solve_jobshop(inst, opt); });
  b = solve_jobshop(inst, opt);
  t.join();
  EXPECT_EQ(a.makespan, b.makespan);
  EXPECT_EQ(pp::test::check_jobshop_solution(inst, a), "");
}

// Every shared benchmark instance parses and our lower bound never exceeds
// the best known makespan.
TEST(JobshopShared, AllInstancesParseAndBoundsAreValid) {
  namespace fs = std::filesystem;
  const char* env = std::getenv("PRODPLAN_SHARED");
  fs::path shared = env != nullptr && *env != '\0' ? fs::path(env) : fs::path(PRODPLAN_SOURCE_DIR) / ".." / "shared";
  fs::path bench = shared / "bench";
  if (!fs::exists(bench / "jssp_bounds.csv") || !fs::exists(bench / "fjsp_bounds.csv"))
    GTEST_SKIP() << "skipped: no benchmark instances under " << bench;
  int checked = 0;
  for (auto [dir, csv, format] : {std::tuple{"jssp", "jssp_bounds.csv", JobShopFormat::Jsp},
                                  std::tuple{"fjsp", "fjsp_bounds.csv", JobShopFormat::Fjs}}) {
    std::istringstream rows(pp::test::read_bytes((bench / csv).string()));
    std::string line;
    std::getline(rows, line);
    while (std::getline(rows, line)) {
      if (line.empty()) continue;
      std::vector<std::string> f;
      std::istringstream fields(line);
      for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
      if (line.back() == ',') f.push_back("");
      ASSERT_GE(f.size(), 3u) << line;
      const std::string ext = format == JobShopFormat::Jsp ? ".txt" : ".fjs";
      fs::path file = bench / dir / (f[0] + ext);
      ASSERT_TRUE(fs::exists(file)) << file;
      JobShopInstance inst = parse_jobshop(pp::test::read_bytes(file.string()), format);
      ASSERT_FALSE(f.back().empty()) << line;
      const std::int64_t upper = std::stoll(f.back());
      const std::int64_t lb = makespan_lower_bound(build_problem(inst));
      EXPECT_LE(lb, upper) << f[0];
      ++checked;
    }
  }
  EXPECT_EQ(checked, 82 + 217);
}

}  // namespace test_jobshop
