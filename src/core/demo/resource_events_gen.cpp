// Resource events. Downtime: random breakdowns of every used work center,
// kBreakdownsPerMonth per work center-month at uniformly random working
// instants, durations log-uniform in [30 min, 2 days]; in the simulation a
// breakdown takes one capacity unit from the moment that unit is free, for its
// wall-clock duration. One breakdown of the paint oven (Estufa de Pintura)
// starts 5 hours before the export and is still open (ended_at NULL); other
// breakdowns still running at the export are left out. Setup: a colour change
// on a unit of Gelcoat or Pintura (kSetupMinutesMin..Max working minutes
// before the operation starts).
#include "core/demo/plant_spec.h"
#include "core/demo/rng.h"
#include "core/demo/stages.h"

#include <algorithm>
#include <cstdio>

namespace pp::demo {

void plan_breakdowns(DemoState& st) {
  Rng rng(st.seed, Stream::Breakdowns);
  const auto& specs = phase_specs();
  const Time from = st.tf.warmup_start, to = st.options.export_at - 2 * kDay;
  const double months = static_cast<double>(to - from) / (30.44 * kDay);
  for (std::size_t p = 0; p < specs.size(); ++p) {
    if (!st.phases[p].used || to <= from) continue;
    const WorkCalendar& cal = st.calendars[st.phases[p].calendar];
    const std::int64_t w0 = cal.position(from), w1 = cal.position(to);
    if (w1 <= w0) continue;
    const int n = rng.poisson(kBreakdownsPerMonth * months);
    const auto& reasons = specs[p].automatic ? downtime_reasons_automatic() : downtime_reasons_manual();
    for (int k = 0; k < n; ++k) {
      Breakdown b;
      b.phase = static_cast<int>(p);
      b.at = cal.start_at(w0 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(w1 - w0))));
      b.duration = static_cast<Time>(rng.log_uniform(kBreakdownMinMinutes, kBreakdownMaxMinutes) * kMinute);
      b.reason = static_cast<int>(rng.index(reasons.size()));
      st.breakdowns.push_back(b);
    }
  }
  std::stable_sort(st.breakdowns.begin(), st.breakdowns.end(),
                   [](const Breakdown& a, const Breakdown& b) { return a.at < b.at; });
  for (std::size_t p = 0; p < specs.size(); ++p) {
    if (std::string_view(specs[p].name) == "Estufa de Pintura") {
      Breakdown b;
      b.phase = static_cast<int>(p);
      b.at = st.options.export_at - 5 * kHour;
      b.duration = 3 * kDay;
      b.reason = 0;  // "Falha de temperatura"
      b.ongoing = true;
      st.breakdowns.push_back(b);
    }
  }
}

void export_resource_events(DemoState& st) {
  const auto& specs = phase_specs();
  const Time from = st.tf.window_start, E = st.options.export_at;
  std::vector<model::ResourceEvent> rows;
  for (const DowntimeRecord& d : st.downtimes) {
    if (d.start < from || d.start > E) continue;
    if (!d.ongoing && d.end > E) continue;
    model::ResourceEvent e;
    e.work_center_id = std::to_string(specs[static_cast<std::size_t>(d.phase)].id);
    e.kind = "downtime";
    e.started_at = d.start;
    if (!d.ongoing) e.ended_at = d.end;
    const auto& reasons =
        specs[static_cast<std::size_t>(d.phase)].automatic ? downtime_reasons_automatic() : downtime_reasons_manual();
    e.reason = reasons[static_cast<std::size_t>(d.reason)];
    rows.push_back(std::move(e));
  }
  for (const SetupRecord& s : st.setups) {
    if (s.start < from || s.end > E) continue;
    model::ResourceEvent e;
    e.work_center_id = std::to_string(specs[static_cast<std::size_t>(s.phase)].id);
    e.kind = "setup";
    e.started_at = s.start;
    e.ended_at = s.end;
    e.reason = std::string("Mudança de cor: ") + colours()[static_cast<std::size_t>(s.colour)].name;
    rows.push_back(std::move(e));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const model::ResourceEvent& a, const model::ResourceEvent& b) {
    return a.started_at < b.started_at;
  });
  char buf[32];
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::snprintf(buf, sizeof buf, "RE%07zu", i + 1);
    rows[i].event_id = buf;
  }
  st.f.resource_events = std::move(rows);
}

}  // namespace pp::demo
