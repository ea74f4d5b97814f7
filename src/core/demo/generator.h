// Deterministic demo-factory generator: a make-to-order composite-boat plant in
// the shape of the reference workbook (../shared/DOMAIN.md), plus the data the
// workbook lacks (calendars, materials, stock, SPC measurements, resource events).
// Same options (scale, seed) => byte-identical Factory. See generator.cpp's header
// comment for the planted effects the analytics must later find.
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/model/factory.h"

namespace pp::demo {

struct DemoOptions {
  double scale = 0.01;  // multiplies transactional volume; 1.0 ~ the real 1.1 M-row export
  int seed = 42;
  // The export moment ("now" of the data), seconds since the Unix epoch, UTC.
  // Fixed by default so that the same seed gives the same data on any day.
  model::Time export_at = 1794787200;  // 2026-11-16 00:00:00 UTC (a Monday)
};

// Largest scale accepted: about 10 M operation rows and ~5.3 GB of generated
// rows in memory (~265 MB per unit of scale). Larger values throw
// pp::Error(InvalidParameter) before any allocation.
constexpr double kMaxScale = 20.0;

// Builds the whole factory. Throws pp::Error(InvalidParameter) for scale <= 0,
// scale > kMaxScale or a non-finite scale; polls `cancel` every few thousand rows.
model::Factory generate_demo(const DemoOptions& options, const CancelToken& cancel = {});

}  // namespace pp::demo
