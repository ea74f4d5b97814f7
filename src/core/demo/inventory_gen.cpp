// Materials, bills of materials and stock.
//
// GEL-DECK / GEL-HULL (kg of gelcoat, BOM = the product's gel_deck_kg /
// gel_hull_kg, consumed at Gelcoat), RESIN (0.55 kg per demould kg), FIBRE
// (0.40 kg/kg) and CATALYST (1.5% of the resin) consumed at Laminação. An
// operation consumes its BOM x LN(0.05) (x0.25 for a rework pass) when it
// ends. Stock, per material, in whole grams so that sums are exact: an opening
// "adjustment" (the stock count) at the window start; one "issue" a day equal
// to what the operations that ended that day consumed (at 23:00); "receipt"s
// from a reorder-point policy (order when on hand + on order <= max(trailing
// 30-day, overall) daily demand x (lead time + 14 days) + 2 x the largest
// daily demand; quantity max(min order qty, 15 days of demand); arrival after the supplier lead time +- 15%, at 10:00); a few
// cycle-count "adjustment"s (about 4 a year, +-1% of on hand). Purchase
// orders due after export_at are the open supply. The balance at export_at is
// exactly the sum of the movements.
#include "core/demo/plant_spec.h"
#include "core/demo/rng.h"
#include "core/demo/stages.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <tuple>

namespace pp::demo {

namespace {

struct MaterialSpec {
  const char* id;
  const char* name;
  double unit_cost;
  double lead_days;
  double min_order_kg;
  const char* supplier;
};
constexpr MaterialSpec kMaterials[] = {
    {"GEL-DECK", "Gelcoat de convés", 9.5, 14, 200, "Resinas do Atlântico, Lda"},
    {"GEL-HULL", "Gelcoat de casco", 9.0, 14, 200, "Resinas do Atlântico, Lda"},
    {"RESIN", "Resina de poliéster", 3.2, 10, 1000, "Polímeros do Norte, SA"},
    {"FIBRE", "Fibra de vidro (mat e roving)", 2.4, 21, 500, "Vidrotêxtil Ibérica, SL"},
    {"CATALYST", "Catalisador MEKP", 12.0, 7, 25, "Química Industrial do Sado, Lda"},
};
constexpr int kGelDeck = 0, kGelHull = 1, kResin = 2, kFibre = 3, kCatalyst = 4;
constexpr int kMaterialCount = 5;
constexpr double kResinPerKg = 0.55, kFibrePerKg = 0.40, kCatalystPerResin = 0.015;

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

int phase_index(const char* name) {
  const auto& specs = phase_specs();
  for (std::size_t p = 0; p < specs.size(); ++p) {
    if (std::string_view(specs[p].name) == name) return static_cast<int>(p);
  }
  throw Error(ErrorKind::Internal, "demo plant: no phase named " + std::string(name));
}

struct Move {
  Time at;
  int material;
  int kind;  // 0 adjustment, 1 receipt, 2 issue
  std::int64_t grams;
};

}  // namespace

void build_inventory(DemoState& st, const CancelToken& cancel) {
  Rng rng(st.seed, Stream::Inventory);
  auto& f = st.f;
  const Time E = st.options.export_at;
  const int gelcoat = phase_index("Gelcoat"), lamination = phase_index("Laminação");
  const std::string gel_id = std::to_string(phase_specs()[static_cast<std::size_t>(gelcoat)].id);
  const std::string lam_id = std::to_string(phase_specs()[static_cast<std::size_t>(lamination)].id);
  for (const MaterialSpec& m : kMaterials) {
    f.materials.push_back({m.id, m.name, "kg", m.unit_cost, m.lead_days, m.min_order_kg});
  }
  for (const ProductInfo& p : st.products) {
    if (!p.exported) continue;
    if (!p.null_deck) f.bom_lines.push_back({p.id, kMaterials[kGelDeck].id, gel_id, p.gel_deck_kg});
    if (!p.null_hull) f.bom_lines.push_back({p.id, kMaterials[kGelHull].id, gel_id, p.gel_hull_kg});
    f.bom_lines.push_back({p.id, kMaterials[kResin].id, lam_id, round3(kResinPerKg * p.demould_kg)});
    f.bom_lines.push_back({p.id, kMaterials[kFibre].id, lam_id, round3(kFibrePerKg * p.demould_kg)});
    f.bom_lines.push_back({p.id, kMaterials[kCatalyst].id, lam_id, round3(kCatalystPerResin * kResinPerKg * p.demould_kg)});
  }

  // Daily consumption in grams.
  const std::int64_t d0 = day_start(st.tf.window_start) / kDay;
  const std::int64_t d1 = (E - 1 >= day_start(st.tf.window_start) ? day_start(E - 1) / kDay : d0) + 1;  // exclusive
  const std::size_t ndays = static_cast<std::size_t>(d1 - d0);
  std::vector<std::int64_t> demand[kMaterialCount];
  for (auto& v : demand) v.assign(ndays, 0);
  for (std::size_t i = 0; i < st.ops.size(); ++i) {
    if ((i & 8191) == 0) cancel.poll();
    const SimOp& op = st.ops[i];
    if (st.op_row[i] < 0 || op.end > E || op.end < st.tf.window_start) continue;
    if (op.phase != gelcoat && op.phase != lamination) continue;
    const ProductInfo& p = st.products[static_cast<std::size_t>(st.orders[static_cast<std::size_t>(op.order)].product)];
    const std::size_t day = static_cast<std::size_t>(day_start(op.end) / kDay - d0);
    const double k = op.rework ? 0.25 : 1.0;
    auto use = [&](int m, double kg) {
      demand[m][day] += static_cast<std::int64_t>(std::llround(kg * k * rng.lognormal_mean1(0.05) * 1000.0));
    };
    if (op.phase == gelcoat) {
      use(kGelDeck, p.gel_deck_kg);
      use(kGelHull, p.gel_hull_kg);
    } else {
      const double resin = kResinPerKg * p.demould_kg;
      use(kResin, resin);
      use(kFibre, kFibrePerKg * p.demould_kg);
      use(kCatalyst, kCatalystPerResin * resin);
    }
  }

  std::vector<Move> moves;
  int po_number = 0;
  char buf[32];
  for (int m = 0; m < kMaterialCount; ++m) {
    const MaterialSpec& spec = kMaterials[m];
    const std::vector<std::int64_t>& dem = demand[m];
    std::int64_t total = 0;
    for (std::int64_t g : dem) total += g;
    const double avg_all = static_cast<double>(total) / static_cast<double>(std::max<std::size_t>(1, ndays));
    const std::int64_t moq = static_cast<std::int64_t>(spec.min_order_kg * 1000);
    // Safety stock: two of the largest daily demands (lumpy at small scales).
    const double safety = 2.0 * static_cast<double>(*std::max_element(dem.begin(), dem.end()));
    std::int64_t on_hand =
        std::max<std::int64_t>(moq, std::llround(avg_all * (spec.lead_days + 30) + safety));
    moves.push_back({st.tf.window_start, m, 0, on_hand});
    std::vector<std::pair<std::int64_t, std::int64_t>> pending;  // (due day, grams)
    std::int64_t on_order = 0, trailing = 0;
    for (std::size_t i = 0; i < ndays; ++i) {
      const std::int64_t day = d0 + static_cast<std::int64_t>(i);
      for (auto it = pending.begin(); it != pending.end();) {
        if (it->first == day && day * kDay + 10 * kHour <= E) {
          on_hand += it->second;
          on_order -= it->second;
          moves.push_back({std::max(st.tf.window_start, day * kDay + 10 * kHour), m, 1, it->second});
          it = pending.erase(it);
        } else {
          ++it;
        }
      }
      if (dem[i] > 0) {
        on_hand -= dem[i];
        moves.push_back({std::min(E, day * kDay + 23 * kHour), m, 2, -dem[i]});
      }
      if (rng.chance(4.0 / 365.25) && on_hand > 0) {
        const std::int64_t delta = std::llround(static_cast<double>(on_hand) * rng.normal(0.0, 0.01));
        if (delta != 0) {
          on_hand += delta;
          moves.push_back({std::min(E, day * kDay + 18 * kHour), m, 0, delta});
        }
      }
      trailing += dem[i];
      if (i >= 30) trailing -= dem[i - 30];
      const double avg = std::max(i >= 29 ? static_cast<double>(trailing) / 30.0 : avg_all, avg_all);
      if (static_cast<double>(on_hand + on_order) <= avg * (spec.lead_days + 14) + safety) {
        const std::int64_t q = std::max<std::int64_t>(moq, std::llround(avg * 15.0 / 1000.0) * 1000);
        const double lead = std::max(1.0, std::round(spec.lead_days * rng.uniform(0.85, 1.15)));
        const std::int64_t due = day + static_cast<std::int64_t>(lead);
        pending.emplace_back(due, q);
        on_order += q;
        ++po_number;
        if (due * kDay + 10 * kHour > E) {
          std::snprintf(buf, sizeof buf, "PO-%06d", po_number);
          f.open_supply.push_back({buf, spec.id, static_cast<double>(q) / 1000.0, due * kDay + 10 * kHour, spec.supplier});
        }
      }
    }
  }
  cancel.poll();
  std::stable_sort(moves.begin(), moves.end(), [](const Move& a, const Move& b) {
    return std::tie(a.at, a.material, a.kind) < std::tie(b.at, b.material, b.kind);
  });
  std::int64_t balance[kMaterialCount] = {0, 0, 0, 0, 0};
  static const char* const kinds[] = {"adjustment", "receipt", "issue"};
  f.stock_movements.reserve(moves.size());
  for (std::size_t i = 0; i < moves.size(); ++i) {
    const Move& mv = moves[i];
    std::snprintf(buf, sizeof buf, "MV%08zu", i + 1);
    f.stock_movements.push_back({buf, kMaterials[mv.material].id, mv.at, static_cast<double>(mv.grams) / 1000.0,
                                 kinds[mv.kind], std::nullopt});
    balance[mv.material] += mv.grams;
  }
  for (int m = 0; m < kMaterialCount; ++m) {
    f.stock_balances.push_back({kMaterials[m].id, "MAIN", E, static_cast<double>(balance[m]) / 1000.0});
  }
  std::stable_sort(f.open_supply.begin(), f.open_supply.end(),
                   [](const model::OpenSupply& a, const model::OpenSupply& b) { return a.due_at < b.due_at; });
}

}  // namespace pp::demo
