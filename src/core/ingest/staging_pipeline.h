// Staging on a worker thread, so the SQL layer can merge entity i while the
// workbook's next sheets are still being parsed and validated.
//
// Threading contract (../shared/CONVENTIONS.md 11): the worker thread starts
// with every signal blocked, never calls back into the caller, and only
// touches this object's queue; everything the SQL layer does (SPI, COPY,
// shared memory, interrupts) stays on the calling thread, which polls next().
// Cancellation: cancel() (or the destructor) raises a flag the worker polls
// every few thousand rows; the destructor always joins the worker.
#pragma once
#include "core/common/core_only.h"
#include "core/ingest/staging.h"

#include <cstddef>
#include <memory>
#include <string>

namespace pp::ingest {

class StagingPipeline {
 public:
  // Starts staging the workbook. `data`, `aliases` and `sheet_aliases` are
  // not copied: they must outlive the pipeline. options is copied.
  StagingPipeline(const void* data, std::size_t size, const std::vector<ColumnAlias>& aliases,
                  const std::vector<SheetAlias>& sheet_aliases, const IngestOptions& options);
  ~StagingPipeline();
  StagingPipeline(const StagingPipeline&) = delete;
  StagingPipeline& operator=(const StagingPipeline&) = delete;

  enum class Next { Ready, Pending, Done };
  // Waits up to timeout_ms (milliseconds) for the next staged entity, in
  // workbook_entities() order. Ready: moved into entity/report. With
  // options.chunk_bytes, an entity may come as chunks first (entity.complete
  // false, report empty), then its final part (staging.h, StagedEntity). Pending: none
  // yet (poll again after serving interrupts). Done: every entity was handed
  // out. Rethrows, on the calling thread, whatever the worker threw.
  Next next(StagedEntity& entity, SheetReport& report, int timeout_ms);

  // After Done: quarantine records and ignored sheets (the sheets' reports
  // were handed out with their entities).
  WorkbookPlan take_plan();

  // The sheet being read and its rows so far, for progress reporting.
  void progress(std::string& sheet, std::size_t& rows) const;

  // Seconds the worker spent parsing and staging (valid after Done).
  double worker_seconds() const;

  // Asks the worker to stop at its next poll (it then ends with Cancelled).
  void cancel();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pp::ingest
