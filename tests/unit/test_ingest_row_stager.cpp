// RowStager: rows of a table (the CSV path) go through the workbook rules.
#include "core/ingest/staging.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace test_ingest_row_stager {

namespace {

using pp::ingest::RowStager;
using Cells = std::vector<std::optional<std::string_view>>;

struct Staged {
  std::string copy_text;
  pp::ingest::SheetReport report;
  pp::ingest::WorkbookPlan plan;
};

Staged stage(std::string_view entity, const std::vector<Cells>& rows, const std::string& profile = "canonical") {
  Staged out;
  pp::ingest::IngestOptions options;
  options.profile = profile;
  pp::ingest::IngestCallbacks callbacks;
  callbacks.on_entity = [&](pp::ingest::StagedEntity& e, const pp::ingest::SheetReport& r) {
    out.copy_text = e.copy_text;
    out.report = r;
  };
  const auto& aliases = pp::ingest::default_column_aliases();
  RowStager stager(entity, "employees_csv", aliases, options, callbacks);
  std::uint32_t n = 1;
  for (const Cells& row : rows) stager.add_row(n++, row);
  out.plan = stager.finish();
  return out;
}

TEST(IngestRowStager, StagesDedupsAndQuarantinesLikeASheet) {
  const Staged s = stage("employee", {
                                         {"employee_id", "name", "is_active", "badge_colour"},
                                         {"7", "Ana", "true", "red"},
                                         {"8", std::nullopt, "1", "blue"},  // name is required
                                         {" 7 ", "Ana Maria", "0", "red"},  // same key: the last one wins
                                         {"9", "Rui", "maybe", std::nullopt},  // not a flag
                                         {std::nullopt, std::nullopt, std::nullopt, std::nullopt},  // empty row
                                         {"10", "Eva", std::nullopt},
                                     });
  EXPECT_EQ(s.report.sheet, "employees_csv");
  EXPECT_EQ(s.report.rows_read, 5u);
  EXPECT_EQ(s.report.staged, 2u);
  EXPECT_EQ(s.report.duplicates, 1u);
  EXPECT_EQ(s.report.quarantined, 2u);
  ASSERT_EQ(s.report.unknown_headers.size(), 1u);
  EXPECT_EQ(s.report.unknown_headers[0], "badge_colour");
  EXPECT_EQ(s.copy_text, "4\t7\tAna Maria\tf\n7\t10\tEva\t\\N\n");
  ASSERT_EQ(s.plan.quarantine.size(), 2u);
  EXPECT_EQ(s.plan.quarantine[0].row_number, 3u);
  EXPECT_EQ(s.plan.quarantine[0].reason_code, "missing_required");
  EXPECT_EQ(s.plan.quarantine[1].row_number, 5u);
  EXPECT_EQ(s.plan.quarantine[1].reason_code, "bad_flag");
  EXPECT_NE(s.plan.quarantine[1].raw_json.find("\"is_active\""), std::string::npos);
}

TEST(IngestRowStager, MissingRequiredColumnNamesItAndTheHeadersFound) {
  try {
    stage("operation", {{"operation_id", "started_at"}, {"1", "2024-01-02 08:00:00"}});
    FAIL() << "expected an error";
  } catch (const pp::Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("order_id"), std::string::npos) << m;
    EXPECT_NE(m.find("work_center_id"), std::string::npos) << m;
    EXPECT_NE(m.find("started_at"), std::string::npos) << m;
  }
}

TEST(IngestRowStager, UnknownEntityAndMissingHeaderAreErrors) {
  EXPECT_THROW(stage("no_such_entity", {{"a"}}), pp::Error);
  EXPECT_THROW(stage("employee", {}), pp::Error);
  EXPECT_THROW(stage("employee", {{std::nullopt}, {"1", "x"}}), pp::Error);
}

}  // namespace

}  // namespace test_ingest_row_stager
