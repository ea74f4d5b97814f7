// The reference workbook format (../shared/DOMAIN.md): sheet names and header
// texts, exactly as the ERP writes them. Shared by the workbook writer and the
// ingestion profile so the two can never disagree.
#pragma once
#include "core/common/core_only.h"
#include "core/model/factory.h"

#include <array>
#include <string_view>
#include <vector>

namespace pp::model {

struct SheetFormat {
  Sheet sheet;
  std::string_view name;                  // sheet name in the workbook
  std::string_view entity;                // canonical entity it feeds
  std::vector<std::string_view> headers;  // row 1, in the reference column order
};

// The nine sheets in the order the reference export writes them.
const std::vector<SheetFormat>& reference_sheets();
const SheetFormat& sheet_format(Sheet sheet);

}  // namespace pp::model
