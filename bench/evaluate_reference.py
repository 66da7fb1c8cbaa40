#!/usr/bin/env python3
"""References for the evaluation benchmark (bench/evaluate.sh; docs/performance.md).

Given a kaohe SQLite database and the JSON that `kaohe evaluate --format json` printed for a
period, this computes the value of every computed indicator of the default schemes for every
person three more ways and checks that all of them agree with kaohe:

  (b) DuckDB (the PyPI package) running one hand-written SQL statement (conditional
      aggregation, one GROUP BY employee per record kind) on the same rows, loaded from the
      SQLite file through CSV (the load is not timed; the query is, best of N);
  SQLite's own best GROUP BY: the same statement run by the sqlite3 CLI on the kaohe
      database itself (wall clock, best of N): the "full recompute from raw rows" yardstick;
  (c) the per-person-per-indicator loop that Odoo's goal computation does (one query per
      measure per person, WHERE employee_id = ?), with Python's sqlite3 on a fixed random
      sample of people, timed and scaled linearly to everybody.

The SQL is written by hand from the formulas of crates/domain/defaults/indicators.toml; it is
checked against the library stored in the database, and the script stops if a formula differs
from the one the SQL was written for. Windows follow kaohe: a record kind's period field unless
`dated X`, `cumulative` = everything before the period end, `prev(...)` = the previous month;
date fields are compared with company-local dates, timestamp fields (UTC) with the UTC instants
of local midnight (crates/store/src/evaluate/measures.rs, `bounds()`).

Exit status: 0 when every value agrees, 1 on any mismatch, 2 on a usage or setup problem.
"""

import argparse
import csv
import datetime as dt
import json
import math
import os
import random
import sqlite3
import subprocess
import sys
import time
import tomllib
from zoneinfo import ZoneInfo

# -------------------------------------------------------------------------------------------
# The formulas the hand-written SQL implements (copied from crates/domain/defaults/
# indicators.toml). The library stored in the database must hold exactly these.
# -------------------------------------------------------------------------------------------

FORMULAS = {
    "archive_completeness": 'count(customers where complete) / count(customers) * 100',
    "archive_update_timeliness": 'count(customers dated update_due_at where updated_at <= update_due_at) / count(customers dated update_due_at) * 100',
    "order_receipt_timeliness": 'count(orders where entered_at <= entry_due_at) / count(orders) * 100',
    "order_entry_error_rate": 'count(orders where entry_errors > 0) / count(orders) * 100',
    "order_feedback_timeliness": 'count(order_events where kind = "progress_feedback" and done_at <= due_at) / count(order_events where kind = "progress_feedback") * 100',
    "order_problem_resolution": 'count(order_events where kind = "problem" and done_at is not null) / count(order_events where kind = "problem") * 100',
    "shipment_plan_timeliness": 'count(shipments where plan_created_at <= plan_due_at) / count(shipments) * 100',
    "shipment_plan_accuracy": 'count(shipments where plan_accurate) / count(shipments) * 100',
    "on_time_shipment": 'count(shipments where shipped_on <= planned_on) / count(shipments) * 100',
    "statistics_timeliness": 'count(reports where kind = "statistics" and submitted_at <= due_at) / count(reports where kind = "statistics") * 100',
    "analysis_report_effectiveness": 'count(reports where kind = "analysis" and effective) / count(reports where kind = "analysis" and effective is not null) * 100',
    "contract_signing_timeliness": 'count(contracts dated sign_due_at where signed_at <= sign_due_at) / count(contracts dated sign_due_at) * 100',
    "document_filing_timeliness": 'count(documents where filed_at <= due_at) / count(documents) * 100',
    "sales_plan_completion": 'credited_sum(orders.amount_cents where status != "cancelled") / target("sales_amount") * 100',
    "sales_growth": '(credited_sum(orders.amount_cents where status != "cancelled") - prev(sales_amount)) / prev(sales_amount) * 100',
    "price_retention": 'avg(orders.price_ratio_bp where status != "cancelled") / 100',
    "expense_control": 'sum(expenses.amount_cents where status not in ("manager_returned", "finance_returned")) / target("sales_expense") * 100',
    "receivables_recovery": 'sum(payments.amount_cents) / sum(receivables.amount_cents) * 100',
    "collection_timeliness": 'sum(receivables.paid_by_due_cents) / sum(receivables.amount_cents) * 100',
    "new_customers": 'count(customers)',
    "new_customer_rate": 'count(customers) / count(customers cumulative) * 100',
    "old_customer_retention": 'count_distinct(orders.customer_id where repeat_customer and status != "cancelled") / prev(count_distinct(orders.customer_id where status != "cancelled")) * 100',
    "visit_success_rate": 'count(visits where success) / count(visits) * 100',
    "callback_count": 'count(calls where is_callback)',
    "valid_complaints": 'count(complaints where valid)',
    "complaint_rate": 'count(complaints where valid) / count(orders) * 100',
}

# prev(sales_amount) is the previous month's value of the indicator sales_amount, i.e. the same
# credited sum over the previous month (indicators.toml: "Growth of the sales amount over the
# previous period").
SALES_AMOUNT_FORMULA = 'credited_sum(orders.amount_cents where status != "cancelled")'

# -------------------------------------------------------------------------------------------
# Periods and windows
# -------------------------------------------------------------------------------------------


class Window:
    """The bounds of a month and of the month before, as kaohe cuts them."""

    def __init__(self, period, offset):
        y, m = (int(x) for x in period.split("-"))
        self.period = period
        self.d0 = dt.date(y, m, 1)
        self.d1 = dt.date(y + (m == 12), m % 12 + 1, 1)
        self.p0 = dt.date(y - (m == 1), (m - 2) % 12 + 1, 1)
        self.offset = offset

        def midnight_utc(day):
            local = dt.datetime(day.year, day.month, day.day)
            return local - offset

        self.t0 = midnight_utc(self.d0)
        self.t1 = midnight_utc(self.d1)


def company_offset(db, period):
    """The company's UTC offset on the period's first day (library.rs `utc_offset`)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    row = con.execute("SELECT value FROM settings WHERE key = 'time_zone'").fetchone()
    con.close()
    name = row[0] if row else "Asia/Shanghai"
    try:
        tz = ZoneInfo(name)
    except Exception:
        tz = ZoneInfo("Asia/Shanghai")
    y, m = (int(x) for x in period.split("-"))
    return name, tz.utcoffset(dt.datetime(y, m, 1, 12))


class Dialect:
    def __init__(self, name):
        self.name = name

    def date(self, d):
        return f"DATE '{d.isoformat()}'" if self.name == "duckdb" else f"'{d.isoformat()}'"

    def ts(self, t):
        if self.name == "duckdb":
            return f"TIMESTAMPTZ '{t:%Y-%m-%d %H:%M:%S}+00'"
        # kaohe writes and binds instants as RFC 3339 text (sqlx: to_rfc3339_opts(AutoSi)),
        # so SQLite compares them as text, exactly as kaohe's own queries do.
        return f"'{t:%Y-%m-%dT%H:%M:%S}+00:00'"

    def by_person(self, column):
        """SQLite's best plan for a month of a big table: read it person by person through
        the (person, day) index, already grouped, instead of sorting ten million rows into a
        temporary B-tree (2.3x less CPU, ~0 instead of ~470 MB). DuckDB needs no such hint."""
        return f" AND {column} IN (SELECT id FROM employees)" if self.name == "sqlite" else ""


# -------------------------------------------------------------------------------------------
# (b) The hand-written set-based SQL: one GROUP BY employee per record kind
# -------------------------------------------------------------------------------------------


def ratio(num, den):
    return f"CAST(COALESCE({num}, 0) AS DOUBLE) / NULLIF(COALESCE({den}, 0), 0) * 100"


def reference_sql(w, dialect, scheme_case):
    D0, D1, P0 = dialect.date(w.d0), dialect.date(w.d1), dialect.date(w.p0)
    T0, T1 = dialect.ts(w.t0), dialect.ts(w.t1)
    return f"""
WITH people AS (
  SELECT e.id AS employee_id, {scheme_case} AS scheme
  FROM employees e JOIN positions p ON p.id = e.position_id
  WHERE e.hired_on < {D1} AND (e.left_on IS NULL OR e.left_on >= {D0})
),
cust AS (  -- customers: created_at window, `dated update_due_at`, `cumulative`
  SELECT owner_id AS employee_id,
    SUM(CASE WHEN created_at >= {T0} AND created_at < {T1} THEN 1 ELSE 0 END) AS n_new,
    SUM(CASE WHEN created_at >= {T0} AND created_at < {T1} AND complete THEN 1 ELSE 0 END) AS n_new_complete,
    SUM(CASE WHEN created_at < {T1} THEN 1 ELSE 0 END) AS n_held,
    SUM(CASE WHEN update_due_at >= {T0} AND update_due_at < {T1} THEN 1 ELSE 0 END) AS n_update_due,
    SUM(CASE WHEN update_due_at >= {T0} AND update_due_at < {T1} AND updated_at <= update_due_at THEN 1 ELSE 0 END) AS n_updated_in_time
  FROM customers
  WHERE created_at < {T1} OR (update_due_at >= {T0} AND update_due_at < {T1})
  GROUP BY owner_id
),
ord AS (  -- orders by their owner, this month and the month before (prev(count_distinct));
          -- repeat_customer: the customer had an order on an earlier day, by anyone
  SELECT o.employee_id,
    SUM(CASE WHEN o.day >= {D0} THEN 1 ELSE 0 END) AS n_orders,
    SUM(CASE WHEN o.day >= {D0} AND o.entered_at <= o.entry_due_at THEN 1 ELSE 0 END) AS n_entered_in_time,
    SUM(CASE WHEN o.day >= {D0} AND o.entry_errors > 0 THEN 1 ELSE 0 END) AS n_entry_errors,
    AVG(CASE WHEN o.day >= {D0} AND o.status <> 'cancelled' THEN o.price_ratio_bp END) AS avg_price_bp,
    COUNT(DISTINCT CASE WHEN o.day >= {D0} AND o.status <> 'cancelled'
      AND EXISTS (SELECT 1 FROM orders o2 WHERE o2.customer_id = o.customer_id AND o2.day < o.day)
      THEN o.customer_id END) AS n_repeat_customers,
    COUNT(DISTINCT CASE WHEN o.day < {D0} AND o.status <> 'cancelled' THEN o.customer_id END) AS n_prev_customers
  FROM orders o
  WHERE o.day >= {P0} AND o.day < {D1}
  GROUP BY o.employee_id
),
credited AS (  -- credited_sum: split credit by order_credits.share_pct, else 100 % to the owner
  -- CAST: an INTEGER-affinity key, so that SQLite can index the materialized result for the
  -- join below (an expression has no affinity and would be scanned once per person).
  SELECT CAST(COALESCE(c.employee_id, o.employee_id) AS BIGINT) AS employee_id,
    SUM(CASE WHEN o.day >= {D0} THEN o.amount_cents * (COALESCE(c.share_pct, 100) / 100.0) ELSE 0 END) AS sales,
    SUM(CASE WHEN o.day < {D0} THEN o.amount_cents * (COALESCE(c.share_pct, 100) / 100.0) ELSE 0 END) AS prev_sales
  FROM orders o LEFT JOIN order_credits c ON c.order_id = o.id
  WHERE o.day >= {P0} AND o.day < {D1} AND o.status <> 'cancelled'
  GROUP BY CAST(COALESCE(c.employee_id, o.employee_id) AS BIGINT)
),
oev AS (  -- order events: due_at window
  SELECT employee_id,
    SUM(CASE WHEN kind = 'progress_feedback' THEN 1 ELSE 0 END) AS n_feedback,
    SUM(CASE WHEN kind = 'progress_feedback' AND done_at <= due_at THEN 1 ELSE 0 END) AS n_feedback_in_time,
    SUM(CASE WHEN kind = 'problem' THEN 1 ELSE 0 END) AS n_problems,
    SUM(CASE WHEN kind = 'problem' AND done_at IS NOT NULL THEN 1 ELSE 0 END) AS n_problems_resolved
  FROM order_events WHERE due_at >= {T0} AND due_at < {T1}
  GROUP BY employee_id
),
shp AS (
  SELECT employee_id, COUNT(*) AS n_shipments,
    SUM(CASE WHEN plan_created_at <= plan_due_at THEN 1 ELSE 0 END) AS n_planned_in_time,
    SUM(CASE WHEN plan_accurate THEN 1 ELSE 0 END) AS n_plan_accurate,
    SUM(CASE WHEN shipped_on <= planned_on THEN 1 ELSE 0 END) AS n_shipped_on_time
  FROM shipments WHERE day >= {D0} AND day < {D1}
  GROUP BY employee_id
),
rep AS (
  SELECT employee_id,
    SUM(CASE WHEN kind = 'statistics' THEN 1 ELSE 0 END) AS n_statistics,
    SUM(CASE WHEN kind = 'statistics' AND submitted_at <= due_at THEN 1 ELSE 0 END) AS n_statistics_in_time,
    SUM(CASE WHEN kind = 'analysis' AND effective IS NOT NULL THEN 1 ELSE 0 END) AS n_analysis_rated,
    SUM(CASE WHEN kind = 'analysis' AND effective THEN 1 ELSE 0 END) AS n_analysis_effective
  FROM reports WHERE day >= {D0} AND day < {D1}
  GROUP BY employee_id
),
con AS (  -- contracts `dated sign_due_at`
  SELECT employee_id, COUNT(*) AS n_sign_due,
    SUM(CASE WHEN signed_at <= sign_due_at THEN 1 ELSE 0 END) AS n_signed_in_time
  FROM contracts WHERE sign_due_at >= {T0} AND sign_due_at < {T1}
  GROUP BY employee_id
),
doc AS (
  SELECT employee_id, COUNT(*) AS n_documents,
    SUM(CASE WHEN filed_at <= due_at THEN 1 ELSE 0 END) AS n_filed_in_time
  FROM documents WHERE day >= {D0} AND day < {D1}
  GROUP BY employee_id
),
cal AS (
  SELECT employee_id, SUM(CASE WHEN is_callback THEN 1 ELSE 0 END) AS n_callbacks
  FROM calls WHERE day >= {D0} AND day < {D1}{dialect.by_person("employee_id")}
  GROUP BY employee_id
),
cmp AS (
  SELECT employee_id, SUM(CASE WHEN valid THEN 1 ELSE 0 END) AS n_valid_complaints
  FROM complaints WHERE day >= {D0} AND day < {D1}
  GROUP BY employee_id
),
vis AS (
  SELECT employee_id, COUNT(*) AS n_visits, SUM(CASE WHEN success THEN 1 ELSE 0 END) AS n_visits_success
  FROM visits WHERE day >= {D0} AND day < {D1}
  GROUP BY employee_id
),
exps AS (
  SELECT employee_id,
    SUM(CASE WHEN status NOT IN ('manager_returned', 'finance_returned') THEN amount_cents ELSE 0 END) AS expense_cents
  FROM expenses WHERE day >= {D0} AND day < {D1}
  GROUP BY employee_id
),
paid_by_due AS (  -- receivables.paid_by_due_cents: its payments received on or before due_on
  SELECT p.receivable_id, SUM(p.amount_cents) AS cents
  FROM payments p JOIN receivables r ON r.id = p.receivable_id
  WHERE r.due_on >= {D0} AND r.due_on < {D1} AND p.received_on <= r.due_on
  GROUP BY p.receivable_id
),
rcv AS (
  SELECT r.employee_id, SUM(r.amount_cents) AS due_cents, SUM(COALESCE(b.cents, 0)) AS paid_by_due_cents
  FROM receivables r LEFT JOIN paid_by_due b ON b.receivable_id = r.id
  WHERE r.due_on >= {D0} AND r.due_on < {D1}
  GROUP BY r.employee_id
),
pay AS (
  SELECT employee_id, SUM(amount_cents) AS received_cents
  FROM payments WHERE received_on >= {D0} AND received_on < {D1}
  GROUP BY employee_id
),
tgt AS (
  SELECT employee_id,
    MAX(CASE WHEN indicator_code = 'sales_amount' THEN value END) AS sales_target,
    MAX(CASE WHEN indicator_code = 'sales_expense' THEN value END) AS expense_target
  FROM targets WHERE period = '{w.period}' AND status <> 'disputed'
  GROUP BY employee_id
)
SELECT pe.employee_id, pe.scheme,
  {ratio('cust.n_new_complete', 'cust.n_new')} AS archive_completeness,
  {ratio('cust.n_updated_in_time', 'cust.n_update_due')} AS archive_update_timeliness,
  {ratio('ord.n_entered_in_time', 'ord.n_orders')} AS order_receipt_timeliness,
  {ratio('ord.n_entry_errors', 'ord.n_orders')} AS order_entry_error_rate,
  {ratio('oev.n_feedback_in_time', 'oev.n_feedback')} AS order_feedback_timeliness,
  {ratio('oev.n_problems_resolved', 'oev.n_problems')} AS order_problem_resolution,
  {ratio('shp.n_planned_in_time', 'shp.n_shipments')} AS shipment_plan_timeliness,
  {ratio('shp.n_plan_accurate', 'shp.n_shipments')} AS shipment_plan_accuracy,
  {ratio('shp.n_shipped_on_time', 'shp.n_shipments')} AS on_time_shipment,
  {ratio('rep.n_statistics_in_time', 'rep.n_statistics')} AS statistics_timeliness,
  {ratio('rep.n_analysis_effective', 'rep.n_analysis_rated')} AS analysis_report_effectiveness,
  {ratio('con.n_signed_in_time', 'con.n_sign_due')} AS contract_signing_timeliness,
  {ratio('doc.n_filed_in_time', 'doc.n_documents')} AS document_filing_timeliness,
  CAST(COALESCE(credited.sales, 0) AS DOUBLE) / NULLIF(tgt.sales_target, 0) * 100 AS sales_plan_completion,
  (COALESCE(credited.sales, 0) - COALESCE(credited.prev_sales, 0)) / NULLIF(COALESCE(credited.prev_sales, 0), 0) * 100 AS sales_growth,
  ord.avg_price_bp / 100.0 AS price_retention,
  CAST(COALESCE(exps.expense_cents, 0) AS DOUBLE) / NULLIF(tgt.expense_target, 0) * 100 AS expense_control,
  {ratio('pay.received_cents', 'rcv.due_cents')} AS receivables_recovery,
  {ratio('rcv.paid_by_due_cents', 'rcv.due_cents')} AS collection_timeliness,
  CAST(COALESCE(cust.n_new, 0) AS DOUBLE) AS new_customers,
  {ratio('cust.n_new', 'cust.n_held')} AS new_customer_rate,
  {ratio('ord.n_repeat_customers', 'ord.n_prev_customers')} AS old_customer_retention,
  {ratio('vis.n_visits_success', 'vis.n_visits')} AS visit_success_rate,
  CAST(COALESCE(cal.n_callbacks, 0) AS DOUBLE) AS callback_count,
  CAST(COALESCE(cmp.n_valid_complaints, 0) AS DOUBLE) AS valid_complaints,
  {ratio('cmp.n_valid_complaints', 'ord.n_orders')} AS complaint_rate
FROM people pe
LEFT JOIN cust ON cust.employee_id = pe.employee_id
LEFT JOIN ord ON ord.employee_id = pe.employee_id
LEFT JOIN credited ON credited.employee_id = pe.employee_id
LEFT JOIN oev ON oev.employee_id = pe.employee_id
LEFT JOIN shp ON shp.employee_id = pe.employee_id
LEFT JOIN rep ON rep.employee_id = pe.employee_id
LEFT JOIN con ON con.employee_id = pe.employee_id
LEFT JOIN doc ON doc.employee_id = pe.employee_id
LEFT JOIN cal ON cal.employee_id = pe.employee_id
LEFT JOIN cmp ON cmp.employee_id = pe.employee_id
LEFT JOIN vis ON vis.employee_id = pe.employee_id
LEFT JOIN exps ON exps.employee_id = pe.employee_id
LEFT JOIN rcv ON rcv.employee_id = pe.employee_id
LEFT JOIN pay ON pay.employee_id = pe.employee_id
LEFT JOIN tgt ON tgt.employee_id = pe.employee_id
WHERE pe.scheme IS NOT NULL
ORDER BY pe.employee_id
"""


# The columns of each table the SQL and the loop read, with their DuckDB types.
TABLES = {
    "employees": {"id": "BIGINT", "position_id": "BIGINT", "hired_on": "DATE", "left_on": "DATE"},
    "positions": {"id": "BIGINT", "code": "VARCHAR", "scheme_code": "VARCHAR"},
    "customers": {"id": "BIGINT", "owner_id": "BIGINT", "complete": "BOOLEAN", "created_at": "TIMESTAMPTZ",
                  "updated_at": "TIMESTAMPTZ", "update_due_at": "TIMESTAMPTZ"},
    "orders": {"id": "BIGINT", "customer_id": "BIGINT", "employee_id": "BIGINT", "day": "DATE",
               "entered_at": "TIMESTAMPTZ", "entry_due_at": "TIMESTAMPTZ", "amount_cents": "BIGINT",
               "entry_errors": "INTEGER", "status": "VARCHAR", "price_ratio_bp": "INTEGER"},
    "order_credits": {"order_id": "BIGINT", "employee_id": "BIGINT", "share_pct": "DOUBLE"},
    "order_events": {"employee_id": "BIGINT", "kind": "VARCHAR", "due_at": "TIMESTAMPTZ", "done_at": "TIMESTAMPTZ"},
    "shipments": {"employee_id": "BIGINT", "day": "DATE", "plan_due_at": "TIMESTAMPTZ",
                  "plan_created_at": "TIMESTAMPTZ", "planned_on": "DATE", "shipped_on": "DATE",
                  "plan_accurate": "BOOLEAN"},
    "reports": {"employee_id": "BIGINT", "kind": "VARCHAR", "day": "DATE", "due_at": "TIMESTAMPTZ",
                "submitted_at": "TIMESTAMPTZ", "effective": "BOOLEAN"},
    "contracts": {"employee_id": "BIGINT", "sign_due_at": "TIMESTAMPTZ", "signed_at": "TIMESTAMPTZ"},
    "documents": {"employee_id": "BIGINT", "day": "DATE", "due_at": "TIMESTAMPTZ", "filed_at": "TIMESTAMPTZ"},
    "calls": {"employee_id": "BIGINT", "day": "DATE", "is_callback": "BOOLEAN"},
    "complaints": {"employee_id": "BIGINT", "day": "DATE", "valid": "BOOLEAN"},
    "visits": {"employee_id": "BIGINT", "day": "DATE", "success": "BOOLEAN"},
    "expenses": {"employee_id": "BIGINT", "day": "DATE", "amount_cents": "BIGINT", "status": "VARCHAR"},
    "receivables": {"id": "BIGINT", "employee_id": "BIGINT", "amount_cents": "BIGINT", "due_on": "DATE"},
    "payments": {"receivable_id": "BIGINT", "employee_id": "BIGINT", "received_on": "DATE", "amount_cents": "BIGINT"},
    "targets": {"period": "VARCHAR", "employee_id": "BIGINT", "indicator_code": "VARCHAR",
                "value": "DOUBLE", "status": "VARCHAR"},
}


def check_utc_text(db):
    """DuckDB reads the instants with their offset; check kaohe wrote every one as UTC text."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    bad = []
    for table, cols in TABLES.items():
        for col, ty in cols.items():
            if ty == "TIMESTAMPTZ":
                n = con.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE {col} IS NOT NULL AND "
                    f"({col} NOT LIKE '____-__-__T__:__:__%+00:00' OR typeof({col}) <> 'text')"
                ).fetchone()[0]
                if n:
                    bad.append(f"{table}.{col}: {n}")
    con.close()
    return bad


def load_duckdb(db, work, duck):
    """Exports the needed columns with the sqlite3 CLI and loads them with read_csv."""
    rows = {}
    for table, cols in TABLES.items():
        path = os.path.join(work, f"{table}.csv")
        with open(path, "w") as out:
            subprocess.run(["sqlite3", "-csv", "-header", "-readonly", db, f"SELECT {', '.join(cols)} FROM {table}"],
                           stdout=out, check=True)
        columns = "{" + ", ".join(f"'{c}': '{t}'" for c, t in cols.items()) + "}"
        duck.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}', header = true, "
                     f"columns = {columns}, nullstr = '')")
        rows[table] = duck.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        os.remove(path)
    return rows


def run_duckdb(duck, sql, repeat):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = duck.execute(sql).fetchall()
        times.append(time.perf_counter() - start)
    cols = [d[0] for d in duck.description]
    return times, cols, result


def run_sqlite_cli(db, sql, work, repeat):
    path = os.path.join(work, "reference.sql")
    with open(path, "w") as f:
        f.write(sql.strip() + ";\n")
    out_path = os.path.join(work, "sqlite_result.csv")
    times = []
    for _ in range(repeat):
        with open(path) as inp, open(out_path, "w") as out:
            start = time.perf_counter()
            subprocess.run(["sqlite3", "-csv", "-header", "-readonly", db], stdin=inp, stdout=out, check=True)
            times.append(time.perf_counter() - start)
    with open(out_path) as f:
        reader = csv.reader(f)
        cols = next(reader)
        result = [[int(r[0]), r[1]] + [float(x) if x != "" else None for x in r[2:]] for r in reader]
    return times, cols, result


# -------------------------------------------------------------------------------------------
# (c) The per-person-per-indicator loop (Odoo's goal computation: one query per goal per user)
# -------------------------------------------------------------------------------------------

# Every measure as the query a per-user goal would run for one person, with the indexes the
# schema has. Parameters: :emp, :d0, :d1, :p0, :t0, :t1, :period.
M = {
    "customers_new": "SELECT COUNT(*) FROM customers WHERE owner_id = :emp AND created_at >= :t0 AND created_at < :t1",
    "customers_new_complete": "SELECT COUNT(*) FROM customers WHERE owner_id = :emp AND created_at >= :t0 AND created_at < :t1 AND complete",
    "customers_held": "SELECT COUNT(*) FROM customers WHERE owner_id = :emp AND created_at < :t1",
    "customers_update_due": "SELECT COUNT(*) FROM customers WHERE owner_id = :emp AND update_due_at >= :t0 AND update_due_at < :t1",
    "customers_updated_in_time": "SELECT COUNT(*) FROM customers WHERE owner_id = :emp AND update_due_at >= :t0 AND update_due_at < :t1 AND updated_at <= update_due_at",
    "orders": "SELECT COUNT(*) FROM orders WHERE employee_id = :emp AND day >= :d0 AND day < :d1",
    "orders_entered_in_time": "SELECT COUNT(*) FROM orders WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND entered_at <= entry_due_at",
    "orders_entry_errors": "SELECT COUNT(*) FROM orders WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND entry_errors > 0",
    "orders_avg_price_bp": "SELECT AVG(price_ratio_bp) FROM orders WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND status <> 'cancelled'",
    "orders_repeat_customers": "SELECT COUNT(DISTINCT o.customer_id) FROM orders o WHERE o.employee_id = :emp AND o.day >= :d0 AND o.day < :d1 AND o.status <> 'cancelled' "
                               "AND EXISTS (SELECT 1 FROM orders o2 WHERE o2.customer_id = o.customer_id AND o2.day < o.day)",
    "orders_prev_customers": "SELECT COUNT(DISTINCT customer_id) FROM orders WHERE employee_id = :emp AND day >= :p0 AND day < :d0 AND status <> 'cancelled'",
    # credited_sum: the person's credit shares, plus their own orders without credit rows.
    "sales": "SELECT COALESCE((SELECT SUM(o.amount_cents * (c.share_pct / 100.0)) FROM order_credits c JOIN orders o ON o.id = c.order_id "
             "WHERE c.employee_id = :emp AND o.day >= :d0 AND o.day < :d1 AND o.status <> 'cancelled'), 0) + "
             "COALESCE((SELECT SUM(o.amount_cents) FROM orders o WHERE o.employee_id = :emp AND o.day >= :d0 AND o.day < :d1 AND o.status <> 'cancelled' "
             "AND NOT EXISTS (SELECT 1 FROM order_credits c WHERE c.order_id = o.id)), 0)",
    "prev_sales": "SELECT COALESCE((SELECT SUM(o.amount_cents * (c.share_pct / 100.0)) FROM order_credits c JOIN orders o ON o.id = c.order_id "
                  "WHERE c.employee_id = :emp AND o.day >= :p0 AND o.day < :d0 AND o.status <> 'cancelled'), 0) + "
                  "COALESCE((SELECT SUM(o.amount_cents) FROM orders o WHERE o.employee_id = :emp AND o.day >= :p0 AND o.day < :d0 AND o.status <> 'cancelled' "
                  "AND NOT EXISTS (SELECT 1 FROM order_credits c WHERE c.order_id = o.id)), 0)",
    "sales_target": "SELECT value FROM targets WHERE period = :period AND employee_id = :emp AND indicator_code = 'sales_amount' AND status <> 'disputed'",
    "expense_target": "SELECT value FROM targets WHERE period = :period AND employee_id = :emp AND indicator_code = 'sales_expense' AND status <> 'disputed'",
    "feedback": "SELECT COUNT(*) FROM order_events WHERE employee_id = :emp AND due_at >= :t0 AND due_at < :t1 AND kind = 'progress_feedback'",
    "feedback_in_time": "SELECT COUNT(*) FROM order_events WHERE employee_id = :emp AND due_at >= :t0 AND due_at < :t1 AND kind = 'progress_feedback' AND done_at <= due_at",
    "problems": "SELECT COUNT(*) FROM order_events WHERE employee_id = :emp AND due_at >= :t0 AND due_at < :t1 AND kind = 'problem'",
    "problems_resolved": "SELECT COUNT(*) FROM order_events WHERE employee_id = :emp AND due_at >= :t0 AND due_at < :t1 AND kind = 'problem' AND done_at IS NOT NULL",
    "shipments": "SELECT COUNT(*) FROM shipments WHERE employee_id = :emp AND day >= :d0 AND day < :d1",
    "shipments_planned_in_time": "SELECT COUNT(*) FROM shipments WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND plan_created_at <= plan_due_at",
    "shipments_plan_accurate": "SELECT COUNT(*) FROM shipments WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND plan_accurate",
    "shipments_on_time": "SELECT COUNT(*) FROM shipments WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND shipped_on <= planned_on",
    "statistics": "SELECT COUNT(*) FROM reports WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND kind = 'statistics'",
    "statistics_in_time": "SELECT COUNT(*) FROM reports WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND kind = 'statistics' AND submitted_at <= due_at",
    "analysis_rated": "SELECT COUNT(*) FROM reports WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND kind = 'analysis' AND effective IS NOT NULL",
    "analysis_effective": "SELECT COUNT(*) FROM reports WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND kind = 'analysis' AND effective",
    "sign_due": "SELECT COUNT(*) FROM contracts WHERE employee_id = :emp AND sign_due_at >= :t0 AND sign_due_at < :t1",
    "signed_in_time": "SELECT COUNT(*) FROM contracts WHERE employee_id = :emp AND sign_due_at >= :t0 AND sign_due_at < :t1 AND signed_at <= sign_due_at",
    "documents": "SELECT COUNT(*) FROM documents WHERE employee_id = :emp AND day >= :d0 AND day < :d1",
    "documents_filed_in_time": "SELECT COUNT(*) FROM documents WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND filed_at <= due_at",
    "callbacks": "SELECT COUNT(*) FROM calls WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND is_callback",
    "valid_complaints": "SELECT COUNT(*) FROM complaints WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND valid",
    "visits": "SELECT COUNT(*) FROM visits WHERE employee_id = :emp AND day >= :d0 AND day < :d1",
    "visits_success": "SELECT COUNT(*) FROM visits WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND success",
    "expenses": "SELECT COALESCE(SUM(amount_cents), 0) FROM expenses WHERE employee_id = :emp AND day >= :d0 AND day < :d1 "
                "AND status NOT IN ('manager_returned', 'finance_returned')",
    "receivables_due": "SELECT COALESCE(SUM(amount_cents), 0) FROM receivables WHERE employee_id = :emp AND due_on >= :d0 AND due_on < :d1",
    "receivables_paid_by_due": "SELECT COALESCE(SUM(p.amount_cents), 0) FROM receivables r JOIN payments p ON p.receivable_id = r.id "
                               "WHERE r.employee_id = :emp AND r.due_on >= :d0 AND r.due_on < :d1 AND p.received_on <= r.due_on",
    "payments": "SELECT COALESCE(SUM(amount_cents), 0) FROM payments WHERE employee_id = :emp AND received_on >= :d0 AND received_on < :d1",
}


def _div(a, b):
    if a is None or b is None or b == 0:
        return None
    v = a / b
    return v if math.isfinite(v) else None


def _pct(a, b):
    v = _div(a, b)
    return None if v is None else v * 100


# indicator → (its measures, how the formula combines them)
LOOP = {
    "archive_completeness": (["customers_new_complete", "customers_new"], _pct),
    "archive_update_timeliness": (["customers_updated_in_time", "customers_update_due"], _pct),
    "order_receipt_timeliness": (["orders_entered_in_time", "orders"], _pct),
    "order_entry_error_rate": (["orders_entry_errors", "orders"], _pct),
    "order_feedback_timeliness": (["feedback_in_time", "feedback"], _pct),
    "order_problem_resolution": (["problems_resolved", "problems"], _pct),
    "shipment_plan_timeliness": (["shipments_planned_in_time", "shipments"], _pct),
    "shipment_plan_accuracy": (["shipments_plan_accurate", "shipments"], _pct),
    "on_time_shipment": (["shipments_on_time", "shipments"], _pct),
    "statistics_timeliness": (["statistics_in_time", "statistics"], _pct),
    "analysis_report_effectiveness": (["analysis_effective", "analysis_rated"], _pct),
    "contract_signing_timeliness": (["signed_in_time", "sign_due"], _pct),
    "document_filing_timeliness": (["documents_filed_in_time", "documents"], _pct),
    "sales_plan_completion": (["sales", "sales_target"], _pct),
    "sales_growth": (["sales", "prev_sales"], lambda s, p: _pct(None if p is None else s - p, p)),
    "price_retention": (["orders_avg_price_bp"], lambda a: None if a is None else a / 100),
    "expense_control": (["expenses", "expense_target"], _pct),
    "receivables_recovery": (["payments", "receivables_due"], _pct),
    "collection_timeliness": (["receivables_paid_by_due", "receivables_due"], _pct),
    "new_customers": (["customers_new"], float),
    "new_customer_rate": (["customers_new", "customers_held"], _pct),
    "old_customer_retention": (["orders_repeat_customers", "orders_prev_customers"], _pct),
    "visit_success_rate": (["visits_success", "visits"], _pct),
    "callback_count": (["callbacks"], float),
    "valid_complaints": (["valid_complaints"], float),
    "complaint_rate": (["valid_complaints", "orders"], _pct),
}


def run_loop(db, w, people, computed_by_scheme):
    """One query per measure per indicator per person, as a per-user goal computation does."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    params = {
        "d0": w.d0.isoformat(), "d1": w.d1.isoformat(), "p0": w.p0.isoformat(),
        "t0": f"{w.t0:%Y-%m-%dT%H:%M:%S}+00:00", "t1": f"{w.t1:%Y-%m-%dT%H:%M:%S}+00:00",
        "period": w.period,
    }
    values, queries, by_measure = {}, 0, {}
    clock = time.perf_counter
    start = clock()
    for emp, scheme in people:
        for code in computed_by_scheme[scheme]:
            names, combine = LOOP[code]
            args = []
            for name in names:
                t = clock()
                row = con.execute(M[name], dict(params, emp=emp)).fetchone()
                n, s = by_measure.get(name, (0, 0.0))
                by_measure[name] = (n + 1, s + clock() - t)
                queries += 1
                args.append(row[0] if row else None)
            values[(emp, code)] = combine(*args)
    elapsed = clock() - start
    con.close()
    return elapsed, queries, values, by_measure


# -------------------------------------------------------------------------------------------
# The library in the database, agreement, summary
# -------------------------------------------------------------------------------------------


def library(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    (text,) = con.execute("SELECT definition FROM library_versions ORDER BY version DESC LIMIT 1").fetchone()
    con.close()
    lib = tomllib.loads(text)
    indicators = {i["code"]: i for i in lib.get("indicators", [])}
    computed_by_scheme, positions = {}, {}
    problems = []
    for s in lib.get("schemes", []):
        codes = [it["indicator"] for g in s.get("groups", []) for it in g.get("items", [])]
        computed = [c for c in codes if c in indicators and "formula" in indicators[c]]
        computed_by_scheme[s["code"]] = computed
        for p in s.get("positions", []):
            positions.setdefault(p, []).append((s.get("version", 1), s["code"]))
        for c in computed:
            f = indicators[c]["formula"]
            if FORMULAS.get(c) != f:
                problems.append(f"{c}: the library has `{f}`, the reference SQL implements `{FORMULAS.get(c)}`")
    sa = indicators.get("sales_amount", {}).get("formula")
    if sa != SALES_AMOUNT_FORMULA:
        problems.append(f"sales_amount (read by prev(sales_amount)): `{sa}`")
    return computed_by_scheme, positions, problems


def scheme_case(computed_by_scheme, positions):
    """people.scheme: the position's scheme_code when the library has it, else the scheme whose
    positions list the position's code (highest version), as evaluate's people_to_evaluate."""
    known = ", ".join(f"'{s}'" for s in sorted(computed_by_scheme))
    parts = [f"CASE WHEN p.scheme_code IN ({known}) THEN p.scheme_code"]
    for pos, schemes in sorted(positions.items()):
        parts.append(f" WHEN p.code = '{pos}' THEN '{max(schemes)[1]}'")
    parts.append(" END")
    return "".join(parts)


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def compare(name, reference, kaohe, computed_by_scheme, only=None):
    """reference: {(emp, code): value}; kaohe: {emp: (scheme, {code: value})}."""
    compared, mismatches = 0, []
    for emp, (scheme, values) in sorted(kaohe.items()):
        if only is not None and emp not in only:
            continue
        for code in computed_by_scheme.get(scheme, []):
            if (emp, code) not in reference:
                mismatches.append((emp, code, values.get(code), "missing"))
                continue
            compared += 1
            if not close(values.get(code), reference[(emp, code)]):
                mismatches.append((emp, code, values.get(code), reference[(emp, code)]))
    return compared, mismatches


def fmt_x(r):
    return f"{r:.0f}" if r >= 100 else f"{r:.2g}" if r < 10 else f"{r:.1f}"


def fmt_s(s):
    return f"{s:.3f} s" if s < 10 else f"{s:.1f} s"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--period", default="2026-10")
    ap.add_argument("--kaohe-json", required=True)
    ap.add_argument("--compare-json", action="append", default=[], metavar="LABEL=PATH",
                    help="another kaohe JSON of the same period (a second run, after a roll-up "
                         "rebuild): checked to hold the same values as --kaohe-json")
    ap.add_argument("--work", required=True, help="a scratch directory")
    ap.add_argument("--sample", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--run-info", help="JSON with the shell script's measurements, for the summary")
    a = ap.parse_args()

    info = json.load(open(a.run_info)) if a.run_info else {}
    computed_by_scheme, positions, problems = library(a.db)
    if problems:
        print("The library in the database is not the one the reference SQL was written for:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 2
    bad = check_utc_text(a.db)
    if bad:
        print("instants not stored as UTC RFC 3339 text: " + "; ".join(bad), file=sys.stderr)
        return 2

    tz_name, offset = company_offset(a.db, a.period)
    w = Window(a.period, offset)
    case = scheme_case(computed_by_scheme, positions)
    print(f"   period {a.period}: dates [{w.d0}, {w.d1}), instants [{w.t0:%Y-%m-%d %H:%M}Z, {w.t1:%Y-%m-%d %H:%M}Z) "
          f"({tz_name}, UTC{offset.total_seconds() / 3600:+g}), previous month from {w.p0}")

    # kaohe's values
    k = json.load(open(a.kaohe_json))
    kaohe = {int(c["employee"]): (c["scheme"], {i["code"]: i["value"] for i in c["indicators"]}) for c in k["scorecards"]}

    # (b) DuckDB
    import duckdb
    duck = duckdb.connect()
    print("== (b) DuckDB: loading the needed columns through CSV (not timed)")
    t = time.perf_counter()
    rows = load_duckdb(a.db, a.work, duck)
    load_s = time.perf_counter() - t
    print(f"   {sum(rows.values()):,} rows of {len(rows)} tables in {load_s:.1f} s; DuckDB {duckdb.__version__}, "
          f"{duck.execute('SELECT current_setting(' + repr('threads') + ')').fetchone()[0]} threads")
    duck_sql = reference_sql(w, Dialect("duckdb"), case)
    duck_times, cols, duck_rows = run_duckdb(duck, duck_sql, a.repeat)
    print("   hand-written SQL: " + ", ".join(f"{x:.3f} s" for x in duck_times))
    ref_duck = {}
    duck_people = {}
    for r in duck_rows:
        duck_people[int(r[0])] = r[1]
        for c, v in zip(cols[2:], r[2:]):
            ref_duck[(int(r[0]), c)] = None if v is None else float(v)
    duck.close()

    # SQLite's own GROUP BY: the same statement through the sqlite3 CLI
    print("== SQLite: the same SQL run by the sqlite3 CLI on the kaohe database")
    lite_times, lite_cols, lite_rows = run_sqlite_cli(a.db, reference_sql(w, Dialect("sqlite"), case), a.work, a.repeat)
    print("   " + ", ".join(f"{x:.2f} s" for x in lite_times))
    ref_lite = {}
    for r in lite_rows:
        for c, v in zip(lite_cols[2:], r[2:]):
            ref_lite[(r[0], c)] = v

    # (c) the per-person loop on a sample
    people = sorted(duck_people.items())
    rng = random.Random(a.seed)
    sample = sorted(rng.sample(people, min(a.sample, len(people))))
    print(f"== (c) per-person-per-indicator loop: {len(sample)} of {len(people)} people (seed {a.seed})")
    loop_s, loop_queries, ref_loop, by_measure = run_loop(a.db, w, sample, computed_by_scheme)
    scale = len(people) / len(sample) if sample else 0
    loop_scaled = loop_s * scale
    print(f"   {loop_queries:,} queries in {loop_s:.2f} s → {loop_scaled:.1f} s scaled to {len(people):,} people")
    top = sorted(by_measure.items(), key=lambda kv: -kv[1][1])[:5]
    print("   slowest measures: " + ", ".join(f"{m} {n}× {s:.2f} s" for m, (n, s) in top))
    # Split credit makes the sales query the loop's heaviest (the credited shares, plus the
    # orders nobody shares): report the loop with and without those queries.
    credited_s = sum(by_measure.get(m, (0, 0.0))[1] for m in ("sales", "prev_sales"))
    print(f"   of which credited-sum queries: {credited_s:.2f} s")

    # Agreement
    print("== agreement (relative tolerance 1e-9; null = not applicable)")
    failed = False
    kaohe_ids, ref_ids = set(kaohe), set(duck_people)
    if kaohe_ids != ref_ids:
        failed = True
        print(f"   people differ: only kaohe {sorted(kaohe_ids - ref_ids)[:10]}, only reference {sorted(ref_ids - kaohe_ids)[:10]}")
    wrong_scheme = [(e, s, duck_people.get(e)) for e, (s, _) in kaohe.items() if duck_people.get(e, s) != s]
    if wrong_scheme:
        failed = True
        print(f"   schemes differ for {len(wrong_scheme)} people, e.g. {wrong_scheme[:5]}")
    results = {}
    checks = [("kaohe vs DuckDB", ref_duck, kaohe, None),
              ("kaohe vs SQLite CLI", ref_lite, kaohe, None),
              ("kaohe vs loop (sample)", ref_loop, kaohe, {e for e, _ in sample})]
    for spec in a.compare_json:
        label, _, path = spec.partition("=")
        other = json.load(open(path))
        values = {(int(c["employee"]), i["code"]): i["value"] for c in other["scorecards"] for i in c["indicators"]}
        checks.append((f"kaohe run 1 vs {label}", values, kaohe, None))
    for name, ref, kv, only in checks:
        n, mism = compare(name, ref, kv, computed_by_scheme, only)
        results[name] = (n, len(mism))
        print(f"   {name}: {n:,} values compared, {len(mism)} mismatches")
        by_code = {}
        for m in mism:
            by_code[m[1]] = by_code.get(m[1], 0) + 1
        if mism:
            failed = True
            print("      by indicator: " + ", ".join(f"{c} {n}" for c, n in sorted(by_code.items())))
            for emp, code, kv_, rv in mism[:10]:
                print(f"      employee {emp} {code}: kaohe {kv_!r}, reference {rv!r}")

    # Summary
    best_duck, best_lite = min(duck_times), min(lite_times)
    e1, e2 = info.get("eval1_s"), info.get("eval2_s")
    rebuild = info.get("rebuild_s")
    month_rebuild = info.get("month_rebuild_s")
    lines = [
        "",
        "## Summary (paste into docs/performance.md)",
        "",
        "```sh",
        info.get("command", "bench/evaluate.sh"),
        "```",
        "",
        "| what | figure |",
        "|---|---|",
    ]
    if info:
        lines.append(f"| kaohe | {info.get('build', '')} |")
        lines.append(f"| machine | {info.get('machine', '')} |")
        lines.append(f"| data (`kaohe gen`, {info.get('months', 3)} months to {info.get('end', '')}) | "
                     f"{info.get('staff', 0):,} staff; {a.period}: {info.get('calls_month', 0):,} calls, "
                     f"{info.get('orders_month', 0):,} orders, {info.get('records_month', 0):,} records of the dated kinds; "
                     f"database: {info.get('calls_total', 0):,} calls, {info.get('orders_total', 0):,} orders, "
                     f"{info.get('db_mb', 0):,.0f} MB |")
    lines.append(f"| people evaluated / computed values compared | {len(people):,} / {results['kaohe vs DuckDB'][0]:,} |")
    if e1 is not None:
        lines.append(f"| (a) `kaohe evaluate --period {a.period} --format json`, run 1: the period's first evaluation, "
                     f"every card written{info.get('eval1_note', '')} | best of 3 {fmt_s(e1)} "
                     f"({info.get('eval1_all', '')}), peak RSS {info.get('eval1_rss_mb', 0):.0f} MB |")
    if e2 is not None:
        lines.append(f"| (a) the same, run 2: nothing changed | best of 3 {fmt_s(e2)} ({info.get('eval2_all', '')}), "
                     f"peak RSS {info.get('eval2_rss_mb', 0):.0f} MB |")
    if month_rebuild is not None:
        lines.append(f"| `kaohe rollup rebuild --period {a.period}` (the month's roll-ups from its raw records) | "
                     f"best of 3 {fmt_s(month_rebuild)} ({info.get('month_rebuild_all', '')} s), "
                     f"peak RSS {info.get('month_rebuild_rss_mb', 0):.0f} MB |")
    if rebuild is not None:
        lines.append(f"| `kaohe rollup rebuild` (every month's roll-ups from raw records) | "
                     f"{fmt_s(rebuild)}, peak RSS {info.get('rebuild_rss_mb', 0):.0f} MB |")
    elif info:
        lines.append("| `kaohe rollup rebuild` | not in this binary (skipped) |")
    lines.append(f"| (b) DuckDB {duckdb.__version__}, hand-written SQL (best of {a.repeat}; load not timed) | {best_duck:.3f} s |")
    lines.append(f"| SQLite {sqlite3_version()} CLI, the same SQL (best of {a.repeat}) | {best_lite:.2f} s |")
    lines.append(f"| (c) per-person loop: {len(sample)} people, {loop_queries:,} queries (one per measure per "
                 f"indicator per person) | {loop_s:.2f} s → {loop_scaled:.1f} s scaled to {len(people):,} people; "
                 f"{credited_s * scale:.1f} s of it are credited-sum queries |")
    if e1 is not None:
        r1 = f"{e1 / best_duck:.2f}"
        r2 = f", run 2 {e2 / best_duck:.2f}" if e2 is not None else ""
        lines.append(f"| kaohe / DuckDB (goal ≤ 1.0) | run 1 {r1}{r2} |")
    if month_rebuild is not None:
        lines.append(f"| rollup rebuild of the month / SQLite GROUP BY of the month (goal ≤ 1.0) | "
                     f"{month_rebuild / best_lite:.2f} |")
    elif rebuild is not None:
        lines.append(f"| rollup rebuild / SQLite GROUP BY (goal ≤ 1.0) | {rebuild / best_lite:.2f} |")
    if e1 is not None:
        fastest = min(x for x in (e1, e2) if x is not None)
        lines.append(f"| loop scaled / kaohe (goal ≥ 300) | {fmt_x(loop_scaled / fastest)}× "
                     f"({fmt_x((loop_s - credited_s) * scale / fastest)}× without the credited-sum queries; fastest kaohe run) |")
    agree = "; ".join(f"{n}: {c:,} values, {m} mismatches" for n, (c, m) in results.items())
    lines.append(f"| agreement | {agree} |")
    print("\n".join(lines))
    return 1 if failed else 0


def sqlite3_version():
    try:
        return subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()[0]
    except Exception:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
