#include "pg/plan_read.h"

#include "pg/plan_resources.h"
#include "pg/spi_text.h"

#include "pg/pg_includes.h"

namespace pp::pg {

void read_plan_rows(const char* who, std::uintptr_t plant, std::int64_t plan_start, std::int64_t horizon_end,
                    double frozen_hours, std::uintptr_t rush_orders, std::int64_t standard_times_of_plan,
                    pp::planning::PlanRows* rows) {
  Oid t5[5] = {TEXTOID, INT8OID, INT8OID, FLOAT8OID, JSONBOID};
  Datum v5[5] = {plant, Int64GetDatum(plan_start), Int64GetDatum(horizon_end), Float8GetDatum(frozen_hours),
                 rush_orders != 0 ? (Datum)rush_orders : DirectFunctionCall1(jsonb_in, CStringGetDatum("[]"))};
  read_plant_resources(who, plant, &rows->work_centers, &rows->setup_matrix, &rows->alternatives);
  // Working time from a month before (work already started) to a year past the horizon.
  rows->working_time = fetch_text_table(who,
      "SELECT calendar_id, extract(epoch FROM starts_at)::bigint, extract(epoch FROM ends_at)::bigint "
      "FROM prodplan.working_time($1, to_timestamp($2) - interval '31 days', to_timestamp($3) + interval '365 days')",
      3, t5, v5);
  // The open orders, then the hypothetical ones (order ids the caller checked unused).
  // The core counts whole seconds: a release rounds up (nothing starts before it) and a due date
  // down (a completion in whole seconds is on time exactly when it is not after the floor).
  // Rounded to the nearest second, an order due at 10:43:59.8 and ending at 10:44:00 was on time.
  rows->orders = fetch_text_table(who,
      "(SELECT o.order_id, o.product_id, ceil(extract(epoch FROM o.created_at))::bigint, floor(extract(epoch FROM o.due_at))::bigint, "
      "o.priority, coalesce(p.family, '') FROM prodplan.production_order o LEFT JOIN prodplan.product p "
      "ON p.plant_id = o.plant_id AND p.product_id = o.product_id "
      "WHERE o.plant_id = $1 AND o.finished_at IS NULL AND o.created_at < to_timestamp($3) ORDER BY o.order_id) "
      "UNION ALL "
      "SELECT r.order_id, r.product_id, $2, r.due, r.priority, coalesce(p.family, '') "
      "FROM jsonb_to_recordset($5) AS r(order_id text, product_id text, due bigint, priority float8) "
      "LEFT JOIN prodplan.product p ON p.plant_id = $1 AND p.product_id = r.product_id",
      5, t5, v5);
  rows->operations = fetch_text_table(who,
      "SELECT o.order_id, o.operation_id, o.sequence, o.work_center_id, extract(epoch FROM o.started_at)::bigint, "
      "o.ended_at IS NOT NULL FROM prodplan.operation o JOIN prodplan.production_order po "
      "ON po.plant_id = o.plant_id AND po.order_id = o.order_id "
      "WHERE o.plant_id = $1 AND po.finished_at IS NULL ORDER BY o.order_id, o.sequence NULLS LAST, o.operation_id",
      1, t5, v5);
  rows->routing = fetch_text_table(who,
      "SELECT product_id, sequence, work_center_id FROM prodplan.routing_step WHERE plant_id = $1 ORDER BY 1, 2",
      1, t5, v5);
  // Standard times of the products planned only: the per-product medians are
  // the costly part, and only these are needed.
  if (standard_times_of_plan != 0) {
    Oid tp[1] = {INT8OID};
    Datum vp[1] = {Int64GetDatum(standard_times_of_plan)};
    rows->standard_times = fetch_text_table(who,
        "SELECT product_id, work_center_id, seconds, source FROM prodplan.plan_standard_times WHERE plan_id = $1",
        1, tp, vp);
  } else {
    rows->standard_times = fetch_text_table(who,
        "SELECT product_id, work_center_id, round(minutes * 60)::bigint, source FROM prodplan.standard_times($1, 5, "
        "(SELECT array_agg(DISTINCT x.product_id) FROM (SELECT product_id FROM prodplan.production_order WHERE plant_id = $1 "
        "AND finished_at IS NULL AND created_at < to_timestamp($3) UNION ALL "
        "SELECT r.product_id FROM jsonb_to_recordset($5) AS r(product_id text)) x)) WHERE minutes > 0",
        5, t5, v5);
  }
  rows->frozen = fetch_text_table(who,
      "SELECT po.order_id, po.operation, po.work_center_id, po.unit, extract(epoch FROM po.start_at)::bigint, "
      "extract(epoch FROM po.end_at)::bigint FROM prodplan.planned_operations po JOIN prodplan.plans p "
      "ON p.plan_id = po.plan_id WHERE p.plant_id = $1 AND p.status = 'released' AND $4 > 0 "
      "AND po.start_at >= to_timestamp($2) AND po.start_at < to_timestamp($2) + make_interval(secs => $4 * 3600)",
      4, t5, v5);
}

}  // namespace pp::pg
