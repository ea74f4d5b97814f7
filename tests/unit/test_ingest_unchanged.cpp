// UnchangedFilter: staged rows the canonical table already holds as they are
// are kept back; everything else (new, changed, undecided) passes.
#include "core/ingest/unchanged_filter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace test_ingest_unchanged {

namespace {

using pp::ingest::StoredCell;

StoredCell text(const char* s) {
  StoredCell c;
  c.null = false;
  c.text = s;
  c.text_len = std::char_traits<char>::length(s);
  return c;
}
StoredCell integer(std::int64_t v) {
  StoredCell c;
  c.null = false;
  c.integer = v;
  return c;
}
StoredCell real(double v) {
  StoredCell c;
  c.null = false;
  c.real = v;
  return c;
}
StoredCell null() { return StoredCell{}; }

// 2024-03-01 08:00:00 UTC and one hour later.
constexpr std::int64_t kT0 = 1709280000;
constexpr std::int64_t kT1 = kT0 + 3600;

// An operation as stored: the spec's 12 columns, then event_time.
std::vector<StoredCell> stored_op(const char* id, std::int64_t ended, double weight) {
  return {text(id),     text("O1"),     text("WC1"), integer(2), integer(0), integer(1),
          integer(kT0), integer(ended), null(),      real(4.5),  null(),     real(weight),
          integer(ended)};
}

pp::ingest::UnchangedRules op_rules(const pp::ingest::EntitySpec& spec) {
  pp::ingest::UnchangedRules r;
  r.null_keeps_stored.assign(spec.columns.size(), false);
  r.null_keeps_stored[4] = true;  // is_rework: NOT NULL DEFAULT false
  r.derived_from = {7, 6, 8};     // ended_at, started_at, planned_at
  return r;
}

TEST(IngestUnchanged, KeepsBackOnlyRowsStoredExactlyAsStaged) {
  const pp::ingest::EntitySpec& spec = *pp::ingest::find_entity("operation");
  pp::ingest::UnchangedFilter filter(spec, op_rules(spec));
  filter.add_stored(stored_op("A", kT1, 12.25).data());
  filter.add_stored(stored_op("B", kT1, 12.25).data());
  std::vector<StoredCell> d = stored_op("D", kT1, 12.25);
  d[6] = d[7] = null();
  filter.add_stored(d.data());
  filter.add_stored(stored_op("E", kT1, 12.25).data());
  filter.add_stored(stored_op("E", kT1, 12.25).data());  // a key stored twice
  std::vector<StoredCell> f = stored_op("F", kT1, 12.25);
  f[7].representable = false;  // e.g. fractional seconds
  filter.add_stored(f.data());
  filter.add_stored(stored_op("G", kT0, 12.25).data());  // another end time
  filter.add_stored(stored_op("Z", kT1, 12.25).data());  // stored only
  EXPECT_EQ(filter.stored(), 8u);
  // source_row, operation_id, order_id, work_center_id, sequence, is_rework,
  // shift, started_at, ended_at, planned_at, coefficient, coefficient_x, weight_kg
  const std::string tail = "\t2024-03-01 08:00:00+00\t2024-03-01 09:00:00+00\t\\N\t4.5\t\\N\t12.25\n";
  const std::string staged = "2\tA\tO1\tWC1\t2\t\\N\t1" + tail +  // same; NULL flag keeps the stored one
                             "3\tB\tO1\tWC1\t2\tf\t1\t2024-03-01 08:00:00+00\t2024-03-01 09:00:00+00\t\\N\t4.5\t\\N\t13\n" +
                             "4\tC\tO1\tWC1\t2\tf\t1" + tail +  // not stored
                             "5\tD\tO1\tWC1\t2\tf\t1\t\\N\t\\N\t\\N\t4.5\t\\N\t12.25\n" +  // time from the order
                             "6\tE\tO1\tWC1\t2\tf\t1" + tail +  // stored twice
                             "7\tF\tO1\tWC1\t2\tf\t1" + tail +  // not representable
                             "8\tG\tO1\tWC1\t2\tf\t1" + tail;   // derived time differs
  std::vector<std::uint32_t> kept;
  const std::string rest = filter.filter(staged, kept);
  EXPECT_EQ(kept, std::vector<std::uint32_t>{2});
  EXPECT_EQ(rest.find("2\tA"), std::string::npos);
  for (const char* r : {"3\tB", "4\tC", "5\tD", "6\tE", "7\tF", "8\tG"}) EXPECT_NE(rest.find(r), std::string::npos) << r;
}

TEST(IngestUnchanged, NullKeepsStoredOnlyWhereTheRulesSay) {
  const pp::ingest::EntitySpec& spec = *pp::ingest::find_entity("operation_assignment");
  pp::ingest::UnchangedRules r;
  r.null_keeps_stored = {false, false, true};
  pp::ingest::UnchangedFilter filter(spec, r);
  std::vector<StoredCell> a = {text("10"), text("E1"), integer(0)};
  std::vector<StoredCell> b = {text("11"), text("E1"), integer(1)};
  std::vector<StoredCell> c = {text("12"), text("E1"), integer(0)};
  filter.add_stored(a.data());
  filter.add_stored(b.data());
  filter.add_stored(c.data());
  std::vector<std::uint32_t> kept;
  // In two chunks, as the sheet is parsed.
  EXPECT_EQ(filter.filter("2\t10\tE1\t\\N\n3\t11\tE1\tt\n", kept), "");
  EXPECT_EQ(filter.filter("4\t12\tE1\tt\n5\t13\tE1\tf\n", kept), "4\t12\tE1\tt\n5\t13\tE1\tf\n");
  EXPECT_EQ(kept, (std::vector<std::uint32_t>{2, 3}));
}

TEST(IngestUnchanged, CompositeKeysEscapedTextAndManyRows) {
  const pp::ingest::EntitySpec& spec = *pp::ingest::find_entity("routing_step");
  pp::ingest::UnchangedRules r;
  r.null_keeps_stored.assign(spec.columns.size(), false);
  pp::ingest::UnchangedFilter filter(spec, r);
  // product_id, work_center_id, sequence, coefficient, coefficient_x
  std::vector<StoredCell> s1 = {text("P\t1"), text("W"), integer(1), real(0.1), null()};
  std::vector<StoredCell> s2 = {text("P\t1"), text("W"), integer(2), real(0.1000001), null()};
  filter.add_stored(s1.data());
  filter.add_stored(s2.data());
  std::vector<std::string> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back("X" + std::to_string(i));  // forces the index to grow
  for (const std::string& id : ids) {
    std::vector<StoredCell> s = {text(id.c_str()), text("W"), integer(1), null(), null()};
    filter.add_stored(s.data());
  }
  std::vector<std::uint32_t> kept;
  EXPECT_EQ(filter.filter("2\tP\\t1\tW\t1\t0.1\t\\N\n3\tP\\t1\tW\t2\t0.1\t\\N\n4\tX4999\tW\t1\t\\N\t\\N\n", kept),
            "3\tP\\t1\tW\t2\t0.1\t\\N\n");
  EXPECT_EQ(kept, (std::vector<std::uint32_t>{2, 4}));
}

}  // namespace

// What a reload counts references from: the stored rows' keys, and the
// stored values of a referencing column that those keys hold; nothing when
// the stored rows are not all indexed.
TEST(IngestUnchanged, StoredKeysAndReferenceCounts) {
  const pp::ingest::EntitySpec& ops = *pp::ingest::find_entity("operation");
  pp::ingest::UnchangedFilter filter(ops, op_rules(ops));
  std::vector<StoredCell> a = stored_op("A", kT1, 1), b = stored_op("B", kT1, 2), c = stored_op("C", kT1, 3);
  b[1] = text("O2");
  c[1] = text("O9");
  for (const auto* row : {&a, &b, &c}) filter.add_stored(row->data());
  ASSERT_TRUE(filter.complete());
  const pp::ingest::detail::KeyIndex keys = filter.keys();
  EXPECT_NE(keys.find("A"), nullptr);
  EXPECT_NE(keys.find("C"), nullptr);
  EXPECT_EQ(keys.find("D"), nullptr);
  EXPECT_EQ(keys.find("A\t"), nullptr);  // the key, not its stored form

  pp::ingest::detail::KeyIndex orders;
  orders.put("O1", 0, std::nullopt);
  orders.put("O2", 0, std::nullopt);
  const auto counted = filter.count_references(1, orders);  // order_id
  ASSERT_TRUE(counted.has_value());
  EXPECT_EQ(*counted, (std::pair<std::uint64_t, std::uint64_t>{3, 2}));
  // A key column counts too (the operation's own id against a key set).
  EXPECT_EQ(*filter.count_references(0, keys), (std::pair<std::uint64_t, std::uint64_t>{3, 3}));

  // A key stored twice: the filter no longer holds every row.
  filter.add_stored(stored_op("A", kT0, 9).data());
  EXPECT_FALSE(filter.complete());
  EXPECT_FALSE(filter.count_references(1, orders).has_value());
  EXPECT_EQ(filter.keys().find("A"), nullptr);
}

}  // namespace test_ingest_unchanged
