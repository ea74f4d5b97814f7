// The deterministic demo factory: a make-to-order composite-boat plant whose
// data has the shape and the flaws of the reference PRODPLAN export
// (../shared/DOMAIN.md), plus what the workbook lacks. This comment documents
// every planted effect and its parameters; tests (tests/unit/
// test_demo_generator.cpp) and later analytics rely on it. The constants live
// in plant_spec.h / plant_spec.cpp and in the stage files named below.
//
// DETERMINISM. Same (scale, seed, export_at) => identical Factory. All random
// numbers come from our own xoshiro256** (rng.h), one independent stream per
// stage; no clock, no addresses, no unordered-container iteration, no
// std::*_distribution. Times are UTC wall clock (calendars say "UTC").
//
// VOLUME (scale s; workbook rows = clean + DuplicateRow + InvalidRow).
//   Master data does not scale: 71 work centers, 894 products (Modelos),
//   exactly 15,347 routing steps (routings of 10..30 steps), 902 employees,
//   902 skills (one phase each), 5 materials, BOM lines for every product.
//   Workbook rows at s = round(N1 * s): orders 27,380 (min 1), operations
//   519,079, assignments 423,769, defects 89,836. Orders, assignments and
//   defects are exact; operations are exact whenever the simulated rework
//   passes exceed the room left for them (exact in every run tried: s = 0.01,
//   0.02, 0.05, 0.1, 0.2, 1, 2 with seed 42, and s = 1 with seeds 43, 7, -1).
//   Measurements ~157,000 at s = 1 (proportional to s).
//
// TIME FRAME. Orders are created over span = 1826 days x s x 16 / c_b(s)
//   ending at export_at, where c_b(s) = max(1, round(16 s)) is the capacity of
//   the bottleneck: 5 years whenever 16 s is a whole number (s = 1: 1826 d),
//   between about 3.3 and 6.7 years for s >= 0.1, shorter below (s = 0.02:
//   584 d, s = 0.01: 292 d). This keeps the arrival rate per bottleneck unit,
//   hence the bottleneck's utilization, the same at every scale. Orders of a
//   45-day warm-up before the window load the shop and are not exported.
//
// CAPACITY. Work center capacity_units: Laminação max(1, round(16 s)); every
//   other phase max(1, ceil(c1 x r)) with r = c_b(s) / 16, c1 its scale-1
//   capacity (table below). No phase is then busier than at scale 1 relative
//   to the bottleneck. Queueing looks alike for s >= 0.1; with fewer parallel
//   units (s < 0.1) the same utilization gives longer queues (M/G/c), so lead
//   times grow (mean 14 d at s = 1, 21 d at s = 0.2, 24 d at s = 0.02).
//
// PHASES (work centers). 71 with Portuguese names; 32 used in routings (10
//   mandatory M, 22 optional o, drawn with size-class affinity), 4 evaluation
//   phases (E: they find defects), 3 automatic ones on CAL-24x7 (A); the other
//   39 (CAD, Compras, Fabrico de Moldes, ...) are exported but unused. Mean
//   working minutes of a normal pass = u x c1 x minutes per year (233,760 on
//   CAL-2SHIFT, 525,960 on CAL-24x7) / (5,470 orders per year x visits per
//   order), so u is the long-run utilization at scale 1. Per used phase:
//     id name                      role  c1   u    weight exp  sigma  defect x
//     10 Preparação de Moldes       M     6  0.62  0.35       0.30   0.5
//     11 Aplicação de Desmoldante   o     3  0.50  0.30       0.25   0.4
//     13 Gelcoat                    M     8  0.66  0.45       0.30   1.6   colour setups
//     14 Cura Gelcoat               oA    3  0.45  0.15       0.20   0.3   24x7
//     15 Corte de Fibra             o     3  0.55  0.40       0.30   0.3
//     17 Laminação                  M    16  0.86  0.55       0.35   1.5   THE BOTTLENECK
//     18 Laminação de Reforços      o     6  0.62  0.50       0.35   0.9
//     19 Infusão                    o     4  0.60  0.50       0.35   1.0
//     21 Cura                       MA   24  0.55  0.15       0.20   0.6   24x7
//     22 Desmoldagem                M     6  0.65  0.40       0.30   1.0
//     23 Inspeção de Desmoldagem    ME    3  0.55  0.30       0.30   -
//     24 Corte e Rebarbagem         M     5  0.66  0.40       0.30   0.8
//     26 Furação                    o     2  0.50  0.35       0.30   0.5
//     27 Colagem Casco-Convés       o     5  0.62  0.45       0.30   1.1
//     29 Lixagem                    o     6  0.66  0.45       0.30   0.7
//     31 Betumagem                  o     4  0.58  0.40       0.30   0.6
//     32 Pintura                    o     6  0.64  0.45       0.30   1.4   colour setups
//     33 Estufa de Pintura          oA    2  0.40  0.15       0.20   0.3   24x7
//     35 Polimento                  o     5  0.60  0.45       0.30   0.6
//     36 Controlo Intermédio        oE    2  0.50  0.30       0.30   -
//     39 Carpintaria                o     4  0.58  0.50       0.35   0.6
//     41 Montagem Elétrica          o     4  0.60  0.45       0.35   0.7
//     43 Montagem Mecânica          o     5  0.62  0.45       0.35   0.7
//     45 Montagem de Acessórios     o     6  0.64  0.40       0.30   0.6
//     47 Estofos                    o     3  0.55  0.45       0.30   0.5
//     50 Teste de Estanquidade      oE    2  0.50  0.30       0.25   -
//     51 Acabamento                 M     8  0.68  0.45       0.30   0.8
//     52 Retoques Finais            o     3  0.50  0.40       0.35   0.4
//     53 Limpeza Final              o     3  0.45  0.35       0.25   0.3
//     54 Avaliação Final            ME    4  0.58  0.30       0.25   -
//     55 Embalagem                  M     3  0.50  0.35       0.25   0.2
//     56 Expedição (not production) o     2  0.30  0.20       0.25   -
//   Measured working-time utilization at s = 1 (seed 42): Laminação 0.86,
//   next Acabamento 0.68; s = 0.2: 0.87 vs 0.62; s = 0.02: 0.84 vs 0.40.
//
// CALENDARS (calendar_gen.cpp). CAL-2SHIFT: shift 1 06:00-14:00, shift 2
//   14:00-22:00, Monday-Friday; exceptions: the 10 fixed-date Portuguese
//   holidays (Jan 1, Apr 25, May 1, Jun 10, Aug 15, Oct 5, Nov 1, Dec 1, Dec 8,
//   Dec 25) and a 14-day August shutdown from the first Monday of August, kind
//   "holiday", for every year from the warm-up to export year + 1; 4 random
//   overtime Saturdays (06:00-14:00, shift 1) each April-June up to the
//   export. CAL-24x7: three shifts (06-14, 14-22, 22-06) every day, no
//   exceptions.
//
// PRODUCTS (master_data_gen.cpp). 7 families (name prefix = Product.family):
//     family          exported hidden  demould kg   route  order share  defect x
//     Kayak               260     95     14-35      10-16     0.24        0.8
//     Canoa               110     40     25-60      10-17     0.09        0.9
//     Prancha SUP          90     35      9-22      10-14     0.07        0.7
//     Gaivota              70     25    120-260     14-22     0.08        1.0
//     Barco de Pesca      150     60    250-800     15-25     0.23        1.2
//     Lancha              134     55    700-2500    19-29     0.20        1.4
//     Veleiro              80     30    900-3800    21-30     0.10        1.6
//   Weights log-uniform; finish = demould x U(1.02-1.15 small, 1.08-1.30
//   medium, 1.12-1.45 large); gel hull = 0.095 demould^0.82 x U(0.9, 1.1), gel
//   deck = hull x U(0.55, 0.75). NULL in Modelos: demould 1.5%, finish 1.5%,
//   gel deck 3%, gel hull 2%. Popularity within a family ~ 1/(1+U(0,n))^0.9.
//   Hidden products (340) are referenced by orders but absent from Modelos.
//   Routing coefficients (undocumented units in the workbook): Coeficiente =
//   0.87 x expected working hours of the step x LN(0.10), 0.01 h steps (NULL
//   2%); CoeficienteX = Coeficiente x 60 / finish kg (NULL 8%).
//
// ORDERS (order_gen.cpp). Creation: Poisson-like arrivals with intensity
//   (1 + 0.35 cos(2 pi (day of year - 105) / 365.25)) (busy mid-April, quiet
//   mid-October) x (1 on weekdays 08:00-18:00, 0.03 other weekday hours, 0.02
//   weekends) x 0.3 on holidays and in the August shutdown. Exactly
//   round(72.5%) of orders are for exported products, the rest (27.5%) for
//   hidden ones; family by order share, product by popularity; then products of
//   random orders are swapped for ones of the same family and category with a
//   route 1-4 steps longer/shorter until the routing operations hit the row
//   target. Ids 10001.. by creation. Release to the shop: creation + U(0, 2)
//   days. Due date (order_export.cpp) = midnight of creation + ceil(median
//   simulated lead time of the family x U(1.0, 1.6)) days, NULL 1%: quotes
//   ignore the current load, so orders created in busy periods end late (~27%
//   late at s = 1).
//
// SHOP SIMULATION (shop_simulation.cpp). Discrete events in time order; each
//   operation goes to the unit of its work center that frees first (FIFO by
//   ready time), starts at the next working instant of the work center's
//   calendar, runs its duration in working time across shifts and days.
//   Duration (working minutes) = base(phase) x (finish kg / 100)^exp(phase) x
//   LN(sigma(phase)) with mean 1, min 5; base = mean minutes / the product
//   mix's mean weight factor. Rework pass: x U(0.3, 0.6). Colour (Branco 55%,
//   Cinzento 10%, Azul 12%, Vermelho 8%, Amarelo 8%, Verde 7%) per order; a
//   colour change on a Gelcoat or Pintura unit adds a setup of U(20, 45)
//   working minutes (a "setup" resource event) before the start.
//   LEAD TIME is not drawn: it emerges from the queues, mostly at Laminação
//   in spring and after the August shutdown (corr(open orders at creation,
//   lead time) = 0.57 at s = 1, 0.72 at s = 0.2).
//
// CREWS AND TENURE (employee_gen.cpp). 541 positions ("slots"): 4 each for
//   CAD, Fabrico de Moldes and Manutenção, the rest over the manual used phases
//   proportionally to c1 (min 3). 361 departures over the slots; first holders
//   hired U(E-15y, E-5y-120d), departures spread over the rest of the time
//   (>= 120 d apart), each replacement hired 15-60 days before the departure
//   and qualified 7-14 days after hire (qualified_since). Employee ids 1001..
//   by hire date; the 361 who left are inactive (40%). A manual operation's
//   crew: 1/2/3 employees (30/45/25%), distinct current holders of the
//   phase's slots at the start (newest qualified holder of a slot), the first
//   is the lead.
//
// DEFECTS (shop_simulation.cpp, quality_gen.cpp). Each operation carries
//   lambda = 0.198 x family x phase x shift x tenure, with the multipliers of
//   the tables above, shift 2 (start 14:00-22:00 on CAL-2SHIFT) x1.35, and
//   tenure = years since hire of the crew's least experienced member at the
//   start: < 0.5 x1.8, < 1 x1.4, < 2 x1.15, < 5 x1.0, >= 5 x0.9 (automatic
//   phases x1). When an evaluation operation runs, each operation of the
//   order since the previous evaluation gets Poisson(lambda) defects (capped
//   at its phase's catalogue), each with a distinct description from that
//   phase's list (47 descriptions in all, e.g. "Bolhas no Gelcoat" at Gelcoat,
//   "Pintura Malhada" at Pintura), severity 1/2/3 with 60/30/10%, culprit =
//   that operation, detected_at = the evaluation's event time. If the
//   evaluation found a severity >= 2 defect, with probability 0.4 a rework pass
//   (is_rework) of the most severe defect's culprit phase runs right after it
//   (sequence = the culprit's). Only evaluations ended by the export count;
//   the count is then made exact by uniform thinning or by extra defects drawn
//   with the same lambda weights. Measured at s = 1: shift 2 / shift 1 defect
//   rate 1.41 (includes some phase mix), crew tenure < 1 y / >= 2 y 1.70.
//   Rework passes beyond the room left by the operation target are trimmed
//   (about 5%; ~10,100 remain at s = 1, 1.9% of operations).
//
// EXPORT AT export_at (order_export.cpp). Started = simulated start <=
//   export_at; ended likewise (else ended_at NULL: open); not started:
//   started_at and ended_at NULL. planned_at = midnight of start + N(0, 1 d)
//   (the simulated future start for unstarted ones; NULL for 2% of those,
//   whose event_time is then the order's creation). shift = 1/2 from the
//   start on CAL-2SHIFT (NULL 5%), NULL on CAL-24x7. weight = finish kg (NULL
//   0.5%). event_time = end, else start, else planned, else order creation.
//   Operation ids by creation from the first round ten thousand above the
//   pruned history. Order: finished_at = end of its last operation if <=
//   export_at; current_work_center_id = phase of its latest started operation
//   (NULL if none started, and for 2% of finished orders).
//
// ASSIGNMENTS (assignment_gen.cpp). Exactly round(32.3%) of the clean rows
//   are crews of a random sample of exported started manual operations (~15%
//   of them); the other 67.7% reference operation ids 100001.. below the first
//   exported id (pruned history before the warm-up), with plausible crews of
//   that time. One lead per operation.
//
// MATERIALS AND STOCK (inventory_gen.cpp). GEL-DECK, GEL-HULL (Gelcoat),
//   RESIN 0.55 kg/demould kg, FIBRE 0.40, CATALYST 1.5% of resin (Laminação);
//   consumption = BOM x LN(0.05) (x0.25 for rework) when the operation ends.
//   Opening "adjustment" at the window start, one "issue" per material and day
//   (23:00), "receipt"s from a reorder point (max(trailing 30-day, overall)
//   daily demand x (lead time + 14 d) + 2 x the largest daily demand;
//   quantity max(MOQ, 15 days of demand); lead time +-15%),
//   ~4 cycle-count "adjustment"s a year (+-1%); stock_balances (location MAIN)
//   = exactly the sum of the movements; open_supply = orders due after export.
//
// SPC (spc_gen.cpp). 5 characteristics (GEL-THK at Gelcoat, LAM-THK at
//   Laminação, DEM-WDEV at Desmoldagem, CURE-TEMP at Cura, PNT-THK at Pintura),
//   sigma = (usl - lsl) / 8; 30% of ended operations measured, one subgroup of
//   5/5/3/4/4 readings. Episodes, in days before export_at [from, to):
//     GEL-THK   mean +1.5 sigma [330, 309)   sigma x2 [120, 106)
//     LAM-THK   mean -1.5 sigma [250, 229)   sigma x2 [60, 46)
//     DEM-WDEV  mean +1.5 sigma [200, 179)   sigma x2 [300, 286)
//     CURE-TEMP mean -2.0 sigma [150, 136)   sigma x2 [270, 256)
//     PNT-THK   mean +1.5 sigma [90, 69)     sigma x2 [220, 206)
//
// RESOURCE EVENTS (resource_events_gen.cpp). Breakdowns: Poisson 1.5 per used
//   work center-month at random working instants from the warm-up to 2 days
//   before the export, durations log-uniform 30 min - 2 days, taking one unit
//   (so they delay the queue); one breakdown of Estufa de Pintura starts 5 h
//   before the export and is still open (the only downtime with ended_at
//   NULL). Setups: colour changes (above). Ids RE0000001.. by start.
//
// WORKBOOK FLAWS (flaws_gen.cpp), shares of the sheet's workbook rows,
//   counted inside the totals above: duplicates of distinct clean rows:
//   orders 0.1%, operations 0.2%, assignments 0.5%, defects 0.3%; invalid
//   rows: operations end_before_start 0.05% and bad_date 0.02%, defects
//   severity_domain (severity 4) 0.05%, orders bad_date 0.02%.
#include "core/demo/generator.h"

#include "core/common/civil_time.h"
#include "core/demo/plant_spec.h"
#include "core/demo/stages.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace pp::demo {

namespace {

constexpr Time kMinExportAt = 946684800;   // 2000-01-01
constexpr Time kMaxExportAt = 7258118400;  // 2200-01-01

std::string shortest(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void validate(const DemoOptions& o) {
  if (!std::isfinite(o.scale) || o.scale <= 0 || o.scale > kMaxScale) {
    throw_invalid("demo scale must be a finite number > 0 and <= " + shortest(kMaxScale) +
                      ", got " + (std::isfinite(o.scale) ? shortest(o.scale) : std::string("a non-finite value")),
                  "scale 1 is about the real 1.1 million-row export; 0.01 is the default");
  }
  if (o.export_at < kMinExportAt || o.export_at >= kMaxExportAt) {
    // Named as SQL callers know it (load_demo's as_of), in UTC civil time.
    std::string got;
    append_datetime(got, o.export_at);
    throw_invalid("demo as_of (the export moment) must be from 2000-01-01 to before 2200-01-01 UTC, got " + got +
                  " UTC");
  }
}

std::int64_t rounded(double x) { return static_cast<std::int64_t>(std::llround(x)); }

Targets compute_targets(double s) {
  Targets t;
  t.orders_rows = std::max<std::int64_t>(1, rounded(kOrdersRows1 * s));
  t.orders_dup = rounded(static_cast<double>(t.orders_rows) * kDupOrders);
  t.orders_bad_date = rounded(static_cast<double>(t.orders_rows) * kBadDateOrders);
  if (t.orders_rows - t.orders_dup - t.orders_bad_date < 1) t.orders_dup = t.orders_bad_date = 0;
  t.orders_clean = t.orders_rows - t.orders_dup - t.orders_bad_date;

  t.ops_rows = rounded(kOperationsRows1 * s);
  t.ops_dup = rounded(static_cast<double>(t.ops_rows) * kDupOperations);
  t.ops_end_before_start = rounded(static_cast<double>(t.ops_rows) * kEndBeforeStart);
  t.ops_bad_date = rounded(static_cast<double>(t.ops_rows) * kBadDateOperations);
  t.ops_clean = t.ops_rows - t.ops_dup - t.ops_end_before_start - t.ops_bad_date;

  t.asg_rows = rounded(kAssignmentsRows1 * s);
  t.asg_dup = rounded(static_cast<double>(t.asg_rows) * kDupAssignments);
  t.asg_clean = t.asg_rows - t.asg_dup;
  t.asg_matched = rounded(static_cast<double>(t.asg_clean) * kMatchedAssignmentShare);
  t.asg_orphan = t.asg_clean - t.asg_matched;

  t.def_rows = rounded(kDefectsRows1 * s);
  t.def_dup = rounded(static_cast<double>(t.def_rows) * kDupDefects);
  t.def_severity = rounded(static_cast<double>(t.def_rows) * kSeverityDomain);
  t.def_clean = t.def_rows - t.def_dup - t.def_severity;
  return t;
}

}  // namespace

model::Factory generate_demo(const DemoOptions& options, const CancelToken& cancel) {
  validate(options);
  DemoState st;
  st.options = options;
  st.seed = static_cast<std::uint64_t>(static_cast<std::int64_t>(options.seed));
  st.targets = compute_targets(options.scale);

  // Time frame. The bottleneck's capacity is round(16 x scale) (min 1), so the
  // order window is stretched by scale x 16 / that capacity: the bottleneck
  // sees the same utilization at every scale.
  const PhaseSpec* bottleneck = nullptr;
  for (const auto& p : phase_specs()) {
    if (p.id == kBottleneckPhaseId) bottleneck = &p;
  }
  const double c1 = bottleneck->capacity1;
  const double cs = std::max(1.0, std::round(c1 * options.scale));
  st.rate_ratio = cs / c1;
  TimeFrame& tf = st.tf;
  const Time E = options.export_at;
  tf.export_at = E;
  tf.span_days = static_cast<int>(std::max<std::int64_t>(1, rounded(kSpanDays1 * options.scale / st.rate_ratio)));
  tf.window_start = E - static_cast<Time>(tf.span_days) * kDay;
  tf.warmup_start = tf.window_start - kWarmupDays * kDay;
  tf.calendar_start = day_start(tf.warmup_start) - kDay;
  const int export_year = civil_from_unix(E).year;
  tf.calendar_end = days_from_civil(export_year + 4, 1, 1) * kDay;
  tf.first_year = civil_from_unix(tf.calendar_start).year;
  tf.last_year = export_year + 1;

  model::Factory& f = st.f;
  f.plant_id = "DEMO";
  f.plant_name = "Demo composite boat plant";
  f.export_at = E;

  build_master_data(st, cancel);
  build_calendars(st);
  build_employees(st);
  cancel.poll();
  build_orders(st, cancel);
  plan_breakdowns(st);
  run_shop_simulation(st, cancel);
  build_orphan_assignments(st, cancel);
  export_orders_and_operations(st, cancel);
  export_defects(st, cancel);
  export_crew_assignments(st, cancel);
  export_resource_events(st);
  build_spc(st, cancel);
  build_inventory(st, cancel);
  plant_workbook_flaws(st, cancel);
  return std::move(st.f);
}

}  // namespace pp::demo
