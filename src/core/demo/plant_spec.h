// The fixed description of the demo plant: its 71 phases (work centers), the
// product families, the defect catalogue, and every constant of a planted
// effect. Pure data; the generator stages read it. generator.cpp's header
// comment documents the same numbers for the people who analyse the data.
#pragma once
#include "core/common/core_only.h"

#include <array>
#include <cstdint>
#include <vector>

namespace pp::demo {

enum class SizeClass : int { Small = 0, Medium = 1, Large = 2 };
enum class PhaseRole : int { Unused, Mandatory, Optional };

struct PhaseSpec {
  int id = 0;                     // Fase_Id
  const char* name = "";          // Fase_Nome
  int sequence = 0;               // Fase_Sequencia
  bool production = true;         // Fase_DeProducao
  bool automatic = false;         // Fase_Automatica
  bool evaluation = false;        // finds defects
  PhaseRole role = PhaseRole::Unused;
  int capacity1 = 1;              // capacity units at scale 1
  double utilization = 0;         // long-run target utilization at scale 1 (used phases)
  double weight_exponent = 0;     // duration ~ (finish weight / 100 kg)^exponent
  double sigma = 0;               // log-normal noise of durations
  double defect_multiplier = 0;   // culprit-phase multiplier (0: never blamed)
  bool around_the_clock = false;  // CAL-24x7 (else CAL-2SHIFT)
  bool colour_setups = false;     // a setup event on every colour change of a unit
  std::array<double, 3> affinity{0, 0, 0};  // optional phases: inclusion weight per size class
  int fixed_staff = 0;            // employees of an unused phase (used phases: derived)
  std::vector<int> defects;       // indexes into defect_descriptions()
};

struct FamilySpec {
  const char* name;
  SizeClass size;
  int exported_products;  // in Modelos
  int hidden_products;    // referenced by orders, absent from Modelos
  double min_kg, max_kg;  // demould weight range (log-uniform)
  int route_min, route_max;
  double order_share;        // share of orders
  double defect_multiplier;  // planted: product family effect on defects
};

const std::vector<PhaseSpec>& phase_specs();
const std::vector<FamilySpec>& family_specs();
const std::vector<const char*>& defect_descriptions();  // 47

struct Colour {
  const char* name;
  double share;
};
const std::vector<Colour>& colours();
const std::vector<const char*>& downtime_reasons_manual();
const std::vector<const char*>& downtime_reasons_automatic();
const std::vector<const char*>& series_names();
const std::vector<const char*>& first_names();
const std::vector<const char*>& surnames();

// ---- the volume of the reference export (scale 1, workbook rows) ----------
inline constexpr double kOrdersRows1 = 27380;
inline constexpr double kOperationsRows1 = 519079;
inline constexpr double kAssignmentsRows1 = 423769;
inline constexpr double kDefectsRows1 = 89836;
inline constexpr int kProducts = 894;
inline constexpr int kRoutingSteps = 15347;
inline constexpr int kEmployees = 902;
inline constexpr int kInactiveEmployees = 361;  // ~40% have left
inline constexpr int kWorkCenters = 71;

// ---- workbook flaw rates (share of the sheet's workbook rows) -------------
inline constexpr double kDupOrders = 0.001, kDupOperations = 0.002, kDupAssignments = 0.005,
                        kDupDefects = 0.003;
inline constexpr double kBadDateOrders = 0.0002, kEndBeforeStart = 0.0005, kBadDateOperations = 0.0002,
                        kSeverityDomain = 0.0005;

// ---- orphans ----------------------------------------------------------------
inline constexpr double kExportedProductShare = 0.725;  // orders whose product is in Modelos
inline constexpr double kMatchedAssignmentShare = 0.323;  // assignments whose operation is exported

// ---- time frame ---------------------------------------------------------------
inline constexpr int kSpanDays1 = 1826;   // five years of orders at scale 1
inline constexpr int kWarmupDays = 45;    // unexported orders that load the shop before the window
inline constexpr double kOrdersPerYear1 = 27348.0 / (kSpanDays1 / 365.25);  // clean orders, scale 1
inline constexpr double kTwoShiftMinutesPerYear = 233760;  // ~243.5 working days x 960 min
inline constexpr double kAroundTheClockMinutesPerYear = 525960;

// ---- arrivals ------------------------------------------------------------------
inline constexpr double kSeasonAmplitude = 0.35;  // rate x (1 + A cos(2 pi (doy - peak) / 365.25))
inline constexpr int kSeasonPeakDoy = 105;        // mid April
inline constexpr double kShutdownArrivalFactor = 0.3;
// Due date = creation + ceil(median simulated lead time of the product's
// family x U(kQuoteMin, kQuoteMax)) days, at midnight: sales quotes what the
// plant usually achieves, whatever the current load (busy periods end late).
inline constexpr double kQuoteMin = 1.0, kQuoteMax = 1.6;

// ---- durations -------------------------------------------------------------------
inline constexpr double kWeightRefKg = 100.0;
inline constexpr double kMinOperationMinutes = 5.0;
inline constexpr double kReworkDurationMin = 0.3, kReworkDurationMax = 0.6;  // x a normal pass
inline constexpr double kSetupMinutesMin = 20, kSetupMinutesMax = 45;
// Routing coefficient = kCoefficientBias x expected working hours x LN(kCoefficientSigma).
inline constexpr double kCoefficientBias = 0.87;
inline constexpr double kCoefficientSigma = 0.10;

// ---- defects ---------------------------------------------------------------------
inline constexpr double kDefectBaseRate = 0.198;  // expected defects of a culprit op before multipliers
inline constexpr double kShift2DefectMultiplier = 1.35;
struct TenureBand {
  double max_years;
  double multiplier;
};
// Minimum tenure (years since hire) among the culprit operation's crew.
inline constexpr std::array<TenureBand, 5> kTenureBands{{{0.5, 1.8}, {1.0, 1.4}, {2.0, 1.15}, {5.0, 1.0}, {1e9, 0.9}}};
inline constexpr std::array<double, 3> kSeverityShare{0.6, 0.3, 0.1};
inline constexpr double kReworkProbability = 0.4;  // after an evaluation with a severity >= 2 defect
// Expected rework passes per order (calibrated); the routing operations leave
// room for 95% of them minus 3 sigma, the surplus passes are trimmed.
inline constexpr double kReworkPerOrder = 0.40;
inline constexpr int kBottleneckPhaseId = 17;      // Laminação

// ---- crews -------------------------------------------------------------------------
inline constexpr std::array<double, 3> kCrewSizeShare{0.30, 0.45, 0.25};  // 1, 2, 3 employees

// ---- resource events ------------------------------------------------------------------
inline constexpr double kBreakdownsPerMonth = 1.5;  // per used work center
inline constexpr double kBreakdownMinMinutes = 30, kBreakdownMaxMinutes = 2880;

}  // namespace pp::demo
