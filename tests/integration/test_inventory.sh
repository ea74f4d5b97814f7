#!/usr/bin/env bash
# Forecasts and the reorder policy from SQL on a constructed plant whose
# figures are computed independently below: daily demand built from issue
# movements, a forecast of a steady series, every method by name, the
# set-returning form, a product's forecast from its orders; the policy's
# safety stock, reorder point, EOQ, classes and actions against the
# textbook formulas evaluated in SQL; bad arguments. Then a smoke run on
# load_demo.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning -c TimeZone=UTC"
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_inventory pp_inventory_demo
q() { psql -qX -d pp_inventory -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
check() {
  local got
  got=$(q -c "$2" 2>&1) || true
  if [ "$got" = t ]; then ok "$1"; else bad "$1: got [$got]"; fi
}
refused() {
  local out
  if out=$(q -c "$2" 2>&1); then bad "$1: accepted"; return; fi
  if grep -q -- "$3" <<<"$out"; then ok "$1"; else bad "$1: wrong error [$out]"; fi
}

# 120 days to 2026-05-01 (exclusive): STEADY issues 8 and 12 on alternate
# days (mean 10, sample sd 2 x sqrt(120/119)); LOWSTOCK the same with 40 on
# hand; SPARE 14 every 7th day; BIG 100 a day at a high cost; IDLE none.
q <<'SQL'
INSERT INTO prodplan.plant VALUES ('I', 'Inventory', 'UTC');
INSERT INTO prodplan.material (plant_id, material_id, name, unit, unit_cost, supplier_lead_time_days, min_order_qty) VALUES
  ('I', 'STEADY', 'steady', 'kg', 8, 10, 0), ('I', 'LOWSTOCK', 'low stock', 'kg', 8, 10, 1000),
  ('I', 'SPARE', 'spare part', 'pc', 5, 7, 0), ('I', 'BIG', 'big', 'kg', 50, 5, 0), ('I', 'IDLE', 'idle', 'kg', 1, 5, 0);
INSERT INTO prodplan.stock_movement (plant_id, movement_id, material_id, moved_at, quantity, kind)
SELECT 'I', m || '-' || d, m, timestamptz '2026-01-01 23:00+00' + d * interval '1 day',
       -CASE m WHEN 'SPARE' THEN CASE WHEN d % 7 = 0 THEN 14 ELSE 0 END WHEN 'BIG' THEN 100 ELSE CASE WHEN d % 2 = 0 THEN 8 ELSE 12 END END, 'issue'
FROM unnest(ARRAY['STEADY', 'LOWSTOCK', 'SPARE', 'BIG']) m, generate_series(0, 119) d
WHERE NOT (m = 'SPARE' AND d % 7 <> 0);
INSERT INTO prodplan.stock_balance (plant_id, material_id, location, as_of, on_hand) VALUES
  ('I', 'STEADY', 'MAIN', '2026-04-30 23:30+00', 400), ('I', 'LOWSTOCK', 'MAIN', '2026-04-30 23:30+00', 40),
  ('I', 'SPARE', 'MAIN', '2026-04-30 23:30+00', 100), ('I', 'BIG', 'MAIN', '2026-04-30 23:30+00', 100000),
  ('I', 'IDLE', 'MAIN', '2026-04-30 23:30+00', 10);
INSERT INTO prodplan.product (plant_id, product_id, name) VALUES ('I', 'BOAT', 'boat');
INSERT INTO prodplan.production_order (plant_id, order_id, product_id, created_at)
SELECT 'I', 'O' || d, 'BOAT', timestamptz '2026-01-01 10:00+00' + d * interval '1 day' FROM generate_series(0, 119) d;
SQL
opts="'{\"as_of\": \"2026-05-01\", \"history_days\": 120}'"
check "as_of defaults to the day after the latest issue" \
  "SELECT min(day) = '2026-05-01' AND count(*) = 30 FROM prodplan.forecast('STEADY')"
check "naive forecasts the last day (12)" \
  "SELECT bool_and(forecast = 12) AND bool_and(method_used = 'naive') FROM prodplan.forecast('STEADY', 7, 'naive', $opts)"
check "auto on a steady series: a smooth-class method, about 10 a day, beating naive on MASE" \
  "SELECT bool_and(abs(forecast - 10) < 1.5) AND bool_and(demand_class = 'smooth') AND bool_and(mase < naive_mase)
          AND bool_and(lo95 <= lo80 AND lo80 <= forecast AND forecast <= hi80 AND hi80 <= hi95)
   FROM prodplan.forecast('STEADY', 14, 'auto', $opts)"
check "every method answers by name" \
  "SELECT bool_and(n = 5) FROM (SELECT m, (SELECT count(*) FROM prodplan.forecast('STEADY', 5, m, $opts)) AS n
   FROM unnest(ARRAY['naive', 'ses', 'holt', 'holt_winters', 'croston', 'sba', 'tsb', 'adida', 'auto']) m) x"
# SPARE's 18 demand days, the last on day 120 of the window: ADI 120 / 18.
check "an intermittent series is classed so (ADI 6.67, CV2 0) and gets an intermittent method" \
  "SELECT bool_and(demand_class = 'intermittent') AND bool_and(abs(adi - 120.0 / 18) < 1e-9) AND bool_and(cv2 = 0)
          AND bool_and(method_used IN ('croston', 'sba', 'tsb', 'adida', 'ses', 'naive')) FROM prodplan.forecast('SPARE', 7, 'auto', $opts)"
check "forecast_all: every material x horizon" \
  "SELECT count(*) = 5 * 10 AND count(DISTINCT series_id) = 5 FROM prodplan.forecast_all(10, 'auto', $opts)"
check "a product is forecast from its orders (one a day)" \
  "SELECT bool_and(abs(forecast - 1) < 0.01) FROM prodplan.forecast('BOAT', 7, 'ses', '{\"as_of\": \"2026-05-01\"}')"
refused "unknown id" "SELECT * FROM prodplan.forecast('NOPE')" 'neither a material nor a product'
refused "unknown method" "SELECT * FROM prodplan.forecast('STEADY', 7, 'magic')" 'unknown forecast method "magic"'
refused "bad horizon" "SELECT * FROM prodplan.forecast('STEADY', 0)" 'horizon must be 1 to'
refused "bad option" "SELECT * FROM prodplan.forecast('STEADY', 7, 'auto', '{\"history\": 5}')" 'unknown option(s) history'

# The policy, against the formulas in SQL.
pol="prodplan.inventory_policy(0.95, '{\"as_of\": \"2026-05-01\", \"history_days\": 120}')"
check "STEADY: mean 10, sd, X, smooth, normal method" \
  "SELECT abs(mean_daily_demand - 10) < 1e-9 AND abs(sd_daily_demand - 2 * sqrt(120.0 / 119)) < 1e-9 AND xyz_class = 'X'
          AND demand_class = 'smooth' AND method = 'normal' FROM $pol WHERE material_id = 'STEADY'"
check "STEADY: safety stock = z(0.95) sqrt(L) sd, reorder point = d L + SS" \
  "SELECT abs(safety_stock - 1.6448536269514722 * sqrt(10) * sd_daily_demand) < 1e-6 AND abs(reorder_point - (100 + safety_stock)) < 1e-9
   FROM $pol WHERE material_id = 'STEADY'"
check "STEADY: EOQ = sqrt(2 D S / (h c)) with D 3650, S 100, h 0.25, c 8" \
  "SELECT abs(eoq - sqrt(2 * 3650 * 100 / (0.25 * 8))) < 1e-9 FROM $pol WHERE material_id = 'STEADY'"
check "STEADY: 400 on hand covers 40 days, above the reorder point: ok" \
  "SELECT abs(days_of_cover - 40) < 1e-9 AND action = 'ok' AND stockout_date = '2026-05-01'::date + 40 FROM $pol WHERE material_id = 'STEADY'"
check "LOWSTOCK: below the reorder point: order the minimum lot (1000 > EOQ 604)" \
  "SELECT action = 'order_now' AND order_quantity = 1000 AND action_quantity = 1000 AND eoq < 1000 FROM $pol WHERE material_id = 'LOWSTOCK'"
# Every 7-day window holds one demand of 14 (the 95% quantile), below the
# mean lead-time demand 7 x 18 x 14 / 120 = 14.7: no safety stock.
check "SPARE: intermittent, empirical lead-time demand (14 in every 7-day window)" \
  "SELECT method = 'empirical' AND abs(reorder_point - 14.7) < 1e-9 AND safety_stock = 0 FROM $pol WHERE material_id = 'SPARE'"
check "BIG: 1000 days of cover: excess; ABC by value (BIG 100 x 50 a day is A)" \
  "SELECT action = 'excess' AND abc_class = 'A' FROM $pol WHERE material_id = 'BIG'"
check "IDLE: no demand" "SELECT action = 'no_demand' AND abc_class = 'C' FROM $pol WHERE material_id = 'IDLE'"
check "fill-rate target lowers the safety factor below the cycle-service z" \
  "SELECT (SELECT safety_factor FROM prodplan.inventory_policy(0.99, '{\"as_of\": \"2026-05-01\", \"history_days\": 120, \"fill_rate\": true}') WHERE material_id = 'STEADY')
        < (SELECT safety_factor FROM prodplan.inventory_policy(0.99, '{\"as_of\": \"2026-05-01\", \"history_days\": 120}') WHERE material_id = 'STEADY')"
refused "service level out of range" "SELECT * FROM prodplan.inventory_policy(1.2)" "service_level must be in (0, 1)"
refused "bad option value" "SELECT * FROM prodplan.inventory_policy(0.95, '{\"order_cost\": \"lots\"}')" "options.order_cost must be a number, found"
refused "unknown option" "SELECT * FROM prodplan.inventory_policy(0.95, '{\"cost\": 1}')" "unknown option(s) cost"

# load_demo: every material gets a policy, a forecast, and figures in range.
qd() { psql -qX -d pp_inventory_demo -v ON_ERROR_STOP=1 -At "$@"; }
qd -c "SELECT prodplan.load_demo(0.1, 42, 'direct') IS NOT NULL" >/dev/null
got=$(qd -c "SELECT count(*) = 5 AND bool_and(reorder_point >= safety_stock AND safety_stock >= 0 AND eoq > 0 AND on_hand >= 0
                    AND stockout_risk_30d BETWEEN 0 AND 1 AND action IN ('order_now', 'expedite', 'ok', 'excess'))
             FROM prodplan.inventory_policy()")
[ "$got" = t ] && ok "load_demo: a sound policy for each of its 5 materials" || bad "load_demo policy: [$got]"
got=$(qd -c "SELECT count(DISTINCT series_id) = 5 AND bool_and(forecast >= 0) FROM prodplan.forecast_all(30)")
[ "$got" = t ] && ok "load_demo: forecasts of every material" || bad "load_demo forecast: [$got]"
exit $fail
