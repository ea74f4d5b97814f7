// SPC characteristics and measurements. A random 30% of the ended operations
// of a characteristic's work center in the window are measured: one rational
// subgroup of n readings a minute apart just before the operation ends.
// Readings ~ N(target + shift, sigma) with sigma = (usl - lsl) / 8 (Cp 1.33)
// while in control; each characteristic has a planted mean-shift episode and
// a variance-increase episode (sigma x2) in fixed windows counted in days
// before export_at (kSpcCharacteristics below; documented in generator.cpp).
#include "core/demo/plant_spec.h"
#include "core/demo/rng.h"
#include "core/demo/stages.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace pp::demo {

namespace {

struct CharacteristicSpec {
  const char* id;
  const char* name;
  const char* unit;
  const char* phase;
  double lsl, target, usl;
  int subgroup_size;
  double step;  // reading resolution
  double shift_sigmas;
  int shift_from_days, shift_to_days;  // days before export_at: [E - from, E - to)
  int spread_from_days, spread_to_days;
};

constexpr CharacteristicSpec kSpcCharacteristics[] = {
    {"GEL-THK", "Espessura do gelcoat", "mm", "Gelcoat", 0.40, 0.55, 0.70, 5, 0.001, +1.5, 330, 309, 120, 106},
    {"LAM-THK", "Espessura do laminado", "mm", "Laminação", 5.0, 6.0, 7.0, 5, 0.01, -1.5, 250, 229, 60, 46},
    {"DEM-WDEV", "Desvio de peso à desmoldagem", "kg", "Desmoldagem", -1.5, 0.0, 1.5, 3, 0.01, +1.5, 200, 179, 300,
     286},
    {"CURE-TEMP", "Temperatura de cura", "°C", "Cura", 35.0, 40.0, 45.0, 4, 0.1, -2.0, 150, 136, 270, 256},
    {"PNT-THK", "Espessura da pintura", "µm", "Pintura", 90.0, 120.0, 150.0, 4, 0.1, +1.5, 90, 69, 220, 206},
};
constexpr double kMeasuredShare = 0.30;
constexpr double kSpreadFactor = 2.0;

}  // namespace

void build_spc(DemoState& st, const CancelToken& cancel) {
  Rng rng(st.seed, Stream::Spc);
  const auto& specs = phase_specs();
  const Time E = st.options.export_at;
  auto& f = st.f;
  std::int64_t next_id = 1;
  char buf[32];
  for (const CharacteristicSpec& c : kSpcCharacteristics) {
    int phase = -1;
    for (std::size_t p = 0; p < specs.size(); ++p) {
      if (std::string_view(specs[p].name) == c.phase) phase = static_cast<int>(p);
    }
    const std::string wc = std::to_string(specs[static_cast<std::size_t>(phase)].id);
    f.characteristics.push_back({c.id, c.name, c.unit, wc, c.lsl, c.target, c.usl});
    const double sigma = (c.usl - c.lsl) / 8.0;
    std::vector<std::pair<Time, int>> measured;  // (end, operation row)
    for (std::size_t r = 0; r < f.operations.size(); ++r) {
      const model::Operation& op = f.operations[r];
      if (op.work_center_id != wc || !op.ended_at || *op.ended_at < st.tf.window_start) continue;
      if (rng.chance(kMeasuredShare)) measured.emplace_back(*op.ended_at, static_cast<int>(r));
    }
    std::sort(measured.begin(), measured.end());
    int subgroup = 0;
    for (const auto& [end, r] : measured) {
      if ((subgroup & 1023) == 0) cancel.poll();
      ++subgroup;
      const model::Operation& op = f.operations[static_cast<std::size_t>(r)];
      const bool shifted = end >= E - c.shift_from_days * kDay && end < E - c.shift_to_days * kDay;
      const bool spread = end >= E - c.spread_from_days * kDay && end < E - c.spread_to_days * kDay;
      const double mean = c.target + (shifted ? c.shift_sigmas * sigma : 0.0);
      const double sd = sigma * (spread ? kSpreadFactor : 1.0);
      for (int j = 0; j < c.subgroup_size; ++j) {
        model::Measurement m;
        std::snprintf(buf, sizeof buf, "MS%09lld", static_cast<long long>(next_id++));
        m.measurement_id = buf;
        m.characteristic_id = c.id;
        m.order_id = op.order_id;
        m.operation_id = op.operation_id;
        m.measured_at = std::max(*op.started_at, end - static_cast<Time>(c.subgroup_size - j) * kMinute);
        m.value = std::round(rng.normal(mean, sd) * std::round(1.0 / c.step)) / std::round(1.0 / c.step);
        m.subgroup = subgroup;
        f.measurements.push_back(std::move(m));
      }
    }
  }
}

}  // namespace pp::demo
