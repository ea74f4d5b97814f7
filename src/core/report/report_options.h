// Options shared by every Excel report writer (report_plan.h, report_kpis.h,
// report_quality.h, report_inventory.h, report_template.h).
#pragma once
#include "core/common/core_only.h"

#include <string>

namespace pp::report {

struct ReportOptions {
  // Directory for libxlsxwriter's temporary files ("" = the system default):
  // the plan report's sheets as they are written (constant-memory mode) and
  // the parts of every report while the file is assembled. They are
  // unlinked as soon as they are created, so nothing is left there.
  std::string tmpdir;
  // Unix seconds stamped as the document's creation date (docProps/core.xml,
  // shown by Excel as UTC). 0: 2000-01-01 00:00:00, so that the same data
  // gives a byte-identical file. Must be finite, 0 .. 9999-12-31.
  double created_at = 0;
};

}  // namespace pp::report
