// Shared by the Excel report tests (test_report_*.cpp): input tables built
// from owned cell arrays, reading a written report back with the project's
// streaming reader (core/xlsx/workbook_reader.h) and its parts with
// core/xlsx/zip_archive.h, and error / cancel checks.
#pragma once

#include "core/common/civil_time.h"
#include "core/common/errors.h"
#include "core/report/report_data.h"
#include "core/xlsx/workbook_reader.h"
#include "core/xlsx/zip_archive.h"
#include "support/test_files.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pp::test::report {

using pp::xlsx::CellValue;

// Wall-clock Unix seconds (the reports take the plant's local time as if UTC).
inline std::int64_t at(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return pp::unix_from_civil({y, mo, d, h, mi, s});
}
inline std::string secs(std::int64_t t) { return std::to_string(t); }
// Excel serial of a Unix time (1900 system, after 1900-03-01).
inline double serial(std::int64_t t) { return 25569.0 + static_cast<double>(t) / 86400.0; }

// An input table that owns its texts: add rows of optional strings.
class Cells {
 public:
  explicit Cells(int cols) : cols_(cols) {}
  Cells& row(std::vector<std::optional<std::string>> cells) {
    EXPECT_EQ(static_cast<int>(cells.size()), cols_);
    for (auto& c : cells) {
      if (c) {
        texts_.push_back(std::make_unique<std::string>(*c));
        ptrs_.push_back(texts_.back()->c_str());
      } else {
        ptrs_.push_back(nullptr);
      }
    }
    return *this;
  }
  pp::report::TextTable table() const {
    return pp::report::TextTable{static_cast<std::int64_t>(ptrs_.size() / static_cast<std::size_t>(cols_)),
                                 cols_, ptrs_.data()};
  }
  // Replaces one cell (row, col) of what was added.
  void set(std::size_t r, int c, std::optional<std::string> v) {
    const std::size_t i = r * static_cast<std::size_t>(cols_) + static_cast<std::size_t>(c);
    if (v) {
      texts_.push_back(std::make_unique<std::string>(*v));
      ptrs_[i] = texts_.back()->c_str();
    } else {
      ptrs_[i] = nullptr;
    }
  }

 private:
  int cols_;
  std::vector<std::unique_ptr<std::string>> texts_;
  std::vector<const char*> ptrs_;
};

// ---- reading back ---------------------------------------------------------------

struct Cell {
  CellValue::Kind kind = CellValue::Kind::Empty;
  double number = 0;
  std::int64_t unix_seconds = 0;
  std::string text;
  bool empty() const { return kind == CellValue::Kind::Empty; }
};

struct SheetData {
  std::string name, part;
  std::map<std::uint32_t, std::vector<Cell>> rows;  // 1-based row number -> cells
  // The cell at a 1-based row and 0-based column (Empty if none).
  Cell at(std::uint32_t row, std::uint32_t col) const {
    const auto it = rows.find(row);
    if (it == rows.end() || col >= it->second.size()) return {};
    return it->second[col];
  }
  std::vector<std::string> texts(std::uint32_t row) const {
    std::vector<std::string> out;
    const auto it = rows.find(row);
    if (it == rows.end()) return out;
    for (const Cell& c : it->second) out.push_back(c.text);
    return out;
  }
};

struct Book {
  std::string bytes;
  std::vector<SheetData> sheets;
  std::vector<std::string> names() const {
    std::vector<std::string> n;
    for (const auto& s : sheets) n.push_back(s.name);
    return n;
  }
  const SheetData& sheet(const std::string& name) const {
    for (const auto& s : sheets) {
      if (s.name == name) return s;
    }
    ADD_FAILURE() << "no sheet " << name;
    static const SheetData none;
    return none;
  }
  // All zip entry names.
  std::vector<std::string> entries() const {
    pp::xlsx::ZipArchive zip(bytes.data(), bytes.size(), {});
    std::vector<std::string> out;
    for (std::uint64_t i = 0; i < zip.entry_count(); ++i) out.push_back(zip.entry_name(i));
    return out;
  }
  bool has_entry(const std::string& name) const {
    pp::xlsx::ZipArchive zip(bytes.data(), bytes.size(), {});
    return zip.find(name).has_value();
  }
  std::size_t count_entries(const std::string& prefix, const std::string& suffix) const {
    std::size_t n = 0;
    for (const auto& e : entries()) {
      if (e.rfind(prefix, 0) == 0 && e.size() >= suffix.size() &&
          e.compare(e.size() - suffix.size(), suffix.size(), suffix) == 0) {
        ++n;
      }
    }
    return n;
  }
  // The inflated text of a zip entry ("" if absent).
  std::string entry(const std::string& name) const {
    pp::xlsx::ZipArchive zip(bytes.data(), bytes.size(), {});
    const auto i = zip.find(name);
    if (!i) return {};
    auto r = zip.open(*i);
    std::string out;
    char buf[65536];
    for (std::size_t n; (n = r.read(buf, sizeof buf)) > 0;) out.append(buf, n);
    return out;
  }
  std::string sheet_xml(const std::string& name) const { return entry(sheet(name).part); }
};

inline Book read_book(const std::string& path) {
  Book b;
  b.bytes = pp::test::read_bytes(path);
  EXPECT_FALSE(b.bytes.empty()) << path;
  if (b.bytes.empty()) return b;
  pp::xlsx::WorkbookReader wb(b.bytes.data(), b.bytes.size());
  for (std::size_t i = 0; i < wb.sheets().size(); ++i) {
    SheetData s;
    s.name = wb.sheets()[i].name;
    s.part = wb.sheets()[i].part;
    wb.read_sheet(i, [&](const pp::xlsx::Row& row) {
      auto& cells = s.rows[row.row_number];
      for (const CellValue& c : row.cells) {
        cells.push_back({c.kind, c.number, c.unix_seconds, std::string(c.text)});
      }
    });
    b.sheets.push_back(std::move(s));
  }
  return b;
}

inline std::size_t count_of(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

// The s= style index of cell `ref` in a sheet's XML: -1 when the sheet has no
// such cell element, 0 when it has one without s=.
inline int style_of(const std::string& sheet_xml, const std::string& ref) {
  const auto p = sheet_xml.find("<c r=\"" + ref + "\"");
  if (p == std::string::npos) return -1;
  const auto end = sheet_xml.find('>', p);
  const auto s = sheet_xml.find(" s=\"", p);
  if (s == std::string::npos || s > end) return 0;
  return std::atoi(sheet_xml.c_str() + s + 4);
}

// The n-th (0-based) <xf> of <cellXfs> in styles.xml.
inline std::string cell_xf(const std::string& styles_xml, int n) {
  auto p = styles_xml.find("<cellXfs");
  for (int i = 0; i <= n && p != std::string::npos; ++i) p = styles_xml.find("<xf ", p + 1);
  if (p == std::string::npos) return {};
  return styles_xml.substr(p, styles_xml.find('>', p) - p);
}

// ---- errors and files ----------------------------------------------------------------

template <class F>
std::string expect_error(F&& f, pp::ErrorKind kind, const std::vector<std::string>& needles) {
  try {
    f();
  } catch (const pp::Error& e) {
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
    for (const auto& n : needles) {
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos)
          << "'" << n << "' not in: " << e.what();
    }
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected pp::Error, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected pp::Error, nothing thrown";
  return {};
}

// The names of the files in a directory.
inline std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    out.push_back(e.path().filename().string());
  }
  return out;
}

// A cancel probe that fires at its n-th call (n = 0: never).
struct CancelAfter {
  static inline int left = 0;
  static bool probe() { return left > 0 && --left == 0; }
};

}  // namespace pp::test::report
