#include "core/xlsx/workbook_reader.h"

#include "core/common/errors.h"
#include "core/xlsx/shared_strings.h"
#include "core/xlsx/styles.h"
#include "core/xlsx/zip_archive.h"

namespace pp::xlsx {

struct WorkbookReader::Impl {
  Impl(const void* data, std::size_t size, const ReaderLimits& l) : limits(l), zip(data, size, l) {}
  ReaderLimits limits;
  ZipArchive zip;
  WorkbookInfo info;
  bool tables_loaded = false;
  SharedStrings shared_strings;
  Styles styles;
};

WorkbookReader::WorkbookReader(const void* data, std::size_t size, ReaderLimits limits,
                               const CancelToken& cancel)
    : impl_(std::make_unique<Impl>(data, size, limits)) {
  impl_->info = read_workbook_info(impl_->zip, impl_->limits, cancel);
}

WorkbookReader::~WorkbookReader() = default;
WorkbookReader::WorkbookReader(WorkbookReader&&) noexcept = default;
WorkbookReader& WorkbookReader::operator=(WorkbookReader&&) noexcept = default;

const std::vector<SheetInfo>& WorkbookReader::sheets() const { return impl_->info.sheets; }

std::optional<std::size_t> WorkbookReader::find_sheet(std::string_view name) const {
  const auto& s = impl_->info.sheets;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i].name == name) return i;
  }
  return std::nullopt;
}

bool WorkbookReader::date1904() const { return impl_->info.date1904; }

const ReaderLimits& WorkbookReader::limits() const { return impl_->limits; }

void WorkbookReader::load_tables(const CancelToken& cancel) {
  Impl& m = *impl_;
  if (m.tables_loaded) return;
  if (m.info.shared_strings_entry) {
    m.shared_strings.load(m.zip, *m.info.shared_strings_entry, m.limits, cancel);
  }
  if (m.info.styles_entry) m.styles.load(m.zip, *m.info.styles_entry, m.limits, cancel);
  m.tables_loaded = true;
}

std::size_t WorkbookReader::shared_string_count(const CancelToken& cancel) {
  load_tables(cancel);
  return impl_->shared_strings.size();
}

SheetStats WorkbookReader::read_sheet(std::size_t sheet_index,
                                      const std::function<void(const Row&)>& on_row,
                                      const CancelToken& cancel) {
  Impl& m = *impl_;
  if (sheet_index >= m.info.sheets.size()) {
    throw_invalid("sheet index " + std::to_string(sheet_index) + " is out of range: the workbook has " +
                  std::to_string(m.info.sheets.size()) + " sheets");
  }
  load_tables(cancel);
  SheetContext ctx;
  ctx.sheet_name = m.info.sheets[sheet_index].name;
  ctx.shared_strings = &m.shared_strings;
  ctx.styles = &m.styles;
  ctx.date_system = m.info.date1904 ? DateSystem::k1904 : DateSystem::k1900;
  ctx.limits = m.limits;
  return stream_sheet(m.zip, m.info.sheet_entries[sheet_index], ctx, on_row, cancel);
}

}  // namespace pp::xlsx
