-- Printed by `make demo` after load_demo: what the demo factory holds.
\pset footer off
\echo
\echo '== Rows per table (plant DEMO) =='
SELECT table_name AS "table", row_count AS "rows"
FROM prodplan.content_checksum('DEMO') ORDER BY row_count DESC, table_name;

\echo '== Time span =='
SELECT min(created_at)::date AS first_order, max(created_at)::date AS last_order,
       (SELECT max(coalesce(ended_at, started_at))::date FROM prodplan.operation) AS last_activity
FROM prodplan.production_order;

\echo '== Orders =='
SELECT count(*) FILTER (WHERE finished_at IS NOT NULL) AS finished,
       count(*) FILTER (WHERE finished_at IS NULL) AS open,
       count(*) FILTER (WHERE finished_at IS NULL AND due_at < (SELECT max(coalesce(ended_at, started_at)) FROM prodplan.operation)) AS open_past_due,
       round(100.0 * avg((finished_at <= due_at)::int) FILTER (WHERE finished_at IS NOT NULL), 1) AS on_time_pct,
       round((avg(extract(epoch FROM finished_at - created_at)) FILTER (WHERE finished_at IS NOT NULL) / 86400)::numeric, 1) AS avg_lead_time_days,
       round(100.0 * avg((p.product_id IS NULL)::int), 1) AS unknown_product_pct
FROM prodplan.production_order o LEFT JOIN prodplan.product p USING (plant_id, product_id);

\echo '== Busiest work centers (hours of finished operations) =='
SELECT w.work_center_id AS wc, w.name, w.capacity_units AS units,
       round((sum(op.duration_minutes) / 60)::numeric) AS hours,
       count(*) FILTER (WHERE op.is_open) AS open_ops
FROM prodplan.operation op JOIN prodplan.work_center w USING (plant_id, work_center_id)
GROUP BY 1, 2, 3 ORDER BY hours DESC NULLS LAST LIMIT 5;

\echo '== Defects by severity =='
SELECT severity, count(*) AS defects,
       round(100.0 * count(*) / nullif((SELECT count(*) FROM prodplan.production_order), 0), 1) AS per_100_orders
FROM prodplan.defect GROUP BY severity ORDER BY severity;

\echo '== The main job: planning the open orders, SELECT prodplan.plan(...) =='
SELECT prodplan.plan('{"plant": "DEMO", "time_limit_ms": 2000}') AS plan_id \gset
SELECT plan_id, rule AS best_rule,
       round((objective_values ->> 'rule_weighted_tardiness_hours')::numeric, 1) AS best_rule_tardiness_h,
       round((objective_values ->> 'weighted_tardiness_hours')::numeric, 1) AS improved_tardiness_h,
       problem_count AS problems, round(first_plan_seconds::numeric, 2) AS first_plan_s,
       round(total_seconds::numeric, 2) AS total_s
FROM prodplan.plans WHERE plan_id = :plan_id;
\echo '== Plan KPIs: SELECT * FROM prodplan.plan_kpis(plan_id) =='
SELECT kpi, round(value::numeric, 1) AS value, unit FROM prodplan.plan_kpis(:plan_id) WHERE kpi NOT LIKE 'utilisation:%';
\echo '== Independent check: SELECT * FROM prodplan.validate_plan(plan_id) (no rows = feasible) =='
SELECT violation, detail FROM prodplan.validate_plan(:plan_id);
\echo '== The Gantt (view prodplan.gantt): the next operations =='
SELECT resource, order_id, operation, setup_start_at, end_at, duration_source
FROM prodplan.gantt WHERE plan_id = :plan_id AND NOT is_fixed ORDER BY setup_start_at, resource LIMIT 10;
\echo '== Open orders by status (view prodplan.order_status) =='
SELECT status, count(*) AS orders FROM prodplan.order_status
WHERE plant_id = 'DEMO' AND finished_at IS NULL GROUP BY status ORDER BY status;
\echo '== Risk: SELECT prodplan.simulate(plan_id, 1000) (Monte Carlo), then the risk queue =='
SELECT count(*) AS orders_simulated, round(avg(p_on_time)::numeric, 3) AS mean_p_on_time
FROM prodplan.simulate(:plan_id, 1000);
SELECT round((risk ->> 'planned_on_time')::numeric, 3) AS planned_on_time,
       round((risk -> 'on_time' ->> 'mean')::numeric, 3) AS simulated_on_time,
       round((risk -> 'on_time' ->> 'p10')::numeric, 3) AS p10, round((risk -> 'on_time' ->> 'p90')::numeric, 3) AS p90
FROM prodplan.plans WHERE plan_id = :plan_id;
SELECT order_id, due_at, eta, round(slack_hours::numeric, 1) AS slack_h, round(p_late::numeric, 2) AS p_late, reason
FROM prodplan.risk_queue() LIMIT 5;
\echo '== Quality: SELECT prodplan.train_defect_risk(), then prodplan.defect_risk(order_id) =='
SELECT prodplan.train_defect_risk() AS model_id \gset
SELECT model_id, deployed, train_rows, test_rows,
       round((metrics -> 'operations' -> 'model' ->> 'pr_auc')::numeric, 3) AS pr_auc,
       round((metrics -> 'operations' -> 'fallback' ->> 'pr_auc')::numeric, 3) AS fallback_pr_auc,
       round((metrics -> 'operations' -> 'model' ->> 'roc_auc')::numeric, 3) AS roc_auc, round(seconds::numeric, 1) AS seconds
FROM prodplan.models WHERE model_id = :model_id;
SELECT term, level, round(odds_ratio::numeric, 2) AS odds_ratio FROM prodplan.model_terms
WHERE model_id = :model_id AND term IN ('crew_tenure', 'shift') AND NOT baseline ORDER BY odds_ratio DESC LIMIT 4;
SELECT o.order_id, r.level, round(r.probability::numeric, 3) AS p_defect, r.riskiest_work_center_id AS riskiest_wc,
       round(r.riskiest_probability::numeric, 3) AS p_riskiest, r.source
FROM (SELECT order_id FROM prodplan.production_order WHERE plant_id = 'DEMO' AND finished_at IS NULL ORDER BY created_at LIMIT 5) o,
     LATERAL prodplan.defect_risk(o.order_id) r;
\echo '== Lead time: SELECT prodplan.train_leadtime(), then prodplan.predict_leadtime(order_id) =='
SELECT prodplan.train_leadtime() AS leadtime_model \gset
SELECT model_id, deployed, parameters ->> 'algorithm' AS algorithm, train_rows, test_rows,
       round((metrics -> 'test' -> 'model' ->> 'mae_hours')::numeric, 1) AS mae_h,
       round((metrics -> 'test' -> 'fallback' ->> 'mae_hours')::numeric, 1) AS fallback_mae_h,
       round((metrics -> 'test' -> 'model' ->> 'p90_coverage')::numeric, 3) AS p90_coverage, round(seconds::numeric, 1) AS seconds,
       deploy_reason
FROM prodplan.models WHERE model_id = :leadtime_model;
SELECT order_id, created_at, round(p50_hours::numeric) AS p50_h, round(p90_hours::numeric) AS p90_h,
       date_trunc('minute', p50_at) AS p50_finish, date_trunc('minute', p90_at) AS p90_finish, source
FROM prodplan.predict_leadtime_open() ORDER BY created_at LIMIT 5;
