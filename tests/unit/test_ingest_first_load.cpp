// FirstLoads (direct_split.h): a first load's rows are split into direct COPY
// lines and staged lines exactly as the SQL path would treat them, derived
// times come from rows loaded earlier in the run only when SQL would find the
// same, and reference match counts equal what SQL counts after its quarantine.
#include "core/ingest/direct_split.h"
#include "core/ingest/staging.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace test_ingest_first_load {

namespace {

using pp::ingest::DirectRules;
using pp::ingest::EntitySpec;
using pp::ingest::FirstLoads;
using pp::ingest::StagedEntity;

const EntitySpec& spec(const char* entity) { return *pp::ingest::find_entity(entity); }

// Rules as the SQL layer builds them: NOT NULL columns with a constant
// default (is_rework, is_lead false) get it for a NULL.
DirectRules rules(const char* entity, bool derived) {
  const EntitySpec& s = spec(entity);
  std::vector<std::optional<std::string>> defaults(s.columns.size());
  for (std::size_t c = 0; c < s.columns.size(); ++c)
    if (s.columns[c].name == "is_rework" || s.columns[c].name == "is_lead") defaults[c] = "false";
  return pp::ingest::make_direct_rules(s, "P1", defaults, derived);
}

StagedEntity part(const char* entity, std::string text, bool complete = true) {
  StagedEntity p;
  p.entity = entity;
  p.copy_text = std::move(text);
  p.complete = complete;
  return p;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Orders O1 (created 2024-01-05 06:00) and O2; no order O9.
const char* kOrders =
    "2\tO1\tPR1\t2024-01-05 06:00:00+00\t\\N\t\\N\t\\N\n"
    "3\tO2\tPR1\t2024-02-10 07:30:00+00\t\\N\t\\N\t\\N\n";

// Operations: A ends 2024-01-06; B has no dates (its order's creation);
// C has no dates and an unknown order (SQL quarantines it); D starts only.
const char* kOperations =
    "2\tA\tO1\tWC1\t1\tf\t1\t2024-01-06 08:00:00+00\t2024-01-06 10:00:00+00\t\\N\t1\t\\N\t5\n"
    "3\tB\tO2\tWC1\t2\t\\N\t1\t\\N\t\\N\t\\N\t1\t\\N\t5\n"
    "4\tC\tO9\tWC2\t1\tf\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n"
    "5\tD\tO1\tWC2\t2\tt\t2\t2024-01-07 09:00:00+00\t\\N\t\\N\t\\N\t\\N\t\\N\n";

struct LoadRun {
  std::vector<DirectRules> all;
  std::unique_ptr<FirstLoads> loads;
  explicit LoadRun(std::vector<DirectRules> r) : all(std::move(r)), loads(std::make_unique<FirstLoads>(all)) {}
  StagedEntity feed(const char* entity, const char* text) {
    StagedEntity p = part(entity, text);
    loads->split(spec(entity), p);
    loads->finish(spec(entity), p);
    return p;
  }
};

TEST(IngestFirstLoad, OperationsGoDirectWithTheirOwnOrTheirOrdersTime) {
  LoadRun run({rules("production_order", false), rules("operation", true)});
  StagedEntity orders = run.feed("production_order", kOrders);
  EXPECT_EQ(orders.direct_rows, 2u);
  EXPECT_EQ(orders.copy_text, "");
  EXPECT_EQ(lines(orders.direct_text)[0], "P1\tO1\tPR1\t2024-01-05 06:00:00+00\t\\N\t\\N\t\\N");

  StagedEntity ops = run.feed("operation", kOperations);
  const auto direct = lines(ops.direct_text);
  ASSERT_EQ(direct.size(), 3u);
  EXPECT_EQ(ops.direct_rows, 3u);
  // Own end time; the order's creation (B, whose NULL is_rework takes the
  // default); own start time.
  EXPECT_EQ(direct[0], "P1\tA\tO1\tWC1\t1\tf\t1\t2024-01-06 08:00:00+00\t2024-01-06 10:00:00+00\t\\N\t1\t\\N\t5\t"
                       "2024-01-06 10:00:00+00");
  EXPECT_EQ(direct[1], "P1\tB\tO2\tWC1\t2\tfalse\t1\t\\N\t\\N\t\\N\t1\t\\N\t5\t2024-02-10 07:30:00+00");
  EXPECT_EQ(direct[2], "P1\tD\tO1\tWC2\t2\tt\t2\t2024-01-07 09:00:00+00\t\\N\t\\N\t\\N\t\\N\t\\N\t"
                       "2024-01-07 09:00:00+00");
  // C's order is unknown to the run: SQL decides (and quarantines it).
  EXPECT_EQ(ops.copy_text, "4\tC\tO9\tWC2\t1\tf\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n");
  // The order's creation a row took widens the part's range of event times.
  EXPECT_EQ(ops.max_event_time, 1707550200);  // 2024-02-10 07:30:00 UTC
}

TEST(IngestFirstLoad, WithoutItsOrdersInTheRunAnOperationWithoutDatesIsStaged) {
  LoadRun run({rules("operation", true)});
  StagedEntity ops = run.feed("operation", kOperations);
  EXPECT_EQ(ops.direct_rows, 2u);  // A and D have dates
  EXPECT_EQ(lines(ops.copy_text).size(), 2u);
  EXPECT_TRUE(ops.references.empty());  // orders are not a first load of this run: SQL counts
}

TEST(IngestFirstLoad, DefectsTakeTheirOperationsTimeElseTheirOrdersCreation) {
  LoadRun run({rules("production_order", false), rules("operation", true), rules("defect", true)});
  run.feed("production_order", kOrders);
  run.feed("operation", kOperations);
  StagedEntity defects = run.feed("defect",
                                  "2\tO1\tA\tscratch\t\\N\tWC5\t2\n"   // A direct: its event time
                                  "3\tO2\tB\tcrack\tA\tWC5\t1\n"       // B direct (time from O2)
                                  "4\tO9\tC\tbubble\t\\N\tWC5\t3\n"    // C staged: SQL decides
                                  "5\tO2\tZ\tdent\t\\N\tWC5\t1\n"      // Z unknown: O2's creation
                                  "6\tO9\tZ\tdent\t\\N\tWC5\t1\n");    // neither known: staged
  const auto direct = lines(defects.direct_text);
  ASSERT_EQ(direct.size(), 3u);
  EXPECT_EQ(direct[0], "P1\tO1\tA\tscratch\t\\N\tWC5\t2\t2024-01-06 10:00:00+00");
  EXPECT_EQ(direct[1], "P1\tO2\tB\tcrack\tA\tWC5\t1\t2024-02-10 07:30:00+00");
  EXPECT_EQ(direct[2], "P1\tO2\tZ\tdent\t\\N\tWC5\t1\t2024-02-10 07:30:00+00");
  EXPECT_EQ(lines(defects.copy_text),
            (std::vector<std::string>{"4\tO9\tC\tbubble\t\\N\tWC5\t3", "6\tO9\tZ\tdent\t\\N\tWC5\t1"}));
  EXPECT_EQ(defects.min_event_time, 1704535200);  // 2024-01-06 10:00:00 UTC
  EXPECT_EQ(defects.max_event_time, 1707550200);
}

TEST(IngestFirstLoad, DefectsAreStagedWhenTheirOperationsAreNotAFirstLoad) {
  // SQL would look among the plant's stored operations first: the run cannot
  // know them, so not even the order's creation may be used.
  LoadRun run({rules("production_order", false), rules("defect", true)});
  run.feed("production_order", kOrders);
  StagedEntity defects = run.feed("defect", "2\tO1\tA\tscratch\t\\N\tWC5\t2\n");
  EXPECT_EQ(defects.direct_rows, 0u);
  EXPECT_EQ(defects.copy_text, "2\tO1\tA\tscratch\t\\N\tWC5\t2\n");
}

TEST(IngestFirstLoad, ReferenceCountsTakeOutWhatSqlQuarantines) {
  LoadRun run({rules("production_order", false), rules("operation", true), rules("operation_assignment", false)});
  run.feed("production_order", kOrders);
  StagedEntity ops = run.feed("operation", kOperations);
  ASSERT_EQ(ops.references.size(), 1u);
  const auto& to_orders = ops.references[0];
  EXPECT_EQ(to_orders.column, "order_id");
  EXPECT_EQ(to_orders.target, "production_order");
  EXPECT_EQ(to_orders.rows, 4u);
  EXPECT_EQ(to_orders.matched, 3u);  // C's O9 is unknown
  EXPECT_EQ(to_orders.staged_counted, (std::vector<std::uint32_t>{4}));
  // SQL quarantines C (row 4): it leaves the rows, and it matched nothing.
  EXPECT_EQ(to_orders.counts({4}, {}), (std::pair<std::uint64_t, std::uint64_t>{3, 3}));

  StagedEntity as = run.feed("operation_assignment",
                             "2\tA\tE1\t\\N\n"
                             "3\tC\tE1\tt\n"   // C: a staged operation
                             "4\tQ\tE2\tf\n");  // no operation Q
  EXPECT_EQ(as.direct_rows, 3u);
  EXPECT_EQ(lines(as.direct_text)[0], "P1\tA\tE1\tfalse");
  ASSERT_EQ(as.references.size(), 1u);  // employees are not a first load of this run
  const auto& to_ops = as.references[0];
  EXPECT_EQ(to_ops.rows, 3u);
  EXPECT_EQ(to_ops.matched, 2u);
  EXPECT_EQ(to_ops.staged_target, (std::vector<std::pair<std::uint32_t, std::uint32_t>>{{4, 3}}));
  // C kept (SQL found its time elsewhere): 2 matched; C quarantined: 1.
  EXPECT_EQ(to_ops.counts({}, {}), (std::pair<std::uint64_t, std::uint64_t>{3, 2}));
  EXPECT_EQ(to_ops.counts({}, {4}), (std::pair<std::uint64_t, std::uint64_t>{3, 1}));
}

TEST(IngestFirstLoad, ARowQuarantinedOnBothSidesIsTakenOutOnce) {
  pp::ingest::ReferenceTally t;
  t.rows = 10;
  t.matched = 8;
  t.staged_counted = {7, 9};
  t.staged_matched = {7};
  t.staged_target = {{3, 7}, {5, 8}};
  // Row 7 (matched target row 3) quarantined with its target: one row, one match out.
  EXPECT_EQ(t.counts({7}, {3}), (std::pair<std::uint64_t, std::uint64_t>{9, 7}));
  // Target row 5 quarantined: row 8 no longer matches.
  EXPECT_EQ(t.counts({}, {3, 5}), (std::pair<std::uint64_t, std::uint64_t>{10, 6}));
}

TEST(IngestFirstLoad, ALaterPartsRowReplacesAnEarlierOnesInCountsAndLookups) {
  LoadRun run({rules("production_order", false), rules("operation", true), rules("defect", true)});
  run.feed("production_order", kOrders);
  // Part 1: A ends on Jan 6; part 2 repeats A (row 9, with another order and
  // no dates): A is staged there, its row 2 superseded.
  StagedEntity p1 = part("operation", "2\tA\tO1\tWC1\t1\tf\t1\t\\N\t2024-01-06 10:00:00+00\t\\N\t\\N\t\\N\t\\N\n",
                         false);
  run.loads->split(spec("operation"), p1);
  EXPECT_EQ(p1.direct_rows, 1u);
  StagedEntity p2 = part("operation", "9\tA\tO9\tWC1\t1\tf\t1\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n");
  p2.newly_superseded = {2};
  p2.superseding = {9};
  run.loads->split(spec("operation"), p2);
  run.loads->finish(spec("operation"), p2);
  EXPECT_EQ(p2.direct_rows, 0u);
  ASSERT_EQ(p2.references.size(), 1u);
  EXPECT_EQ(p2.references[0].rows, 1u);  // row 2 left, row 9 counted
  EXPECT_EQ(p2.references[0].matched, 0u);
  EXPECT_EQ(p2.references[0].staged_counted, (std::vector<std::uint32_t>{9}));
  // A defect on A: A is now a staged row, whose time SQL decides.
  StagedEntity d = run.feed("defect", "2\tO1\tA\tscratch\t\\N\tWC5\t2\n");
  EXPECT_EQ(d.direct_rows, 0u);
}

TEST(IngestFirstLoad, ConstantDefaults) {
  EXPECT_TRUE(pp::ingest::constant_default("false"));
  EXPECT_TRUE(pp::ingest::constant_default("1"));
  EXPECT_TRUE(pp::ingest::constant_default("-2.5"));
  EXPECT_FALSE(pp::ingest::constant_default("now()"));
  EXPECT_FALSE(pp::ingest::constant_default("'x'::text"));
  EXPECT_FALSE(pp::ingest::constant_default("1."));
  EXPECT_FALSE(pp::ingest::constant_default(""));
}

TEST(IngestFirstLoad, ANonConstantDefaultStagesTheRowsThatNeedIt) {
  const EntitySpec& s = spec("operation_assignment");
  std::vector<std::optional<std::string>> defaults(s.columns.size());
  defaults[2] = "";  // is_lead: a default that is not a constant
  std::vector<DirectRules> all = {pp::ingest::make_direct_rules(s, "P\t1", defaults, false)};
  FirstLoads loads(all);
  StagedEntity p = part("operation_assignment", "2\tA\tE1\t\\N\n3\tB\tE1\tt\n");
  loads.split(s, p);
  EXPECT_EQ(p.copy_text, "2\tA\tE1\t\\N\n");
  EXPECT_EQ(p.direct_text, "P\\t1\tB\tE1\tt\n");  // the plant is COPY-escaped
}

}  // namespace

}  // namespace test_ingest_first_load
