// read_plant_resources (plan_resources.h).
#include "pg/plan_resources.h"
#include "pg/spi_text.h"

#include "pg/pg_includes.h"

namespace pp::pg {

void read_plant_resources(const char* who, std::uintptr_t plant, pp::planning::TextTable* work_centers,
                          pp::planning::TextTable* setup_matrix, pp::planning::TextTable* alternatives) {
  Oid types[1] = {TEXTOID};
  Datum values[1] = {(Datum)plant};
  *work_centers = fetch_text_table(
      who,
      "SELECT work_center_id, capacity_units, coalesce(calendar_id, ''), resumable, round(setup_minutes * 60)::bigint "
      "FROM prodplan.work_center WHERE plant_id = $1 ORDER BY 1",
      1, types, values);
  *setup_matrix = fetch_text_table(
      who,
      "SELECT work_center_id, from_family, to_family, round(setup_minutes * 60)::bigint FROM prodplan.setup_matrix "
      "WHERE plant_id = $1",
      1, types, values);
  *alternatives = fetch_text_table(
      who, "SELECT work_center_id, alternative_id, speed_factor FROM prodplan.alternative_work_center WHERE plant_id = $1",
      1, types, values);
}

}  // namespace pp::pg
