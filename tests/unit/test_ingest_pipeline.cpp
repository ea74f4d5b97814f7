// StagingPipeline: the same staging as stage_workbook, on a worker thread.
#include "core/demo/generator.h"
#include "core/ingest/staging_pipeline.h"
#include "core/xlsx/workbook_writer.h"
#include "support/test_files.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

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
