// The canonical factory model as plain structs: what the demo generator makes,
// what the workbook writer and the COPY serializer read, and (later) what the
// ingestion pipeline and the planners fill from SQL rows.
//
// Conventions (all structs):
//   * Times are seconds since 1970-01-01 00:00:00 UTC (Unix time, int64).
//     std::nullopt is SQL NULL.
//   * Durations and standard times say their unit in the field name.
//   * External ids are text, as ERPs use letters too.
//   * Every row belongs to one plant; Factory::plant_id holds it (single-plant
//     demo), the SQL tables carry it as the leading key column.
#pragma once
#include "core/common/core_only.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pp::model {

using Time = std::int64_t;  // seconds since Unix epoch, UTC
using OptTime = std::optional<Time>;

// ---- master data -----------------------------------------------------------

struct Calendar {
  std::string calendar_id;
  std::string name;
  std::string timezone;  // IANA name; demo times are generated in UTC wall clock
};

// A recurring shift: on each weekday in the mask, from start to end minute of
// the day (end may exceed 1440 for a shift crossing midnight).
struct Shift {
  std::string calendar_id;
  int shift_no = 1;          // 1, 2, ... as in FaseOf_Turno
  int weekday_mask = 0x1F;   // bit 0 = Monday ... bit 6 = Sunday
  int start_minute = 0;      // minutes after local midnight
  int end_minute = 0;        // exclusive
};

// A dated exception to a calendar: a holiday (no work), a planned downtime
// window, or overtime (extra working time).
struct CalendarException {
  std::string calendar_id;
  std::string kind;  // "holiday", "downtime", "overtime"
  Time starts_at = 0;
  Time ends_at = 0;  // exclusive
  std::string note;
};

// A phase of the workbook is a work center.
struct WorkCenter {
  std::string work_center_id;  // Fase_Id
  std::string name;            // Fase_Nome
  int sequence = 0;            // Fase_Sequencia
  bool is_production = true;   // Fase_DeProducao
  bool is_automatic = false;   // Fase_Automatica
  bool is_evaluation = false;  // quality evaluation phase (finds defects)
  int capacity_units = 1;      // operations it can run at once
  std::string calendar_id;
};

struct Product {
  std::string product_id;  // Produto_Id
  std::string name;
  std::optional<double> demould_weight_kg;  // Produto_PesoDesmolde
  std::optional<double> finish_weight_kg;   // Produto_PesoAcabamento
  std::optional<double> gel_deck_kg;        // Produto_QtdGelDeck
  std::optional<double> gel_hull_kg;        // Produto_QtdGelCasco
  std::string family;                       // derived from the name (demo: hidden effect)
};

struct RoutingStep {
  std::string product_id;
  std::string work_center_id;
  int sequence = 0;
  std::optional<double> coefficient;    // ProdutoFase_Coeficiente (unit undocumented)
  std::optional<double> coefficient_x;  // ProdutoFase_CoeficienteX
  std::optional<double> standard_minutes;  // estimated; NULL until history says
};

struct Employee {
  std::string employee_id;
  std::string name;
  bool active = true;
  OptTime hired_at;  // not in the workbook; drives tenure in the demo
};

struct EmployeeSkill {
  std::string employee_id;
  std::string work_center_id;
  OptTime qualified_since;  // FuncionarioFase_Inicio
};

struct Material {
  std::string material_id;
  std::string name;
  std::string unit;  // "kg", "m2", ...
  double unit_cost = 0;
  double supplier_lead_time_days = 0;
  double min_order_qty = 0;
};

// Material consumed by one unit of a product at a work center.
struct BomLine {
  std::string product_id;
  std::string material_id;
  std::string work_center_id;  // where it is consumed
  double quantity_per_unit = 0;
};

// ---- transactions ----------------------------------------------------------

struct ProductionOrder {
  std::string order_id;        // Of_Id
  Time created_at = 0;         // Of_DataCriacao
  OptTime finished_at;         // Of_DataAcabamento
  std::string product_id;      // Of_ProdutoId (may be unknown: orphan)
  std::optional<std::string> current_work_center_id;  // Of_FaseId
  OptTime due_at;              // Of_DataTransporte
  double quantity = 1;
};

struct Operation {
  std::string operation_id;    // FaseOf_Id
  std::string order_id;        // FaseOf_OfId
  OptTime started_at;          // FaseOf_Inicio
  OptTime ended_at;            // FaseOf_Fim (NULL while open)
  OptTime planned_at;          // FaseOf_DataPrevista
  std::optional<double> coefficient;    // FaseOf_Coeficiente
  std::optional<double> coefficient_x;  // FaseOf_CoeficienteX
  std::string work_center_id;  // FaseOf_FaseId
  std::optional<double> weight_kg;      // FaseOf_Peso
  bool is_rework = false;      // FaseOf_Retorno
  std::optional<int> shift;    // FaseOf_Turno: 1, 2 or NULL
  int sequence = 0;            // FaseOf_Sequencia
  // Partition key: ended_at, else started_at, else planned_at, else the
  // order's created_at. Always set by whoever fills the struct.
  Time event_time = 0;
};

struct OperationAssignment {
  std::string operation_id;  // may be unknown: orphan
  std::string employee_id;
  bool is_lead = false;
};

struct Defect {
  std::string description;             // Erro_Descricao
  std::string order_id;                // Erro_OfId
  std::string evaluation_work_center_id;  // Erro_FaseAvaliacao
  int severity = 1;                    // OFCH_GRAVIDADE, 1..3
  std::string evaluation_operation_id;  // Erro_FaseOfAvaliacao
  std::optional<std::string> culprit_operation_id;  // Erro_FaseOfCulpada
  // Partition key: the evaluating operation's event time, else the order's
  // creation.
  Time detected_at = 0;
};

// Downtime / setup / run intervals of a work center.
struct ResourceEvent {
  std::string event_id;
  std::string work_center_id;
  std::string kind;  // "downtime", "setup", "run"
  Time started_at = 0;
  OptTime ended_at;
  std::string reason;
};

// An SPC characteristic with its specification limits.
struct Characteristic {
  std::string characteristic_id;
  std::string name;
  std::string unit;
  std::string work_center_id;
  double lsl = 0, target = 0, usl = 0;
};

struct Measurement {
  std::string measurement_id;
  std::string characteristic_id;
  std::optional<std::string> order_id;
  std::optional<std::string> operation_id;
  Time measured_at = 0;
  double value = 0;
  int subgroup = 0;  // rational subgroup number within the characteristic
};

struct StockBalance {
  std::string material_id;
  std::string location;
  Time as_of = 0;
  double on_hand = 0;
};

struct StockMovement {
  std::string movement_id;
  std::string material_id;
  Time moved_at = 0;
  double quantity = 0;  // + receipt, - issue
  std::string kind;     // "receipt", "issue", "adjustment"
  std::optional<std::string> order_id;
};

struct OpenSupply {
  std::string supply_id;
  std::string material_id;
  double quantity = 0;
  Time due_at = 0;
  std::string supplier;
};

// ---- planted workbook flaws -------------------------------------------------

// The nine sheets of the reference workbook, in the order they are written.
enum class Sheet {
  Orders,            // OrdensFabrico
  Operations,        // FasesOrdemFabrico
  Assignments,       // FuncionariosFaseOrdemFabrico
  Defects,           // OrdemFabricoErros
  Employees,         // Funcionarios
  Skills,            // FuncionariosFasesAptos
  WorkCenters,       // Fases
  Products,          // Modelos
  RoutingSteps,      // FasesStandardModelos
};
constexpr int kSheetCount = 9;

// An exact copy of a valid row that the workbook repeats. The direct load
// (load_demo) stores the row once; ingestion must count it as a duplicate.
struct DuplicateRow {
  Sheet sheet = Sheet::Operations;
  std::size_t source_index = 0;  // index into the sheet's clean vector
  std::size_t after_index = 0;   // written right after this clean row
};

// A row that must be quarantined: its cells as the workbook writes them (text,
// in the sheet's column order), and the reason ingestion should report. The
// direct load does not store it.
struct InvalidRow {
  Sheet sheet = Sheet::Operations;
  std::size_t after_index = 0;   // written right after this clean row
  std::vector<std::string> cells;  // one per column; "" = empty cell
  std::string reason_code;         // e.g. "end_before_start", "severity_domain", "bad_date"
};

// ---- the whole factory -------------------------------------------------------

struct Factory {
  std::string plant_id;
  std::string plant_name;
  Time export_at = 0;  // the moment the ERP export was taken ("now" of the data)

  std::vector<Calendar> calendars;
  std::vector<Shift> shifts;
  std::vector<CalendarException> calendar_exceptions;
  std::vector<WorkCenter> work_centers;
  std::vector<Product> products;
  std::vector<RoutingStep> routing_steps;
  std::vector<Employee> employees;
  std::vector<EmployeeSkill> skills;
  std::vector<Material> materials;
  std::vector<BomLine> bom_lines;

  std::vector<ProductionOrder> orders;
  std::vector<Operation> operations;
  std::vector<OperationAssignment> assignments;
  std::vector<Defect> defects;
  std::vector<ResourceEvent> resource_events;
  std::vector<Characteristic> characteristics;
  std::vector<Measurement> measurements;
  std::vector<StockBalance> stock_balances;
  std::vector<StockMovement> stock_movements;
  std::vector<OpenSupply> open_supply;

  std::vector<DuplicateRow> duplicates;
  std::vector<InvalidRow> invalid_rows;
};

}  // namespace pp::model
