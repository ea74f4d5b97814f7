// The staging driver (staging.h): opens the workbook, maps its sheets to
// entities through the sheet aliases of the profile, and streams each mapped
// sheet once: header row -> column mapping, then every data row -> converted
// fields -> row rules -> a COPY line keyed for dedup, or a quarantine record.
// One pass, one COPY buffer per entity, no allocation per cell.
#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <unordered_map>

#include "core/common/errors.h"
#include "core/ingest/staging_detail.h"
#include "core/xlsx/workbook_reader.h"

namespace pp::ingest {

namespace {

using detail::Field;

constexpr std::size_t kPollEvery = 4096;
constexpr std::size_t kProgressEvery = 10000;

std::string quoted(std::string_view s) {
  std::string q = "\"";
  q.append(s);
  q.push_back('"');
  return q;
}

bool blank_cell(const xlsx::CellValue& c) {
  return c.kind == xlsx::CellValue::Kind::Empty ||
         (c.kind == xlsx::CellValue::Kind::Text && detail::trim(c.text).empty());
}

class SheetStager {
 public:
  SheetStager(const EntitySpec& spec, const std::string& sheet, xlsx::DateSystem date_system,
              const std::vector<ColumnAlias>& aliases, const IngestOptions& options, const IngestCallbacks& callbacks,
              const CancelToken& cancel, WorkbookPlan& plan)
      : spec_(spec),
        sheet_(sheet),
        date_system_(date_system),
        aliases_(aliases),
        options_(options),
        callbacks_(callbacks),
        cancel_(cancel),
        plan_(plan),
        rules_(spec, options),
        fields_(spec.columns.size()),
        scratch_(spec.columns.size()) {
    report_.sheet = sheet;
    report_.entity = std::string(spec.entity);
    for (std::size_t c = 0; c < spec.columns.size(); ++c)
      if (spec.columns[c].key) key_columns_.push_back(c);
    for (std::string_view name : spec.event_time_from)
      for (std::size_t c = 0; c < spec.columns.size(); ++c)
        if (spec.columns[c].name == name) event_time_columns_.push_back(c);
    field_begin_.resize(spec.columns.size());
    field_end_.resize(spec.columns.size());
  }

  // The run's first loads (direct_split.h), or nullptr; not owned.
  void set_first_loads(FirstLoads* f) { first_loads_ = f; }

  void on_row(const xlsx::Row& row) {
    if (!have_header_) {
      read_header(row);
      return;
    }
    bool any = false;
    for (const xlsx::CellValue& c : row.cells) {
      if (!blank_cell(c)) {
        any = true;
        break;
      }
    }
    if (!any) return;  // an empty row: not a data row
    ++report_.rows_read;
    stage_row(row);
    if (report_.rows_read % kPollEvery == 0) cancel_.poll();
    if (report_.rows_read % kProgressEvery == 0 && callbacks_.on_progress)
      callbacks_.on_progress(sheet_, report_.rows_read);
  }

  void finish(double seconds) {
    if (!have_header_)
      xlsx::throw_bad_data("sheet " + quoted(sheet_) + " has no header row",
                           "row 1 of a sheet must hold the column headers");
    if (callbacks_.on_progress && report_.rows_read % kProgressEvery != 0)
      callbacks_.on_progress(sheet_, report_.rows_read);
    report_.staged = staged_.rows();
    report_.duplicates = staged_.duplicates();
    report_.seconds = seconds;
    if (report_.rows_read != report_.staged + report_.quarantined + report_.duplicates)
      throw Error(ErrorKind::Internal, "staging of sheet " + quoted(sheet_) + " does not reconcile");
    StagedEntity entity;
    entity.entity = std::string(spec_.entity);
    entity.sheet = sheet_;
    entity.rows = staged_.rows();
    entity.superseded_rows = staged_.superseded();
    take_newly_superseded(entity);
    entity.copy_text = staged_.take_copy_text();
    take_event_range(entity);
    split_part(entity);
    if (callbacks_.on_entity) callbacks_.on_entity(entity, report_);
    plan_.sheets.push_back(std::move(report_));
  }

 private:
  // Splits a part into direct and staged rows when the consumer loads the
  // entity directly (IngestOptions::direct); a row that replaces an earlier
  // part's row stays staged, where the consumer finds its key.
  void split_part(StagedEntity& part) {
    if (first_loads_ == nullptr || !first_loads_->loads(spec_.entity)) return;
    first_loads_->split(spec_, part);
    if (part.complete) first_loads_->finish(spec_, part);
  }

  void take_newly_superseded(StagedEntity& part) {
    const auto& all = staged_.superseded();
    part.newly_superseded.assign(all.begin() + static_cast<std::ptrdiff_t>(superseded_handed_), all.end());
    part.superseding.clear();
    for (std::size_t i = superseded_handed_; i < all.size(); ++i) part.superseding.push_back(staged_.superseding(i));
    superseded_handed_ = all.size();
  }

  void take_event_range(StagedEntity& part) {
    part.min_event_time = min_event_time_;
    part.max_event_time = max_event_time_;
    min_event_time_ = INT64_MAX;
    max_event_time_ = INT64_MIN;
  }

  void read_header(const xlsx::Row& row) {
    std::vector<std::string> headers(row.cells.size());
    bool any = false;
    for (std::size_t i = 0; i < row.cells.size(); ++i) {
      std::string t;
      detail::append_cell_text(t, row.cells[i]);
      headers[i] = std::string(detail::trim(t));
      any = any || !headers[i].empty();
    }
    if (row.row_number != 1 || !any)
      xlsx::throw_bad_data("sheet " + quoted(sheet_) + " has no header row" +
                               (row.row_number != 1 ? " (row 1 is empty; the first non-empty row is " +
                                                          std::to_string(row.row_number) + ")"
                                                    : std::string(" (row 1 holds no text)")),
                           "row 1 of a sheet must hold the column headers");
    match_ = detail::match_headers(sheet_, spec_, headers, aliases_, options_.profile);
    report_.unknown_headers = match_.unknown_headers;
    report_.missing_columns = match_.missing_optional;
    json_keys_ = detail::json_keys(match_.headers);
    have_header_ = true;
  }

  const xlsx::CellValue& cell_of(const xlsx::Row& row, std::size_t column) const {
    const int src = match_.source[column];
    if (src < 0 || static_cast<std::size_t>(src) >= row.cells.size()) return empty_;
    return row.cells[static_cast<std::size_t>(src)];
  }

  void stage_row(const xlsx::Row& row) {
    const std::size_t n = spec_.columns.size();
    for (std::size_t c = 0; c < n; ++c) {
      fields_[c] = detail::convert_cell(cell_of(row, c), spec_.columns[c].type, date_system_, scratch_[c].data());
      if (fields_[c].error_cell) ++report_.error_cells;
    }
    if (!rules_.check(fields_.data(), fault_)) {
      quarantine(row);
      return;
    }
    std::string& buf = staged_.buffer();
    const std::size_t start = buf.size();
    char num[16];
    const auto r = std::to_chars(num, num + sizeof num, row.row_number);
    buf.append(num, r.ptr);
    for (std::size_t c = 0; c < n; ++c) {
      buf.push_back('\t');
      field_begin_[c] = buf.size();
      detail::append_copy_field(buf, fields_[c], spec_.columns[c].type);
      field_end_[c] = buf.size();
    }
    buf.push_back('\n');
    std::string_view key;
    if (key_columns_.size() == 1) {
      const std::size_t k = key_columns_[0];
      key = std::string_view(buf.data() + field_begin_[k], field_end_[k] - field_begin_[k]);
    } else {
      key_buf_.clear();
      for (std::size_t k : key_columns_) {
        key_buf_.append(buf, field_begin_[k], field_end_[k] - field_begin_[k]);
        key_buf_.push_back('\t');  // COPY fields hold no raw tab: the join is unambiguous
      }
      key = key_buf_;
    }
    staged_.commit(start, key, row.row_number);
    // The range covers every line committed since the last part, including
    // lines a later duplicate replaced: a superset of what the part holds.
    for (std::size_t c : event_time_columns_) {
      if (!fields_[c].ok()) continue;
      min_event_time_ = std::min(min_event_time_, fields_[c].integer);
      max_event_time_ = std::max(max_event_time_, fields_[c].integer);
      break;
    }
    if (options_.chunk_bytes > 0 && callbacks_.on_chunk && staged_.pending_bytes() >= options_.chunk_bytes) {
      StagedEntity chunk;
      chunk.entity = std::string(spec_.entity);
      chunk.sheet = sheet_;
      chunk.complete = false;
      const std::size_t before = chunk_rows_;
      chunk_rows_ = staged_.rows() + staged_.superseded().size();  // rows ever handed out
      chunk.rows = chunk_rows_ - before;
      chunk.copy_text = staged_.take_chunk();
      take_event_range(chunk);
      take_newly_superseded(chunk);
      split_part(chunk);
      callbacks_.on_chunk(chunk);
    }
  }

  void quarantine(const xlsx::Row& row) {
    ++report_.quarantined;
    QuarantineRecord q;
    q.sheet = sheet_;
    q.row_number = row.row_number;
    q.reason_code = fault_.reason;
    if (fault_.column == detail::RowFault::kRow) {
      q.detail = fault_.why;
    } else {
      const std::size_t c = fault_.column;
      q.column = std::string(spec_.columns[c].name);
      const int src = match_.source[c];
      std::string label = src >= 0 ? match_.headers[static_cast<std::size_t>(src)] : q.column;
      if (label != q.column) label += " (" + q.column + ")";
      const xlsx::CellValue& cell = cell_of(row, c);
      if (cell.empty()) {
        q.detail = label + (src >= 0 ? " is empty" : " has no column in the sheet");
      } else {
        std::string text;
        detail::append_cell_text(text, cell);
        q.detail = label + " = " + quoted(text);
        if (src >= 0)
          q.detail += " (cell " + xlsx::cell_reference(row.row_number, static_cast<std::uint32_t>(src)) + ")";
      }
      q.detail += ": " + fault_.why;
    }
    q.raw_json = detail::row_to_json(json_keys_, row.cells);
    plan_.quarantine.push_back(std::move(q));
  }

  const EntitySpec& spec_;
  const std::string& sheet_;
  xlsx::DateSystem date_system_;
  const std::vector<ColumnAlias>& aliases_;
  const IngestOptions& options_;
  const IngestCallbacks& callbacks_;
  const CancelToken& cancel_;
  WorkbookPlan& plan_;

  detail::RowRules rules_;
  SheetReport report_;
  bool have_header_ = false;
  detail::HeaderMatch match_;
  std::vector<std::string> json_keys_;
  std::vector<Field> fields_;
  std::vector<std::array<char, detail::kScratchSize>> scratch_;
  std::vector<std::size_t> key_columns_, field_begin_, field_end_;
  std::string key_buf_;
  detail::RowFault fault_;
  detail::StagedRows staged_;
  std::size_t chunk_rows_ = 0;  // rows handed out in chunks so far
  std::size_t superseded_handed_ = 0;  // superseded() entries already given in a part
  std::vector<std::size_t> event_time_columns_;
  FirstLoads* first_loads_ = nullptr;
  std::int64_t min_event_time_ = INT64_MAX, max_event_time_ = INT64_MIN;  // since the last part
  const xlsx::CellValue empty_{};
};

}  // namespace

WorkbookPlan stage_workbook(const void* data, std::size_t size, const std::vector<ColumnAlias>& aliases,
                            const std::vector<SheetAlias>& sheet_aliases, const IngestOptions& options,
                            const IngestCallbacks& callbacks, const CancelToken& cancel) {
  if (options.min_time >= options.max_time)
    throw_invalid("the plausible date range is empty: min_time " + std::to_string(options.min_time) + " >= max_time " +
                  std::to_string(options.max_time));
  const std::vector<EntitySpec>& entities = workbook_entities();

  // Normalized sheet name -> entity index, for the profile.
  std::unordered_map<std::string, std::size_t> sheet_entity;
  std::unordered_map<std::string, const SheetAlias*> first_alias;
  for (const SheetAlias& a : sheet_aliases) {
    if (a.profile != options.profile) continue;
    std::size_t e = 0;
    while (e < entities.size() && entities[e].entity != a.entity) ++e;
    if (e == entities.size())
      throw_invalid("sheet alias " + quoted(a.sheet) + " of profile " + quoted(a.profile) + " feeds unknown entity " +
                        quoted(a.entity),
                    "the workbook entities are the nine of the reference workbook (work_center, product, ...)");
    const std::string n = normalize_header(a.sheet);
    auto [it, inserted] = sheet_entity.emplace(n, e);
    if (!inserted && it->second != e)
      throw_invalid("sheet aliases " + quoted(first_alias[n]->sheet) + " and " + quoted(a.sheet) + " of profile " +
                    quoted(a.profile) + " are the same name once normalized but feed different entities");
    if (inserted) first_alias[n] = &a;
  }
  if (sheet_entity.empty())
    throw_invalid("no sheet aliases for profile " + quoted(options.profile),
                  "known profiles are those of prodplan.sheet_aliases, e.g. \"prodplan\" and \"canonical\"");

  xlsx::WorkbookReader reader(data, size, options.limits, cancel);
  const xlsx::DateSystem date_system = reader.date1904() ? xlsx::DateSystem::k1904 : xlsx::DateSystem::k1900;

  WorkbookPlan plan;
  std::vector<std::size_t> entity_sheet(entities.size(), static_cast<std::size_t>(-1));
  const auto& sheets = reader.sheets();
  for (std::size_t i = 0; i < sheets.size(); ++i) {
    auto it = sheets[i].is_worksheet ? sheet_entity.find(normalize_header(sheets[i].name)) : sheet_entity.end();
    if (it == sheet_entity.end()) {
      plan.ignored_sheets.push_back(sheets[i].name);
      continue;
    }
    std::size_t& slot = entity_sheet[it->second];
    if (slot != static_cast<std::size_t>(-1))
      xlsx::throw_bad_data("sheets " + quoted(sheets[slot].name) + " and " + quoted(sheets[i].name) +
                               " both feed entity " + std::string(entities[it->second].entity) + " (profile " +
                               quoted(options.profile) + ")",
                           "delete or rename one of the two sheets");
    slot = i;
  }

  // What this run's first loads learn from their rows lives across sheets
  // (a defect's time comes from an operation read before it).
  FirstLoads first_loads(options.direct);
  for (std::size_t e = 0; e < entities.size(); ++e) {
    if (entity_sheet[e] == static_cast<std::size_t>(-1)) continue;
    const std::size_t index = entity_sheet[e];
    cancel.poll();
    const auto t0 = std::chrono::steady_clock::now();
    SheetStager stager(entities[e], sheets[index].name, date_system, aliases, options, callbacks, cancel, plan);
    stager.set_first_loads(&first_loads);
    reader.read_sheet(
        index, [&](const xlsx::Row& row) { stager.on_row(row); }, cancel);
    const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
    stager.finish(dt.count());
  }
  return plan;
}

struct RowStager::Impl {
  Impl(const EntitySpec& spec, std::string source_name, const std::vector<ColumnAlias>& aliases,
       const IngestOptions& options, const IngestCallbacks& callbacks, const CancelToken& cancel)
      : source(std::move(source_name)),
        first_loads(options.direct),
        stager(spec, source, xlsx::DateSystem::k1900, aliases, options, callbacks, cancel, plan),
        started(std::chrono::steady_clock::now()) {
    stager.set_first_loads(&first_loads);
  }
  std::string source;  // declared before stager, which keeps a reference to it
  WorkbookPlan plan;
  FirstLoads first_loads;
  SheetStager stager;
  std::vector<xlsx::CellValue> cells;
  std::chrono::steady_clock::time_point started;
};

RowStager::RowStager(std::string_view entity, std::string source, const std::vector<ColumnAlias>& aliases,
                     const IngestOptions& options, const IngestCallbacks& callbacks, const CancelToken& cancel) {
  const EntitySpec* spec = find_entity(entity);
  if (spec == nullptr)
    throw_invalid("unknown entity " + quoted(entity),
                  "the entities are work_center, product, routing_step, employee, employee_skill, "
                  "production_order, operation, operation_assignment and defect");
  impl_ = std::make_unique<Impl>(*spec, std::move(source), aliases, options, callbacks, cancel);
}

RowStager::~RowStager() = default;

void RowStager::add_row(std::uint32_t row_number, const std::vector<std::optional<std::string_view>>& cells) {
  std::vector<xlsx::CellValue>& out = impl_->cells;
  out.assign(cells.size(), xlsx::CellValue{});
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (!cells[i]) continue;
    out[i].kind = xlsx::CellValue::Kind::Text;
    out[i].text = *cells[i];
  }
  // A Row never ends in empty cells (as the reader hands them out).
  while (!out.empty() && out.back().empty()) out.pop_back();
  if (out.empty()) {
    if (row_number == 1) out.push_back(xlsx::CellValue{});  // let the stager report the missing header
    else return;
  }
  impl_->stager.on_row(xlsx::Row{row_number, out});
}

WorkbookPlan RowStager::finish() {
  const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - impl_->started;
  impl_->stager.finish(dt.count());
  return std::move(impl_->plan);
}

}  // namespace pp::ingest
