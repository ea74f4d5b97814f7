#include "core/simulate/sim_output.h"

#include "core/common/civil_time.h"
#include "core/model/copy_rows.h"

#include <cstdio>

namespace pp::simulate {

namespace {

void tab(std::string& s) { s.push_back('\t'); }

void number(std::string& s, double v, const char* fmt = "%.17g") {
  char buf[40];
  std::snprintf(buf, sizeof buf, fmt, v);
  s += buf;
}

}  // namespace

SimOutput format_simulation(const std::string& simulation_id, const ReplayModel& m, const SimResult& r,
                            const SimOptions& o) {
  SimOutput out;
  std::string& c = out.orders_copy;
  c.reserve(m.orders.size() * 220);
  for (std::size_t k = 0; k < m.orders.size(); ++k) {
    const SimOrder& ord = m.orders[k];
    const OrderRisk& risk = r.orders[k];
    c += simulation_id;
    tab(c);
    model::append_copy_text(c, ord.id);
    tab(c);
    if (ord.due) append_timestamptz(c, *ord.due);
    else c += "\\N";
    tab(c);
    append_timestamptz(c, ord.planned_end);
    tab(c);
    if (risk.p_on_time >= 0) number(c, risk.p_on_time);
    else c += "\\N";
    for (Time t : {risk.mean_end, risk.p10_end, risk.p50_end, risk.p90_end, risk.p50_low, risk.p50_high}) {
      tab(c);
      append_timestamptz(c, t);
    }
    tab(c);
    if (risk.driver_op >= 0) {
      const SimOp& op = m.ops[risk.driver_op];
      model::append_copy_text(c, m.units[op.unit].work_center_id);
      tab(c);
      c += std::to_string(op.operation);
      tab(c);
      number(c, risk.driver_seconds / 3600.0);
    } else {
      c += "\\N\t\\N\t\\N";
    }
    c.push_back('\n');
  }
  out.on_time_array.push_back('{');
  for (std::size_t i = 0; i < r.on_time_by_rep.size(); ++i) {
    if (i) out.on_time_array.push_back(',');
    number(out.on_time_array, r.on_time_by_rep[i], "%.6g");
  }
  out.on_time_array.push_back('}');
  out.spread_sources_json = "{\"pair\": " + std::to_string(m.ops_by_source[0]) +
                            ", \"work_center\": " + std::to_string(m.ops_by_source[1]) +
                            ", \"none\": " + std::to_string(m.ops_by_source[2]) + "}";
  std::string& j = out.risk_json;
  j = "\"replications\": " + std::to_string(o.replications) + ", \"seed\": " + std::to_string(o.seed) +
      ", \"durations\": \"" + duration_model_name(o.durations) + "\", \"breakdowns\": " +
      (o.breakdowns ? "true" : "false") + ", \"orders_with_due\": " + std::to_string(r.orders_with_due) +
      ", \"planned_on_time\": ";
  number(j, r.planned_on_time, "%.6g");
  j += ", \"on_time\": {\"mean\": ";
  number(j, r.on_time_mean, "%.6g");
  j += ", \"p10\": ";
  number(j, r.on_time_p10, "%.6g");
  j += ", \"p50\": ";
  number(j, r.on_time_p50, "%.6g");
  j += ", \"p90\": ";
  number(j, r.on_time_p90, "%.6g");
  j += "}";
  return out;
}

}  // namespace pp::simulate
