#include "core/model/copy_rows.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace test_copy_rows {

namespace {

using namespace pp::model;

Factory tiny_factory() {
  Factory f;
  f.plant_id = "P1";
  f.plant_name = "Tab\tand\\backslash";
  f.calendars.push_back({"C1", "Two shifts", "UTC"});
  f.shifts.push_back({"C1", 1, 0x1F, 360, 840});
  WorkCenter wc;
  wc.work_center_id = "10";
  wc.name = "Laminação";
  wc.calendar_id = "C1";
  f.work_centers.push_back(wc);
  Operation op;
  op.operation_id = "100";
  op.order_id = "7";
  op.work_center_id = "10";
  op.started_at = 1794787200;
  op.planned_at = 1794700800;
  op.coefficient = 0.1;
  op.weight_kg = 12.5;
  op.shift = 2;
  op.event_time = 1794787200;
  f.operations.push_back(op);
  Defect d;
  d.description = "Bolhas\nno gelcoat";
  d.order_id = "7";
  d.evaluation_operation_id = "101";
  d.evaluation_work_center_id = "40";
  d.severity = 2;
  d.detected_at = 1794790000;
  f.defects.push_back(d);
  return f;
}

std::size_t index_of(const char* table) {
  const auto& specs = canonical_copy_tables();
  for (std::size_t i = 0; i < specs.size(); ++i)
    if (std::string(specs[i].table) == table) return i;
  ADD_FAILURE() << "no table " << table;
  return 0;
}

TEST(CopyRows, EveryTableHasAWriterAndUniqueName) {
  const Factory f = tiny_factory();
  std::set<std::string> names;
  for (std::size_t i = 0; i < canonical_copy_tables().size(); ++i) {
    std::string out;
    EXPECT_EQ(append_copy_rows(f, i, out), copy_row_count(f, i)) << canonical_copy_tables()[i].table;
    EXPECT_TRUE(names.insert(canonical_copy_tables()[i].table).second);
    // Each line has exactly one field per column.
    std::size_t start = 0;
    while (start < out.size()) {
      std::size_t end = out.find('\n', start);
      ASSERT_NE(end, std::string::npos);
      std::size_t tabs = 0;
      for (std::size_t k = start; k < end; ++k) tabs += out[k] == '\t';
      EXPECT_EQ(tabs + 1, canonical_copy_tables()[i].columns.size()) << canonical_copy_tables()[i].table;
      start = end + 1;
    }
  }
  std::string sink;
  EXPECT_THROW(append_copy_rows(f, canonical_copy_tables().size(), sink), pp::Error);
}

TEST(CopyRows, EscapesAndNulls) {
  const Factory f = tiny_factory();
  std::string out;
  append_copy_rows(f, index_of("plant"), out);
  EXPECT_EQ(out, "P1\tTab\\tand\\\\backslash\tUTC\n");
  out.clear();
  append_copy_rows(f, index_of("operation"), out);
  EXPECT_EQ(out,
            "P1\t100\t7\t10\t0\tf\t2\t2026-11-16 00:00:00+00\t\\N\t2026-11-15 00:00:00+00\t0.1\t\\N\t12.5"
            "\t2026-11-16 00:00:00+00\n");
  out.clear();
  append_copy_rows(f, index_of("defect"), out);
  EXPECT_EQ(out, "P1\t7\t101\tBolhas\\nno gelcoat\t\\N\t40\t2\t2026-11-16 00:46:40+00\n");
  out.clear();
  append_copy_rows(f, index_of("calendar_shift"), out);
  EXPECT_EQ(out, "P1\tC1\t1\t{1,2,3,4,5}\t360\t840\n");
}

TEST(CopyRows, PartitionRangeCoversEveryPartitionedRow) {
  const Factory f = tiny_factory();
  auto [lo, hi] = partition_time_range(f);
  EXPECT_EQ(lo, 1794787200);
  EXPECT_EQ(hi, 1794790000);
  EXPECT_EQ(partition_time_range(Factory{}), std::make_pair(Time{0}, Time{0}));
}

TEST(CopyRows, PollsCancellation) {
  Factory f = tiny_factory();
  f.operations.resize(10000, f.operations[0]);
  pp::CancelToken cancel([] { return true; });
  std::string out;
  EXPECT_THROW(append_copy_rows(f, index_of("operation"), out, cancel), pp::Cancelled);
}

}  // namespace

}  // namespace test_copy_rows
