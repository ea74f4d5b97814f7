// The staging layout of the nine workbook entities (staging.h). Column names
// are those of the canonical tables (migrations/prodplan--0.1.0.sql).
#include "core/ingest/staging.h"

namespace pp::ingest {

namespace {

constexpr ColumnSpec col(std::string_view name, ColumnType type, bool required = false, bool key = false) {
  return ColumnSpec{name, type, required, key};
}

using T = ColumnType;
constexpr bool kReq = true;
constexpr bool kKey = true;

}  // namespace

const std::vector<EntitySpec>& workbook_entities() {
  static const std::vector<EntitySpec> entities = {
      {"work_center",
       {col("work_center_id", T::Id, kReq, kKey), col("name", T::Text, kReq), col("sequence", T::Integer),
        col("is_production", T::Flag), col("is_automatic", T::Flag)}},
      {"product",
       {col("product_id", T::Id, kReq, kKey), col("name", T::Text, kReq), col("demould_weight_kg", T::Real),
        col("finish_weight_kg", T::Real), col("gel_deck_kg", T::Real), col("gel_hull_kg", T::Real)}},
      {"routing_step",
       {col("product_id", T::Id, kReq, kKey), col("work_center_id", T::Id, kReq),
        col("sequence", T::Integer, kReq, kKey), col("coefficient", T::Real), col("coefficient_x", T::Real)}},
      {"employee", {col("employee_id", T::Id, kReq, kKey), col("name", T::Text, kReq), col("is_active", T::Flag)}},
      {"employee_skill",
       {col("employee_id", T::Id, kReq, kKey), col("work_center_id", T::Id, kReq, kKey),
        col("qualified_since", T::Timestamp)}},
      {"production_order",
       {col("order_id", T::Id, kReq, kKey), col("product_id", T::Id, kReq), col("created_at", T::Timestamp, kReq),
        col("finished_at", T::Timestamp), col("due_at", T::Timestamp), col("current_work_center_id", T::Id)}},
      {"operation",
       {col("operation_id", T::Id, kReq, kKey), col("order_id", T::Id, kReq), col("work_center_id", T::Id, kReq),
        col("sequence", T::Integer), col("is_rework", T::Flag), col("shift", T::Integer),
        col("started_at", T::Timestamp), col("ended_at", T::Timestamp), col("planned_at", T::Timestamp),
        col("coefficient", T::Real), col("coefficient_x", T::Real), col("weight_kg", T::Real)},
       {"ended_at", "started_at", "planned_at"}},
      {"operation_assignment",
       {col("operation_id", T::Id, kReq, kKey), col("employee_id", T::Id, kReq, kKey), col("is_lead", T::Flag)}},
      {"defect",
       {col("order_id", T::Id, kReq, kKey), col("evaluation_operation_id", T::Id, kReq, kKey),
        col("description", T::Text, kReq, kKey), col("culprit_operation_id", T::Id, false, kKey),
        col("evaluation_work_center_id", T::Id, kReq), col("severity", T::Integer, kReq)}},
  };
  return entities;
}

const EntitySpec* find_entity(std::string_view entity) {
  for (const EntitySpec& e : workbook_entities())
    if (e.entity == entity) return &e;
  return nullptr;
}

}  // namespace pp::ingest
