// StagingPipeline: the same staging as stage_workbook, on a worker thread.
#include "core/demo/generator.h"
#include "core/ingest/staging_pipeline.h"
#include "core/xlsx/workbook_writer.h"
#include "support/test_files.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace test_ingest_pipeline {

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string demo_workbook(double scale, int seed) {
  pp::test::TempDir dir("pp_pipeline");
  pp::demo::DemoOptions opt;
  opt.scale = scale;
  opt.seed = seed;
  const pp::model::Factory f = pp::demo::generate_demo(opt);
  pp::xlsx::write_reference_workbook(f, dir.file("w.xlsx"), {});
  return pp::test::read_bytes(dir.file("w.xlsx"));
}

TEST(IngestPipeline, HandsOutWhatStageWorkbookStagesInOrder) {
  const std::string wb = demo_workbook(0.01, 5);
  const auto& aliases = pp::ingest::default_column_aliases();
  const auto& sheets = pp::ingest::default_sheet_aliases();
  pp::ingest::IngestOptions options;

  std::vector<std::string> direct_entities, direct_text;
  pp::ingest::IngestCallbacks cb;
  cb.on_entity = [&](pp::ingest::StagedEntity& e, const pp::ingest::SheetReport&) {
    direct_entities.push_back(e.entity);
    direct_text.push_back(e.copy_text);
  };
  const pp::ingest::WorkbookPlan direct = pp::ingest::stage_workbook(wb.data(), wb.size(), aliases, sheets, options, cb);

  pp::ingest::StagingPipeline pipeline(wb.data(), wb.size(), aliases, sheets, options);
  std::vector<std::string> entities, text;
  pp::ingest::StagedEntity e;
  pp::ingest::SheetReport r;
  for (;;) {
    const auto n = pipeline.next(e, r, 50);
    if (n == pp::ingest::StagingPipeline::Next::Done) break;
    if (n == pp::ingest::StagingPipeline::Next::Pending) continue;
    EXPECT_EQ(r.entity, e.entity);
    EXPECT_EQ(r.rows_read, r.staged + r.quarantined + r.duplicates);
    entities.push_back(e.entity);
    text.push_back(e.copy_text);
  }
  EXPECT_EQ(entities, direct_entities);
  EXPECT_EQ(text, direct_text);
  const pp::ingest::WorkbookPlan plan = pipeline.take_plan();
  EXPECT_EQ(plan.quarantine.size(), direct.quarantine.size());
  EXPECT_GT(pipeline.worker_seconds(), 0.0);
}

// In chunks, each entity's parts minus its superseded rows are the rows
// stage_workbook stages in one piece (in another order when keys repeat).
TEST(IngestPipeline, ChunksReassembleToTheUnchunkedRows) {
  const std::string wb = demo_workbook(0.02, 7);
  const auto& aliases = pp::ingest::default_column_aliases();
  const auto& sheets = pp::ingest::default_sheet_aliases();
  pp::ingest::IngestOptions options;

  std::map<std::string, std::vector<std::string>> direct;
  std::map<std::string, std::size_t> direct_rows;
  pp::ingest::IngestCallbacks cb;
  cb.on_entity = [&](pp::ingest::StagedEntity& e, const pp::ingest::SheetReport&) {
    direct[e.entity] = split_lines(e.copy_text);
    direct_rows[e.entity] = e.rows;
  };
  pp::ingest::stage_workbook(wb.data(), wb.size(), aliases, sheets, options, cb);

  options.chunk_bytes = 4096;
  pp::ingest::StagingPipeline pipeline(wb.data(), wb.size(), aliases, sheets, options);
  std::map<std::string, std::vector<std::string>> parts;
  std::map<std::string, std::size_t> chunk_rows;
  std::size_t chunks = 0, superseded = 0;
  // What a consumer that stores each part as it arrives holds: it removes a
  // part's newly_superseded rows (all from earlier parts) before adding it.
  std::map<std::string, std::map<std::string, std::string>> applied;
  std::map<std::string, std::set<std::uint32_t>> newly;
  pp::ingest::StagedEntity e;
  pp::ingest::SheetReport r;
  for (;;) {
    const auto n = pipeline.next(e, r, 50);
    if (n == pp::ingest::StagingPipeline::Next::Done) break;
    if (n == pp::ingest::StagingPipeline::Next::Pending) continue;
    std::vector<std::string> lines = split_lines(e.copy_text);
    std::vector<std::string>& all = parts[e.entity];
    std::map<std::string, std::string>& held = applied[e.entity];
    for (std::uint32_t s : e.newly_superseded) {
      EXPECT_EQ(held.erase(std::to_string(s)), 1u) << e.entity << " row " << s << " was not in an earlier part";
      EXPECT_TRUE(newly[e.entity].insert(s).second);
    }
    for (const std::string& l : lines) EXPECT_TRUE(held.emplace(l.substr(0, l.find('\t')), l).second);
    // Each replacing row is one of this part's rows.
    ASSERT_EQ(e.superseding.size(), e.newly_superseded.size());
    std::set<std::string> here;
    for (const std::string& l : lines) here.insert(l.substr(0, l.find('\t')));
    for (std::uint32_t s : e.superseding) EXPECT_EQ(here.count(std::to_string(s)), 1u) << e.entity << " row " << s;
    // Operations carry the range of their parts' event times; others none.
    if (e.entity == "operation" && !lines.empty()) {
      EXPECT_LE(e.min_event_time, e.max_event_time);
    } else if (e.entity != "operation") {
      EXPECT_GT(e.min_event_time, e.max_event_time) << e.entity;
    }
    if (!e.complete) {
      ++chunks;
      EXPECT_EQ(lines.size(), e.rows);
      chunk_rows[e.entity] += e.rows;
      all.insert(all.end(), lines.begin(), lines.end());
      continue;
    }
    EXPECT_EQ(r.entity, e.entity);
    EXPECT_EQ(e.rows, r.staged);
    all.insert(all.end(), lines.begin(), lines.end());
    EXPECT_EQ(all.size(), chunk_rows[e.entity] + lines.size());
    // Delete the superseded rows (source_row is the first field).
    std::set<std::string> gone;
    for (std::uint32_t s : e.superseded_rows) gone.insert(std::to_string(s));
    superseded += gone.size();
    std::vector<std::string> kept;
    for (const std::string& l : all)
      if (!gone.count(l.substr(0, l.find('\t')))) kept.push_back(l);
    EXPECT_EQ(kept.size(), e.rows) << e.entity;
    std::vector<std::string> want = direct[e.entity];
    std::sort(kept.begin(), kept.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(kept, want) << e.entity;
    EXPECT_EQ(e.rows, direct_rows[e.entity]);
    std::vector<std::string> streamed;
    for (const auto& [row, line] : held) streamed.push_back(line);
    std::sort(streamed.begin(), streamed.end());
    EXPECT_EQ(streamed, want) << e.entity;
    EXPECT_EQ(newly[e.entity], std::set<std::uint32_t>(e.superseded_rows.begin(), e.superseded_rows.end()));
  }
  EXPECT_GT(chunks, 10u);
  EXPECT_EQ(parts.size(), direct.size());
  // The demo workbook repeats keys across its sheets (planted duplicates).
  EXPECT_GT(superseded, 0u);
}

TEST(IngestPipeline, WorkerErrorsReachTheCaller) {
  const std::string junk = "not a workbook";
  pp::ingest::StagingPipeline pipeline(junk.data(), junk.size(), pp::ingest::default_column_aliases(),
                                       pp::ingest::default_sheet_aliases(), {});
  pp::ingest::StagedEntity e;
  pp::ingest::SheetReport r;
  EXPECT_THROW(
      {
        while (pipeline.next(e, r, 50) != pp::ingest::StagingPipeline::Next::Done) {
        }
      },
      pp::Error);
}

TEST(IngestPipeline, CancelStopsTheWorkerAndDestructionJoins) {
  const std::string wb = demo_workbook(0.05, 6);
  pp::ingest::StagingPipeline pipeline(wb.data(), wb.size(), pp::ingest::default_column_aliases(),
                                       pp::ingest::default_sheet_aliases(), {});
  pipeline.cancel();
  pp::ingest::StagedEntity e;
  pp::ingest::SheetReport r;
  bool cancelled = false;
  try {
    while (pipeline.next(e, r, 50) != pp::ingest::StagingPipeline::Next::Done) {
    }
  } catch (const pp::Cancelled&) {
    cancelled = true;
  }
  EXPECT_TRUE(cancelled);
}

TEST(IngestPipeline, DestructorJoinsARunningWorker) {
  const std::string wb = demo_workbook(0.05, 6);
  { pp::ingest::StagingPipeline pipeline(wb.data(), wb.size(), pp::ingest::default_column_aliases(),
                                         pp::ingest::default_sheet_aliases(), {}); }
  SUCCEED();
}

}  // namespace

}  // namespace test_ingest_pipeline
