#!/usr/bin/env python3
"""Hostile options and scenario documents for test_hostile_options.sh.

Prints tab-separated cases "id<TAB>function<TAB>SQL" (one call each): every
public function that takes a JSON document (options, what-if changes, report
parameters), called with documents mutated from valid ones. The mutations
are what a careless client or an attacker sends: values of the wrong type,
extreme and non-finite numbers, huge and empty strings, SQL and identifiers
with quotes, unknown and missing keys, arrays where objects belong, deep
nesting, out-of-range dates. Seeded: the same seed prints the same cases.
Numbers that ask for long work (time limits, iterations, replications) are
kept small: those are legitimate requests, bounded by statement_timeout and
cancel, not hostile input.

usage: hostile_options.py SEED COUNT BASE_PLAN WORK_CENTER ORDER PRODUCT CHARACTERISTIC
"""
import json
import random
import sys

seed, count, base_plan = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
work_center, order_id, product, characteristic = sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
rng = random.Random(seed)
# Documents nested 1000 deep are encoded recursively.
sys.setrecursionlimit(20000)

T0, T1 = "2026-06-01T00:00:00Z", "2026-06-03T00:00:00Z"
# Keys whose value asks for work; mutations keep them small.
WORK_KEYS = {"time_limit_ms", "max_iterations", "replications", "history_days", "horizon_days", "horizon",
             "baseline_subgroups", "trees", "iterations"}

SEEDS = {
    "plan": [{"plant": "DEMO", "time_limit_ms": 100, "max_iterations": 50},
             {"plant": "DEMO", "time_limit_ms": 100, "objective": "makespan", "rule": "edd", "seed": 3},
             {"plant": "DEMO", "time_limit_ms": 100, "frozen_hours": 4, "horizon_days": 30, "start": T0}],
    "whatif": [[{"type": "work_center_down", "work_center": work_center, "from": T0, "to": T1}],
               [{"type": "capacity", "work_center": work_center, "units_add": 1, "from": T0, "to": T1}],
               [{"type": "capacity", "work_center": work_center, "units": 2}],
               [{"type": "rush_order", "product": product, "quantity": 2, "due": T1}],
               [{"type": "order", "order_id": order_id, "due": T1, "priority": 3}],
               [{"type": "order", "order_id": order_id, "cancel": True}],
               [{"type": "duration_factor", "work_center": work_center, "factor": 0.5}],
               [{"type": "calendar", "work_center": work_center, "action": "add", "from": T0, "to": T1}],
               [{"type": "rule", "rule": "edd"}]],
    "whatif_options": [{"time_limit_ms": 100, "max_iterations": 20}],
    "simulate": [{"seed": 5}, {"seed": 9, "durations": "lognormal"}, {"breakdowns": False, "durations": "none"}],
    "quote_due_date": [{"plant": "DEMO", "replications": 20, "time_limit_ms": 100}],
    "defect_rates": [{"plant": "DEMO", "ignore_gates": True}, {"ignore_gates": True}],
    "spc": [{"baseline_subgroups": 5, "plant": "DEMO"}, {"chart": "xbar_s"}, {"baseline_to": T0, "subgroup_size": 4}],
    "inventory_policy": [{"as_of": "2026-05-01", "history_days": 60}, {"fill_rate": True, "history_days": 60}],
    "export_xlsx": [{"plan": base_plan}, {"from": T0, "to": T1}],
}

EXTREMES = [None, True, False, 0, -1, 1, -2147483649, 2147483648, 9223372036854775807, -9223372036854775808,
            1e308, -1e308, 1e-320, 0.5, -0.0, 123456789012345678901234567890, "", " ", "NaN", "Infinity",
            "-Infinity", "infinity", "1e309", "0x10", "12abc", "true", "null", "2026-13-45", "294277-01-01",
            "-infinity", "4714-11-24 BC", "'; DROP TABLE prodplan.plans; --", "\"); SELECT pg_sleep(30); --",
            "x\\y\"z'w", "%_%", "$1", "\u00e9\u4e2d\U0001F600", "\t\n\r", "DEMO' OR '1'='1", "a" * 10000,
            [], {}, [1, 2, 3], {"a": {"b": {"c": 1}}}, ["DEMO"], [None]]


def deep(n):
    d = 1
    for _ in range(n):
        d = [d]
    return d


def mutate_value(key, value):
    choice = rng.random()
    if key in WORK_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool):
        # Wrong types and signs, never long work.
        return rng.choice([None, -1, 0, "abc", "", [], {}, True, 1.5, -1e308, "NaN", "100"])
    if choice < 0.75:
        return rng.choice(EXTREMES)
    if choice < 0.85:
        return deep(rng.choice([10, 100, 1000]))
    return json.loads(json.dumps(value)) if value is not None else None


def mutate_object(doc):
    doc = dict(doc)
    ops = rng.randint(1, 3)
    for _ in range(ops):
        r = rng.random()
        keys = list(doc.keys())
        if r < 0.55 and keys:
            k = rng.choice(keys)
            doc[k] = mutate_value(k, doc[k])
        elif r < 0.7 and keys:
            del doc[rng.choice(keys)]
        elif r < 0.85:
            doc[rng.choice(["unknown", "PLANT", "plant ", "", "type", "\u0001", "a" * 300])] = rng.choice(EXTREMES)
        else:
            k = rng.choice(keys) if keys else "plant"
            doc[k] = mutate_value(k, doc.get(k))
    return doc


def mutate_document(doc):
    r = rng.random()
    if isinstance(doc, list):
        if r < 0.1:
            return rng.choice([{}, "[]", 1, None, [], [[]], [None], [1], deep(200)])
        items = [mutate_object(x) if rng.random() < 0.8 else x for x in doc]
        if rng.random() < 0.2:
            items = items * rng.randint(2, 50)
        return items
    if r < 0.1:
        return rng.choice([[], "{}", 1, None, [doc], deep(200), "x"])
    return mutate_object(doc)


def lit(doc):
    text = json.dumps(doc, ensure_ascii=rng.random() < 0.5)
    return "'" + text.replace("'", "''") + "'::jsonb"


def case():
    fn = rng.choice(sorted(SEEDS.keys() - {"whatif_options"}))
    if fn == "plan":
        return fn, f"SELECT prodplan.plan({lit(mutate_document(rng.choice(SEEDS[fn])))})"
    if fn == "whatif":
        changes = mutate_document(rng.choice(SEEDS[fn])) if rng.random() < 0.9 else rng.choice(SEEDS[fn])
        options = mutate_document(SEEDS["whatif_options"][0]) if rng.random() < 0.3 else SEEDS["whatif_options"][0]
        return fn, f"SELECT prodplan.whatif({lit(changes)}, {base_plan}, {lit(options)})"
    if fn == "simulate":
        return fn, f"SELECT count(*) FROM prodplan.simulate({base_plan}, 20, {lit(mutate_document(rng.choice(SEEDS[fn])))})"
    if fn == "quote_due_date":
        return fn, (f"SELECT count(*) FROM prodplan.quote_due_date('{product}', 1, "
                    f"{lit(mutate_document(rng.choice(SEEDS[fn])))})")
    if fn == "defect_rates":
        by = rng.choice(["overall", "product", "work_center", "evaluating_phase", "severity", "week"])
        return fn, (f"SELECT count(*) FROM prodplan.defect_rates('{by}', NULL, NULL, "
                    f"{lit(mutate_document(rng.choice(SEEDS[fn])))})")
    if fn == "spc":
        return fn, f"SELECT count(*) FROM prodplan.spc('{characteristic}', {lit(mutate_document(rng.choice(SEEDS[fn])))})"
    if fn == "inventory_policy":
        return fn, (f"SELECT count(*) FROM prodplan.inventory_policy(0.95, "
                    f"{lit(mutate_document(rng.choice(SEEDS[fn])))})")
    report = rng.choice(["plan", "kpis", "quality", "inventory", "template"])
    return fn, f"SELECT length(prodplan.export_xlsx('{report}', {lit(mutate_document(rng.choice(SEEDS[fn])))}))"


for i in range(1, count + 1):
    fn, sql = case()
    print(f"{i}\t{fn}\t{sql}")
