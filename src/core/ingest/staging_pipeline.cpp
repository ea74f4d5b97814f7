#include "core/ingest/staging_pipeline.h"

#include "core/common/errors.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <signal.h>
#include <thread>

namespace pp::ingest {

namespace {
// CancelToken probes take no argument: the worker thread finds its own flag here.
thread_local const std::atomic<bool>* worker_cancel_flag = nullptr;
bool worker_cancel_requested() {
  return worker_cancel_flag != nullptr && worker_cancel_flag->load(std::memory_order_relaxed);
}
}  // namespace

struct StagingPipeline::Impl {
  const void* data;
  std::size_t size;
  const std::vector<ColumnAlias>& aliases;
  const std::vector<SheetAlias>& sheet_aliases;
  IngestOptions options;

  std::atomic<bool> cancel_flag{false};
  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<StagedEntity, SheetReport>> ready;  // guarded by mu
  bool finished = false;                                   // guarded by mu
  std::exception_ptr error;                                // guarded by mu
  WorkbookPlan plan;                                       // written by the worker before finished
  std::string progress_sheet;                              // guarded by mu
  std::size_t progress_rows = 0;                           // guarded by mu
  double seconds = 0;
  std::thread worker;

  Impl(const void* d, std::size_t n, const std::vector<ColumnAlias>& a, const std::vector<SheetAlias>& s,
       const IngestOptions& o)
      : data(d), size(n), aliases(a), sheet_aliases(s), options(o) {}

  void run() {
    worker_cancel_flag = &cancel_flag;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      IngestCallbacks cb;
      cb.on_entity = [this](StagedEntity& e, const SheetReport& r) {
        std::lock_guard<std::mutex> lock(mu);
        ready.emplace_back(std::move(e), r);
        cv.notify_all();
      };
      cb.on_chunk = [this](StagedEntity& e) {
        std::lock_guard<std::mutex> lock(mu);
        ready.emplace_back(std::move(e), SheetReport{});
        cv.notify_all();
      };
      cb.on_progress = [this](std::string_view sheet, std::size_t rows) {
        std::lock_guard<std::mutex> lock(mu);
        if (progress_sheet != sheet) progress_sheet.assign(sheet);
        progress_rows = rows;
      };
      WorkbookPlan p = stage_workbook(data, size, aliases, sheet_aliases, options, cb,
                                      CancelToken(&worker_cancel_requested));
      std::lock_guard<std::mutex> lock(mu);
      plan = std::move(p);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu);
      error = std::current_exception();
    }
    const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
    std::lock_guard<std::mutex> lock(mu);
    seconds = dt.count();
    finished = true;
    cv.notify_all();
  }
};

StagingPipeline::StagingPipeline(const void* data, std::size_t size, const std::vector<ColumnAlias>& aliases,
                                 const std::vector<SheetAlias>& sheet_aliases, const IngestOptions& options)
    : impl_(std::make_unique<Impl>(data, size, aliases, sheet_aliases, options)) {
  // The worker inherits the creating thread's signal mask: block everything
  // around its creation so that signals keep going to the calling thread.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  try {
    impl_->worker = std::thread([impl = impl_.get()] { impl->run(); });
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    throw;
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

StagingPipeline::~StagingPipeline() {
  if (impl_ && impl_->worker.joinable()) {
    impl_->cancel_flag.store(true);
    impl_->worker.join();
  }
}

StagingPipeline::Next StagingPipeline::next(StagedEntity& entity, SheetReport& report, int timeout_ms) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                     [this] { return !impl_->ready.empty() || impl_->finished; });
  if (!impl_->ready.empty()) {
    entity = std::move(impl_->ready.front().first);
    report = std::move(impl_->ready.front().second);
    impl_->ready.pop_front();
    return Next::Ready;
  }
  if (!impl_->finished) return Next::Pending;
  if (impl_->error) {
    std::exception_ptr e = impl_->error;
    impl_->error = nullptr;
    lock.unlock();
    std::rethrow_exception(e);
  }
  return Next::Done;
}

WorkbookPlan StagingPipeline::take_plan() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->finished) throw Error(ErrorKind::Internal, "StagingPipeline::take_plan before the worker finished");
  return std::move(impl_->plan);
}

void StagingPipeline::progress(std::string& sheet, std::size_t& rows) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  sheet = impl_->progress_sheet;
  rows = impl_->progress_rows;
}

double StagingPipeline::worker_seconds() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->seconds;
}

void StagingPipeline::cancel() { impl_->cancel_flag.store(true); }

}  // namespace pp::ingest
