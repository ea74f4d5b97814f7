#include "core/xlsx/sheet_pipeline.h"

#include "core/xlsx/fast_fragment.h"

#include "core/xlsx/row_batch.h"
#include "core/xlsx/sheet_handler.h"
#include "core/xlsx/xml_stream.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace pp::xlsx {

namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);
// Bytes read while looking for the first <row> before giving up on splitting.
constexpr std::size_t kPreambleMax = 4u << 20;

// A growable byte buffer that does not zero what it is about to overwrite.
class ByteBuf {
 public:
  char* data() { return p_.get(); }
  const char* data() const { return p_.get(); }
  std::size_t size() const { return size_; }
  void reserve(std::size_t n) {
    if (n <= cap_) return;
    const std::size_t c = std::max(n, cap_ * 2);
    auto q = std::make_unique_for_overwrite<char[]>(c);
    if (size_ > 0) std::memcpy(q.get(), p_.get(), size_);
    p_ = std::move(q);
    cap_ = c;
  }
  // Room for n more bytes; commit() what was written.
  char* grow(std::size_t n) {
    reserve(size_ + n);
    return p_.get() + size_;
  }
  void commit(std::size_t n) { size_ += n; }
  void assign(const char* s, std::size_t n) {
    reserve(n);
    if (n > 0) std::memcpy(p_.get(), s, n);
    size_ = n;
  }
  void erase_front(std::size_t n) {
    if (n >= size_) {
      size_ = 0;
      return;
    }
    std::memmove(p_.get(), p_.get() + n, size_ - n);
    size_ -= n;
  }

 private:
  std::unique_ptr<char[]> p_;
  std::size_t size_ = 0, cap_ = 0;
};

struct Chunk {
  ByteBuf xml;
  RowBatch batch;
  std::exception_ptr error;
  bool syntax_error = false;
  bool need_sequential = false;
  std::atomic<bool> done{false};

  void reset() {
    batch.clear();
    error = nullptr;
    syntax_error = need_sequential = false;
    done.store(false, std::memory_order_relaxed);
  }
};

// Blocks every signal in this thread while alive: threads started meanwhile
// inherit the mask, so signals (PostgreSQL's SIGINT, SIGTERM, ...) always go to
// the calling thread.
class SignalsBlocked {
 public:
  SignalsBlocked() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old_);
  }
  ~SignalsBlocked() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  SignalsBlocked(const SignalsBlocked&) = delete;
  SignalsBlocked& operator=(const SignalsBlocked&) = delete;

 private:
  sigset_t old_;
};

// Parses one fragment into its batch (on a worker or the calling thread).
void parse_fragment(XmlStream* xml, const SheetContext& ctx, Chunk& c) noexcept {
  static constexpr char kOpen[] = "<pp-rows>";
  static constexpr char kClose[] = "</pp-rows>";
  // The fast tokenizer first (fast_fragment.h); whatever it does not take
  // (outside its subset, malformed, or a handler error) is parsed again by
  // expat from scratch, whose results and errors are the reference.
  try {
    SheetHandler h(ctx, c.batch);
    if (fast_parse_rows(c.xml.data(), c.xml.size(), ctx.limits.max_row_text_bytes, h)) return;
  } catch (...) {
  }
  c.batch.clear();
  try {
    if (xml == nullptr) throw std::bad_alloc();
    xml->reset();
    SheetHandler h(ctx, c.batch);
    h.attach_to(*xml);
    xml->feed(kOpen, sizeof kOpen - 1, false);
    xml->feed(c.xml.data(), c.xml.size(), false);
    xml->feed(kClose, sizeof kClose - 1, true);
  } catch (const NeedSequential&) {
    c.need_sequential = true;
  } catch (const XmlSyntaxTag&) {
    c.syntax_error = true;
  } catch (...) {
    c.error = std::current_exception();
  }
}

std::unique_ptr<XmlStream> fragment_parser(const std::string& what, const SheetContext& ctx) noexcept {
  try {
    return std::make_unique<XmlStream>(what, ctx.limits.max_row_text_bytes, /*report_lines=*/false);
  } catch (...) {
    return nullptr;  // parse_fragment() then fails the fragment with bad_alloc
  }
}

// Worker threads taking fragments from a queue. The calling thread may take
// queued fragments too (take()) instead of waiting idle.
class Workers {
 public:
  Workers(unsigned n, const SheetContext& ctx, std::string what) : ctx_(ctx), what_(std::move(what)) {
    SignalsBlocked blocked;
    threads_.reserve(n);
    try {
      for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { run(); });
    } catch (...) {
      shutdown();
      throw;
    }
  }
  ~Workers() { shutdown(); }
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  void submit(Chunk* c) {
    {
      std::lock_guard<std::mutex> lk(m_);
      queue_.push_back(c);
    }
    cv_work_.notify_one();
  }

  // The oldest fragment no worker has started, removed from the queue; or null.
  Chunk* take() {
    std::lock_guard<std::mutex> lk(m_);
    if (queue_.empty()) return nullptr;
    Chunk* c = queue_.front();
    queue_.pop_front();
    return c;
  }

  // Forgets the fragments no worker has started.
  void drop_queued() {
    std::lock_guard<std::mutex> lk(m_);
    queue_.clear();
  }

  static bool is_done(const Chunk* c) { return c->done.load(std::memory_order_acquire); }

  void wait(Chunk* c, const CancelToken& cancel) {
    if (is_done(c)) return;
    std::unique_lock<std::mutex> lk(m_);
    while (!is_done(c)) {
      cv_done_.wait_for(lk, std::chrono::milliseconds(20));
      if (!is_done(c)) {
        lk.unlock();
        cancel.poll();
        lk.lock();
      }
    }
  }

 private:
  void shutdown() {
    {
      std::lock_guard<std::mutex> lk(m_);
      stop_ = true;
    }
    cv_work_.notify_all();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  void run() {
    // One parser per worker, reset for each fragment (keeps its buffers).
    const std::unique_ptr<XmlStream> xml = fragment_parser(what_, ctx_);
    for (;;) {
      Chunk* c = nullptr;
      {
        std::unique_lock<std::mutex> lk(m_);
        cv_work_.wait(lk, [&] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        c = queue_.front();
        queue_.pop_front();
      }
      parse_fragment(xml.get(), ctx_, *c);
      {
        std::lock_guard<std::mutex> lk(m_);
        c->done.store(true, std::memory_order_release);
      }
      cv_done_.notify_all();
    }
  }

  const SheetContext& ctx_;
  const std::string what_;
  std::mutex m_;
  std::condition_variable cv_work_, cv_done_;
  std::deque<Chunk*> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

bool is_delim(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' || c == '/'; }

// First "<row" start tag (unprefixed) in p[from, n), or kNone.
std::size_t find_row_start(const char* p, std::size_t from, std::size_t n) {
  while (from + 5 <= n) {
    const void* q = memmem(p + from, n - from, "<row", 4);
    if (q == nullptr) return kNone;
    const std::size_t i = static_cast<std::size_t>(static_cast<const char*>(q) - p);
    if (i + 4 < n && is_delim(p[i + 4])) return i;
    from = i + 1;
  }
  return kNone;
}

// First "<!" or "<?" whose second character is at or after `from`, or kNone.
std::size_t find_hazard(const char* p, std::size_t from, std::size_t n) {
  std::size_t best = kNone;
  for (const char ch : {'!', '?'}) {
    std::size_t j = std::max<std::size_t>(from, 1);
    while (j < n) {
      const void* q = std::memchr(p + j, ch, n - j);
      if (q == nullptr) break;
      j = static_cast<std::size_t>(static_cast<const char*>(q) - p);
      if (p[j - 1] == '<') {
        best = std::min(best, j - 1);
        break;
      }
      ++j;
    }
  }
  return best;
}

// Offset just past the last "</row>" that ends at or before `limit`, searching
// no lower than `floor`; 0 if none.
std::size_t last_row_end(const char* p, std::size_t limit, std::size_t floor) {
  std::size_t pos = limit;
  while (pos > floor) {
    const void* q = memrchr(p + floor, '<', pos - floor);
    if (q == nullptr) return 0;
    const std::size_t k = static_cast<std::size_t>(static_cast<const char*>(q) - p);
    if (k + 6 <= limit && std::memcmp(p + k, "</row>", 6) == 0) return k + 6;
    pos = k;
  }
  return 0;
}

enum class After { Unknown, MoreRows, End };

// What follows a cut at `at`: another row, something else (the end of the
// rows), or not enough bytes yet to tell.
After what_follows(const char* p, std::size_t at, std::size_t n) {
  while (at < n && (p[at] == ' ' || p[at] == '\t' || p[at] == '\r' || p[at] == '\n')) ++at;
  if (at >= n) return After::Unknown;
  static constexpr char kRow[] = "<row";
  const std::size_t have = std::min<std::size_t>(n - at, 4);
  if (std::memcmp(p + at, kRow, have) != 0) return After::End;
  if (have < 4 || at + 4 >= n) return After::Unknown;
  return is_delim(p[at + 4]) ? After::MoreRows : After::End;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] + 32) : a[i];
    const char y = (b[i] >= 'A' && b[i] <= 'Z') ? static_cast<char>(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

// The text before the first row can be handed to the calling thread's parser
// and the rest split: UTF-8 (no other encoding declared) and no comment, CDATA
// or processing instruction besides the XML declaration.
bool preamble_splittable(const char* p, std::size_t n) {
  std::size_t i = 0;
  if (n >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) i = 3;
  if (n - i >= 5 && std::memcmp(p + i, "<?xml", 5) == 0) {
    const void* q = memmem(p + i, n - i, "?>", 2);
    if (q == nullptr) return false;
    const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(q) - p);
    const std::string_view decl(p + i, end - i);
    const std::size_t e = decl.find("encoding");
    if (e != std::string_view::npos) {
      std::size_t v = decl.find_first_of("\"'", e);
      if (v == std::string_view::npos) return false;
      const std::size_t close = decl.find(decl[v], v + 1);
      if (close == std::string_view::npos) return false;
      const std::string_view enc = decl.substr(v + 1, close - v - 1);
      if (!iequals(enc, "UTF-8") && !iequals(enc, "UTF8")) return false;
    }
    i = end + 2;
  }
  return find_hazard(p, i + 1, n) == kNone;  // no '<' of "<!" / "<?" at or after i
}

void merge_stats(SheetStats& into, const SheetStats& b) {
  into.rows += b.rows;
  into.cells += b.cells;
  if (b.rows > 0) into.last_row = b.last_row;
  into.columns = std::max(into.columns, b.columns);
  into.error_cells += b.error_cells;
  for (const CellError& e : b.first_errors) {
    if (into.first_errors.size() >= SheetStats::kMaxErrorSamples) break;
    into.first_errors.push_back(e);
  }
}

}  // namespace

SheetStats stream_sheet_parallel(const ZipArchive& zip, std::uint64_t index, const SheetContext& ctx,
                                 const std::function<void(const Row&)>& on_row,
                                 const CancelToken& cancel) {
  SheetStats stats;
  ZipEntryReader in = zip.open(index);
  const std::string what = "sheet '" + ctx.sheet_name + "' (" + zip.entry_name(index) + ")";
  XmlStream main_xml(what, ctx.limits.max_row_text_bytes);
  SheetHandler main_h(ctx, stats, on_row, cancel);
  main_h.attach_to(main_xml);

  ByteBuf pending;
  bool eof = false;
  const std::size_t chunk_bytes = std::max<std::size_t>(ctx.chunk_bytes, 64);
  const std::size_t read_bytes = std::min(XmlStream::kChunkBytes, chunk_bytes);
  auto read_more = [&] {
    char* w = pending.grow(read_bytes);
    const std::size_t n = in.read(w, read_bytes);
    pending.commit(n);
    if (n == 0) eof = true;
    cancel.poll();
  };
  // The calling thread's parser takes the rest of the sheet.
  auto sequential_rest = [&](const char* head, std::size_t n) {
    if (n > 0) main_xml.feed(head, n, false);
    main_xml.feed_from(in, cancel);
    stats.xml_bytes = in.bytes_read();
    return stats;
  };

  // 1. The preamble, up to the first <row>: parsed here.
  std::size_t row_start = kNone;
  while (row_start == kNone && !eof && pending.size() < kPreambleMax) {
    const std::size_t from = pending.size() >= 4 ? pending.size() - 4 : 0;
    read_more();
    row_start = find_row_start(pending.data(), from, pending.size());
  }
  if (row_start == kNone || !preamble_splittable(pending.data(), row_start)) {
    return sequential_rest(pending.data(), pending.size());
  }
  main_xml.feed(pending.data(), row_start, false);
  pending.erase_front(row_start);
  main_xml.set_report_lines(false);  // its lines no longer count the rows parsed elsewhere

  // 2. The rows: cut after "</row>", parsed by the workers and by this thread
  // when it would otherwise wait, handed out here in order.
  // This one included: with one, it parses every fragment itself (the fast
  // tokenizer still pays for the cutting).
  const unsigned threads = std::clamp(ctx.limits.parse_threads, 1u, 64u);
  // A row that does not fit in this much pending XML goes to the sequential parser.
  const std::size_t max_pending = std::max<std::size_t>(chunk_bytes * 8, 16u << 20);
  // Enough to keep every worker busy while the oldest fragment is handed out.
  const std::size_t max_in_flight = threads + 2;
  std::vector<std::unique_ptr<Chunk>> owned;  // outlives the workers
  std::vector<Chunk*> spare;
  std::deque<Chunk*> in_flight;
  std::vector<CellValue> cells;
  std::uint32_t last_row = 0;
  std::uint64_t handed_out = 0;

  const std::unique_ptr<XmlStream> own_parser = fragment_parser(what, ctx);
  std::unique_ptr<Workers> pool;
  try {
    pool = std::make_unique<Workers>(threads - 1, ctx, what);
  } catch (const std::system_error&) {
    return sequential_rest(pending.data(), pending.size());  // no threads to be had: parse here
  }
  Workers& workers = *pool;
  // Waits for fragment c, parsing queued fragments meanwhile (the oldest
  // first: often c itself).
  auto finish = [&](Chunk* c) {
    while (!Workers::is_done(c)) {
      Chunk* u = workers.take();
      if (u == nullptr) {
        workers.wait(c, cancel);
        break;
      }
      parse_fragment(own_parser.get(), ctx, *u);
      u->done.store(true, std::memory_order_release);
      cancel.poll();
    }
  };

  auto take_chunk = [&]() -> Chunk* {
    if (spare.empty()) {
      owned.push_back(std::make_unique<Chunk>());
      return owned.back().get();
    }
    Chunk* c = spare.back();
    spare.pop_back();
    c->reset();
    return c;
  };
  auto hand_out = [&](Chunk& c) {
    const RowBatch& b = c.batch;
    for (const RowBatch::RowRec& r : b.rows) {
      cells.assign(r.width, CellValue{});
      for (std::size_t k = r.first_cell; k < r.first_cell + r.cell_count; ++k) {
        const RowBatch::CellRec& cr = b.cells[k];
        CellValue& v = cells[cr.column];
        v = cr.value;
        if (cr.text_in_batch) v.text = std::string_view(b.text.data() + cr.text_offset, cr.text_length);
      }
      on_row(Row{r.row_number, cells});
      if (++handed_out % 4096 == 0) cancel.poll();
    }
    merge_stats(stats, b.stats);
    if (b.last_row_seen != 0) last_row = b.last_row_seen;
    if (c.error) std::rethrow_exception(c.error);
  };

  std::size_t hazard_from = 0;  // pending[0, hazard_from) has no "<!" / "<?"
  std::size_t row_end_floor = 0;  // pending[0, row_end_floor) has no "</row>"
  bool tail = false;
  while (!tail) {
    while (!eof && pending.size() < chunk_bytes) read_more();
    const std::size_t hazard = find_hazard(pending.data(), hazard_from, pending.size());
    hazard_from = pending.size();
    const std::size_t limit = hazard == kNone ? pending.size() : hazard;
    const std::size_t cut = last_row_end(pending.data(), limit, row_end_floor);
    bool end = hazard != kNone || eof || what_follows(pending.data(), cut, pending.size()) == After::End;
    if (cut > 0) {
      Chunk* c = take_chunk();
      c->xml.assign(pending.data(), cut);
      pending.erase_front(cut);
      hazard_from -= std::min(hazard_from, cut);
      row_end_floor = 0;
      workers.submit(c);
      in_flight.push_back(c);
      ++stats.fragments;
    } else {
      row_end_floor = pending.size() >= 6 ? pending.size() - 6 : 0;
      if (pending.size() >= max_pending) end = true;
      if (!end && !eof) {
        // Not a whole row yet: read on (the buffer grows beyond chunk_bytes).
        read_more();
      }
    }
    tail = end;
    // Hand out finished fragments in order; block while too many are in flight.
    while (!in_flight.empty() && (tail || in_flight.size() >= max_in_flight ||
                                  Workers::is_done(in_flight.front()))) {
      Chunk* c = in_flight.front();
      finish(c);
      if (c->syntax_error || c->need_sequential) {
        // From this fragment on, everything goes to the sequential parser, which
        // reproduces a genuine error with the sequential message. (Workers may
        // still be parsing later fragments: they only read their XML.)
        workers.drop_queued();
        main_h.set_previous_row(last_row);
        for (Chunk* d : in_flight) main_xml.feed(d->xml.data(), d->xml.size(), false);
        in_flight.clear();
        return sequential_rest(pending.data(), pending.size());
      }
      hand_out(*c);
      in_flight.pop_front();
      spare.push_back(c);
    }
  }
  // 3. The rest (normally "</sheetData>...</worksheet>"): parsed here.
  main_h.set_previous_row(last_row);
  return sequential_rest(pending.data(), pending.size());
}

}  // namespace pp::xlsx
