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
of local midnight (crates/store/src/evaluate/measures.rs, `bounds()`). `handled` groups by
the record's handled_by instead of its owner. `team` and `department` measures follow
crates/store/src/evaluate/led.rs: every employee's own value (evaluated or not) summed over the
members of the teams a person leads (the leader too when a member) or over the person's
department and every department below it; `team_target()` / `department_target()` sum the
members' targets the same way (someone leading no team has none: not applicable).
`team_score()` is the mean of the period totals of the team members, the leader left out: the
totals themselves are taken from kaohe's JSON (the whole scoring is out of the reach of this
SQL; the script prints a note saying so); who counts and the mean are the references' own.

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
    # the sales clerk: what they handled (`handled`), and their own records
    "archive_completeness": 'count(customers handled where complete) / count(customers handled) * 100',
    "archive_update_timeliness": 'count(customers handled dated update_due_at where updated_at <= update_due_at) / count(customers handled dated update_due_at) * 100',
    "order_receipt_timeliness": 'count(orders handled where entered_at <= entry_due_at) / count(orders handled) * 100',
    "order_entry_error_rate": 'count(orders handled where entry_errors > 0) / count(orders handled) * 100',
    "order_feedback_timeliness": 'count(order_events where kind = "progress_feedback" and done_at <= due_at) / count(order_events where kind = "progress_feedback") * 100',
    "order_problem_resolution": 'count(order_events where kind = "problem" and done_at is not null) / count(order_events where kind = "problem") * 100',
    "shipment_plan_timeliness": 'count(shipments where plan_created_at <= plan_due_at) / count(shipments) * 100',
    "shipment_plan_accuracy": 'count(shipments where plan_accurate) / count(shipments) * 100',
    "on_time_shipment": 'count(shipments where shipped_on <= planned_on) / count(shipments) * 100',
    "statistics_timeliness": 'count(reports where kind = "statistics" and submitted_at <= due_at) / count(reports where kind = "statistics") * 100',
    "analysis_report_effectiveness": 'count(reports where kind = "analysis" and effective) / count(reports where kind = "analysis" and effective is not null) * 100',
    "contract_signing_timeliness": 'count(contracts handled dated sign_due_at where signed_at <= sign_due_at) / count(contracts handled dated sign_due_at) * 100',
    "document_filing_timeliness": 'count(documents where filed_at <= due_at) / count(documents) * 100',
    # sellers
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
    # property consultants: signed contracts
    "signed_sales_completion": 'sum(contracts.amount_cents dated signed_day where status in ("signed", "archived")) / target("signed_amount") * 100',
    "invited_visits": 'count(visits where invited)',
    # customer service
    "callback_timeliness": 'count(calls where is_callback and started_at <= callback_due_at) / count(calls where is_callback) * 100',
    "connect_rate": 'count(calls where direction = "outbound" and outcome != "no_answer") / count(calls where direction = "outbound") * 100',
    # the regional manager
    "monthly_report_on_time": 'count(reports where kind = "monthly" and submitted_at <= due_at) / count(reports where kind = "monthly") * 100',
    # team leaders: the members of the teams they lead
    "team_sales_completion": 'credited_sum(orders.amount_cents team where status != "cancelled") / team_target("sales_amount") * 100',
    "team_valid_complaints": 'count(complaints team where valid)',
    "team_new_customer_growth": 'count(customers team) / prev(count(customers team)) * 100',
    "subordinates_results": 'team_score()',
    # managers: their department and those below it
    "department_sales_completion": 'credited_sum(orders.amount_cents department where status != "cancelled") / department_target("sales_amount") * 100',
    "department_new_customer_growth": 'count(customers department) / prev(count(customers department)) * 100',
    "department_repeat_orders": 'count(orders department where repeat_customer and status != "cancelled") / count(orders department where status != "cancelled") * 100',
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

        self.tp0 = midnight_utc(self.p0)
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
    TP0, T0, T1 = dialect.ts(w.tp0), dialect.ts(w.t0), dialect.ts(w.t1)
    return f"""
WITH RECURSIVE people AS (
  SELECT e.id AS employee_id, e.department_id, {scheme_case} AS scheme
  FROM employees e JOIN positions p ON p.id = e.position_id
  WHERE e.hired_on < {D1} AND (e.left_on IS NULL OR e.left_on >= {D0})
),
cust AS (  -- customers by their owner: created_at window (this month, the month before), `cumulative`
  SELECT owner_id AS employee_id,
    SUM(CASE WHEN created_at >= {T0} THEN 1 ELSE 0 END) AS n_new,
    SUM(CASE WHEN created_at >= {TP0} AND created_at < {T0} THEN 1 ELSE 0 END) AS n_prev_new,
    COUNT(*) AS n_held
  FROM customers
  WHERE created_at < {T1}
  GROUP BY owner_id
),
cust_h AS (  -- customers the person handled (`handled`: handled_by): created_at window, `dated update_due_at`
  SELECT handled_by AS employee_id,
    SUM(CASE WHEN created_at >= {T0} AND created_at < {T1} THEN 1 ELSE 0 END) AS n_new,
    SUM(CASE WHEN created_at >= {T0} AND created_at < {T1} AND complete THEN 1 ELSE 0 END) AS n_new_complete,
    SUM(CASE WHEN update_due_at >= {T0} AND update_due_at < {T1} THEN 1 ELSE 0 END) AS n_update_due,
    SUM(CASE WHEN update_due_at >= {T0} AND update_due_at < {T1} AND updated_at <= update_due_at THEN 1 ELSE 0 END) AS n_updated_in_time
  FROM customers
  WHERE handled_by IS NOT NULL
    AND ((created_at >= {T0} AND created_at < {T1}) OR (update_due_at >= {T0} AND update_due_at < {T1}))
  GROUP BY handled_by
),
ord AS (  -- orders by their owner, this month and the month before (prev(count_distinct))
  SELECT o.employee_id,
    SUM(CASE WHEN o.day >= {D0} THEN 1 ELSE 0 END) AS n_orders,
    SUM(CASE WHEN o.day >= {D0} AND o.status <> 'cancelled' THEN 1 ELSE 0 END) AS n_live_orders,
    AVG(CASE WHEN o.day >= {D0} AND o.status <> 'cancelled' THEN o.price_ratio_bp END) AS avg_price_bp,
    COUNT(DISTINCT CASE WHEN o.day < {D0} AND o.status <> 'cancelled' THEN o.customer_id END) AS n_prev_customers
  FROM orders o
  WHERE o.day >= {P0} AND o.day < {D1}
  GROUP BY o.employee_id
),
rep_cust AS (  -- repeat_customer: the customer had an order on an earlier day, by anyone;
               -- per owner and customer, so that the EXISTS runs once per order
  SELECT o.employee_id, o.customer_id, COUNT(*) AS n
  FROM orders o
  WHERE o.day >= {D0} AND o.day < {D1} AND o.status <> 'cancelled'
    AND EXISTS (SELECT 1 FROM orders o2 WHERE o2.customer_id = o.customer_id AND o2.day < o.day)
  GROUP BY o.employee_id, o.customer_id
),
rep_ord AS (
  SELECT employee_id, COUNT(*) AS n_repeat_customers, SUM(n) AS n_repeat_orders
  FROM rep_cust GROUP BY employee_id
),
ord_h AS (  -- orders the person handled
  SELECT handled_by AS employee_id, COUNT(*) AS n_orders,
    SUM(CASE WHEN entered_at <= entry_due_at THEN 1 ELSE 0 END) AS n_entered_in_time,
    SUM(CASE WHEN entry_errors > 0 THEN 1 ELSE 0 END) AS n_entry_errors
  FROM orders
  WHERE day >= {D0} AND day < {D1} AND handled_by IS NOT NULL
  GROUP BY handled_by
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
    SUM(CASE WHEN kind = 'analysis' AND effective THEN 1 ELSE 0 END) AS n_analysis_effective,
    SUM(CASE WHEN kind = 'monthly' THEN 1 ELSE 0 END) AS n_monthly,
    SUM(CASE WHEN kind = 'monthly' AND submitted_at <= due_at THEN 1 ELSE 0 END) AS n_monthly_in_time
  FROM reports WHERE day >= {D0} AND day < {D1}
  GROUP BY employee_id
),
con_h AS (  -- contracts the person handled, `dated sign_due_at`
  SELECT handled_by AS employee_id, COUNT(*) AS n_sign_due,
    SUM(CASE WHEN signed_at <= sign_due_at THEN 1 ELSE 0 END) AS n_signed_in_time
  FROM contracts WHERE sign_due_at >= {T0} AND sign_due_at < {T1} AND handled_by IS NOT NULL
  GROUP BY handled_by
),
sig AS (  -- contracts by their owner, `dated signed_day`
  SELECT employee_id, SUM(amount_cents) AS signed_cents
  FROM contracts WHERE signed_day >= {D0} AND signed_day < {D1} AND status IN ('signed', 'archived')
  GROUP BY employee_id
),
doc AS (
  SELECT employee_id, COUNT(*) AS n_documents,
    SUM(CASE WHEN filed_at <= due_at THEN 1 ELSE 0 END) AS n_filed_in_time
  FROM documents WHERE day >= {D0} AND day < {D1}
  GROUP BY employee_id
),
cal AS (
  SELECT employee_id,
    SUM(CASE WHEN is_callback THEN 1 ELSE 0 END) AS n_callbacks,
    SUM(CASE WHEN is_callback AND started_at <= callback_due_at THEN 1 ELSE 0 END) AS n_callbacks_on_time,
    SUM(CASE WHEN direction = 'outbound' THEN 1 ELSE 0 END) AS n_outbound,
    SUM(CASE WHEN direction = 'outbound' AND outcome <> 'no_answer' THEN 1 ELSE 0 END) AS n_outbound_connected
  FROM calls WHERE day >= {D0} AND day < {D1}{dialect.by_person("employee_id")}
  GROUP BY employee_id
),
cmp AS (
  SELECT employee_id, SUM(CASE WHEN valid THEN 1 ELSE 0 END) AS n_valid_complaints
  FROM complaints WHERE day >= {D0} AND day < {D1}
  GROUP BY employee_id
),
vis AS (
  SELECT employee_id, COUNT(*) AS n_visits, SUM(CASE WHEN success THEN 1 ELSE 0 END) AS n_visits_success,
    SUM(CASE WHEN invited THEN 1 ELSE 0 END) AS n_invited
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
    MAX(CASE WHEN indicator_code = 'sales_expense' THEN value END) AS expense_target,
    MAX(CASE WHEN indicator_code = 'signed_amount' THEN value END) AS signed_target
  FROM targets WHERE period = '{w.period}' AND status <> 'disputed'
  GROUP BY employee_id
),
member AS (  -- every employee's own values that team and department measures add up
  -- (everyone in the table, evaluated this month or not, as led.rs sums them)
  SELECT e.id AS employee_id, e.team_id, e.department_id,
    COALESCE(credited.sales, 0) AS sales,
    COALESCE(tgt.sales_target, 0) AS sales_target,
    COALESCE(cmp.n_valid_complaints, 0) AS valid_complaints,
    COALESCE(cust.n_new, 0) AS new_customers,
    COALESCE(cust.n_prev_new, 0) AS prev_new_customers,
    COALESCE(rep_ord.n_repeat_orders, 0) AS repeat_orders,
    COALESCE(ord.n_live_orders, 0) AS live_orders
  FROM employees e
  LEFT JOIN credited ON credited.employee_id = e.id
  LEFT JOIN tgt ON tgt.employee_id = e.id
  LEFT JOIN cmp ON cmp.employee_id = e.id
  LEFT JOIN cust ON cust.employee_id = e.id
  LEFT JOIN rep_ord ON rep_ord.employee_id = e.id
  LEFT JOIN ord ON ord.employee_id = e.id
),
team_sum AS (  -- `team`: the members of the teams a person leads (the leader too when a member)
  SELECT t.leader_id AS employee_id,
    SUM(COALESCE(m.sales, 0)) AS sales, SUM(COALESCE(m.sales_target, 0)) AS sales_target,
    SUM(COALESCE(m.valid_complaints, 0)) AS valid_complaints,
    SUM(COALESCE(m.new_customers, 0)) AS new_customers, SUM(COALESCE(m.prev_new_customers, 0)) AS prev_new_customers
  FROM teams t LEFT JOIN member m ON m.team_id = t.id
  WHERE t.leader_id IS NOT NULL
  GROUP BY t.leader_id
),
dept_tree AS (  -- each department with itself and every department below it
  SELECT id AS top, id AS dept FROM departments
  UNION ALL
  SELECT dt.top, d.id FROM dept_tree dt JOIN departments d ON d.parent_id = dt.dept
),
dept_sum AS (  -- `department`: everyone in a department and the departments below it
  SELECT dt.top AS department_id,
    SUM(m.sales) AS sales, SUM(m.sales_target) AS sales_target,
    SUM(m.new_customers) AS new_customers, SUM(m.prev_new_customers) AS prev_new_customers,
    SUM(m.repeat_orders) AS repeat_orders, SUM(m.live_orders) AS live_orders
  FROM dept_tree dt JOIN member m ON m.department_id = dt.dept
  GROUP BY dt.top
),
team_scores AS (  -- team_score(): the mean of the totals of the members of the teams a person
                  -- leads, the leader left out (totals: kaohe's, see member_totals)
  SELECT t.leader_id AS employee_id, AVG(mt.total) AS score
  FROM teams t JOIN employees e ON e.team_id = t.id JOIN member_totals mt ON mt.employee_id = e.id
  WHERE t.leader_id IS NOT NULL AND e.id <> t.leader_id
  GROUP BY t.leader_id
)
SELECT pe.employee_id, pe.scheme,
  {ratio('cust_h.n_new_complete', 'cust_h.n_new')} AS archive_completeness,
  {ratio('cust_h.n_updated_in_time', 'cust_h.n_update_due')} AS archive_update_timeliness,
  {ratio('ord_h.n_entered_in_time', 'ord_h.n_orders')} AS order_receipt_timeliness,
  {ratio('ord_h.n_entry_errors', 'ord_h.n_orders')} AS order_entry_error_rate,
  {ratio('oev.n_feedback_in_time', 'oev.n_feedback')} AS order_feedback_timeliness,
  {ratio('oev.n_problems_resolved', 'oev.n_problems')} AS order_problem_resolution,
  {ratio('shp.n_planned_in_time', 'shp.n_shipments')} AS shipment_plan_timeliness,
  {ratio('shp.n_plan_accurate', 'shp.n_shipments')} AS shipment_plan_accuracy,
  {ratio('shp.n_shipped_on_time', 'shp.n_shipments')} AS on_time_shipment,
  {ratio('rep.n_statistics_in_time', 'rep.n_statistics')} AS statistics_timeliness,
  {ratio('rep.n_analysis_effective', 'rep.n_analysis_rated')} AS analysis_report_effectiveness,
  {ratio('con_h.n_signed_in_time', 'con_h.n_sign_due')} AS contract_signing_timeliness,
  {ratio('doc.n_filed_in_time', 'doc.n_documents')} AS document_filing_timeliness,
  CAST(COALESCE(credited.sales, 0) AS DOUBLE) / NULLIF(tgt.sales_target, 0) * 100 AS sales_plan_completion,
  (COALESCE(credited.sales, 0) - COALESCE(credited.prev_sales, 0)) / NULLIF(COALESCE(credited.prev_sales, 0), 0) * 100 AS sales_growth,
  ord.avg_price_bp / 100.0 AS price_retention,
  CAST(COALESCE(exps.expense_cents, 0) AS DOUBLE) / NULLIF(tgt.expense_target, 0) * 100 AS expense_control,
  {ratio('pay.received_cents', 'rcv.due_cents')} AS receivables_recovery,
  {ratio('rcv.paid_by_due_cents', 'rcv.due_cents')} AS collection_timeliness,
  CAST(COALESCE(cust.n_new, 0) AS DOUBLE) AS new_customers,
  {ratio('cust.n_new', 'cust.n_held')} AS new_customer_rate,
  {ratio('rep_ord.n_repeat_customers', 'ord.n_prev_customers')} AS old_customer_retention,
  {ratio('vis.n_visits_success', 'vis.n_visits')} AS visit_success_rate,
  CAST(COALESCE(cal.n_callbacks, 0) AS DOUBLE) AS callback_count,
  CAST(COALESCE(cmp.n_valid_complaints, 0) AS DOUBLE) AS valid_complaints,
  {ratio('cmp.n_valid_complaints', 'ord.n_orders')} AS complaint_rate,
  CAST(COALESCE(sig.signed_cents, 0) AS DOUBLE) / NULLIF(tgt.signed_target, 0) * 100 AS signed_sales_completion,
  CAST(COALESCE(vis.n_invited, 0) AS DOUBLE) AS invited_visits,
  {ratio('cal.n_callbacks_on_time', 'cal.n_callbacks')} AS callback_timeliness,
  {ratio('cal.n_outbound_connected', 'cal.n_outbound')} AS connect_rate,
  {ratio('rep.n_monthly_in_time', 'rep.n_monthly')} AS monthly_report_on_time,
  CAST(COALESCE(ts.sales, 0) AS DOUBLE) / NULLIF(ts.sales_target, 0) * 100 AS team_sales_completion,
  CAST(COALESCE(ts.valid_complaints, 0) AS DOUBLE) AS team_valid_complaints,
  {ratio('ts.new_customers', 'ts.prev_new_customers')} AS team_new_customer_growth,
  team_scores.score AS subordinates_results,
  CAST(COALESCE(ds.sales, 0) AS DOUBLE) / NULLIF(ds.sales_target, 0) * 100 AS department_sales_completion,
  {ratio('ds.new_customers', 'ds.prev_new_customers')} AS department_new_customer_growth,
  {ratio('ds.repeat_orders', 'ds.live_orders')} AS department_repeat_orders
FROM people pe
LEFT JOIN cust ON cust.employee_id = pe.employee_id
LEFT JOIN cust_h ON cust_h.employee_id = pe.employee_id
LEFT JOIN ord ON ord.employee_id = pe.employee_id
LEFT JOIN rep_ord ON rep_ord.employee_id = pe.employee_id
LEFT JOIN ord_h ON ord_h.employee_id = pe.employee_id
LEFT JOIN credited ON credited.employee_id = pe.employee_id
LEFT JOIN oev ON oev.employee_id = pe.employee_id
LEFT JOIN shp ON shp.employee_id = pe.employee_id
LEFT JOIN rep ON rep.employee_id = pe.employee_id
LEFT JOIN con_h ON con_h.employee_id = pe.employee_id
LEFT JOIN sig ON sig.employee_id = pe.employee_id
LEFT JOIN doc ON doc.employee_id = pe.employee_id
LEFT JOIN cal ON cal.employee_id = pe.employee_id
LEFT JOIN cmp ON cmp.employee_id = pe.employee_id
LEFT JOIN vis ON vis.employee_id = pe.employee_id
LEFT JOIN exps ON exps.employee_id = pe.employee_id
LEFT JOIN rcv ON rcv.employee_id = pe.employee_id
LEFT JOIN pay ON pay.employee_id = pe.employee_id
LEFT JOIN tgt ON tgt.employee_id = pe.employee_id
LEFT JOIN team_sum ts ON ts.employee_id = pe.employee_id
LEFT JOIN dept_sum ds ON ds.department_id = pe.department_id
LEFT JOIN team_scores ON team_scores.employee_id = pe.employee_id
WHERE pe.scheme IS NOT NULL
ORDER BY pe.employee_id
"""


# The columns of each table the SQL and the loop read, with their DuckDB types.
TABLES = {
    "employees": {"id": "BIGINT", "position_id": "BIGINT", "team_id": "BIGINT", "department_id": "BIGINT",
                  "hired_on": "DATE", "left_on": "DATE"},
    "teams": {"id": "BIGINT", "leader_id": "BIGINT"},
    "departments": {"id": "BIGINT", "parent_id": "BIGINT"},
    "positions": {"id": "BIGINT", "code": "VARCHAR", "scheme_code": "VARCHAR"},
    "customers": {"id": "BIGINT", "owner_id": "BIGINT", "handled_by": "BIGINT", "complete": "BOOLEAN", "created_at": "TIMESTAMPTZ",
                  "updated_at": "TIMESTAMPTZ", "update_due_at": "TIMESTAMPTZ"},
    "orders": {"id": "BIGINT", "customer_id": "BIGINT", "employee_id": "BIGINT", "handled_by": "BIGINT", "day": "DATE",
               "entered_at": "TIMESTAMPTZ", "entry_due_at": "TIMESTAMPTZ", "amount_cents": "BIGINT",
               "entry_errors": "INTEGER", "status": "VARCHAR", "price_ratio_bp": "INTEGER"},
    "order_credits": {"order_id": "BIGINT", "employee_id": "BIGINT", "share_pct": "DOUBLE"},
    "order_events": {"employee_id": "BIGINT", "kind": "VARCHAR", "due_at": "TIMESTAMPTZ", "done_at": "TIMESTAMPTZ"},
    "shipments": {"employee_id": "BIGINT", "day": "DATE", "plan_due_at": "TIMESTAMPTZ",
                  "plan_created_at": "TIMESTAMPTZ", "planned_on": "DATE", "shipped_on": "DATE",
                  "plan_accurate": "BOOLEAN"},
    "reports": {"employee_id": "BIGINT", "kind": "VARCHAR", "day": "DATE", "due_at": "TIMESTAMPTZ",
                "submitted_at": "TIMESTAMPTZ", "effective": "BOOLEAN"},
    "contracts": {"employee_id": "BIGINT", "handled_by": "BIGINT", "amount_cents": "BIGINT", "status": "VARCHAR",
                  "sign_due_at": "TIMESTAMPTZ", "signed_at": "TIMESTAMPTZ", "signed_day": "DATE"},
    "documents": {"employee_id": "BIGINT", "day": "DATE", "due_at": "TIMESTAMPTZ", "filed_at": "TIMESTAMPTZ"},
    "calls": {"employee_id": "BIGINT", "day": "DATE", "is_callback": "BOOLEAN", "started_at": "TIMESTAMPTZ",
              "callback_due_at": "TIMESTAMPTZ", "direction": "VARCHAR", "outcome": "VARCHAR"},
    "complaints": {"employee_id": "BIGINT", "day": "DATE", "valid": "BOOLEAN"},
    "visits": {"employee_id": "BIGINT", "day": "DATE", "success": "BOOLEAN", "invited": "BOOLEAN"},
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


def totals_sql(totals):
    """The members' totals team_score() reads, as a temporary table for the sqlite3 CLI (created
    in the timed script: a few ms for 10,000 rows)."""
    rows = ",\n".join(f"({e}, {t!r})" for e, t in sorted(totals.items()))
    create = "CREATE TEMP TABLE member_totals (employee_id INTEGER PRIMARY KEY, total REAL);\n"
    return create + (f"INSERT INTO member_totals VALUES\n{rows};\n" if rows else "")


def load_totals_duckdb(duck, totals, work):
    """The members' totals as a DuckDB table (loaded with the other tables, not timed)."""
    path = os.path.join(work, "member_totals.csv")
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["employee_id", "total"])
        out.writerows(sorted(totals.items()))
    duck.execute("CREATE TABLE member_totals AS SELECT * FROM read_csv(?, header = true, "
                 "columns = {'employee_id': 'BIGINT', 'total': 'DOUBLE'})", [path])
    os.remove(path)


def run_sqlite_cli(db, sql, work, repeat, prelude=""):
    path = os.path.join(work, "reference.sql")
    with open(path, "w") as f:
        f.write(prelude + sql.strip() + ";\n")
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
# schema has (none on handled_by: a handled measure scans its table, as a per-user goal on an
# unindexed field would). Parameters: :emp, :d0, :d1, :p0, :tp0, :t0, :t1, :period.
# The people a person leads, as led.rs has them: the members of the teams they lead, and
# everyone in their department and the departments below it.
TEAM = "SELECT e.id FROM employees e JOIN teams t ON t.id = e.team_id WHERE t.leader_id = :emp"
DEPT = ("WITH RECURSIVE d(id) AS (SELECT department_id FROM employees WHERE id = :emp "
        "UNION SELECT x.id FROM departments x JOIN d ON x.parent_id = d.id) "
        "SELECT e.id FROM employees e WHERE e.department_id IN (SELECT id FROM d)")


def credited_sql(who, d0, d1):
    """credited_sum(orders.amount_cents where status != "cancelled") of the people `who` selects:
    their credit shares, plus their own orders without credit rows."""
    return ("SELECT COALESCE((SELECT SUM(o.amount_cents * (c.share_pct / 100.0)) FROM order_credits c JOIN orders o ON o.id = c.order_id "
            f"WHERE c.employee_id {who} AND o.day >= {d0} AND o.day < {d1} AND o.status <> 'cancelled'), 0) + "
            f"COALESCE((SELECT SUM(o.amount_cents) FROM orders o WHERE o.employee_id {who} AND o.day >= {d0} AND o.day < {d1} "
            "AND o.status <> 'cancelled' AND NOT EXISTS (SELECT 1 FROM order_credits c WHERE c.order_id = o.id)), 0)")


# The measures over what a person handled (handled_by, which has no index).
HANDLED = {"customers_h_new", "customers_h_new_complete", "customers_h_update_due", "customers_h_updated_in_time",
           "orders_h", "orders_h_entered_in_time", "orders_h_entry_errors", "sign_due_h", "signed_in_time_h"}

REPEAT = "EXISTS (SELECT 1 FROM orders o2 WHERE o2.customer_id = o.customer_id AND o2.day < o.day)"

M = {
    "customers_new": "SELECT COUNT(*) FROM customers WHERE owner_id = :emp AND created_at >= :t0 AND created_at < :t1",
    "customers_held": "SELECT COUNT(*) FROM customers WHERE owner_id = :emp AND created_at < :t1",
    "customers_h_new": "SELECT COUNT(*) FROM customers WHERE handled_by = :emp AND created_at >= :t0 AND created_at < :t1",
    "customers_h_new_complete": "SELECT COUNT(*) FROM customers WHERE handled_by = :emp AND created_at >= :t0 AND created_at < :t1 AND complete",
    "customers_h_update_due": "SELECT COUNT(*) FROM customers WHERE handled_by = :emp AND update_due_at >= :t0 AND update_due_at < :t1",
    "customers_h_updated_in_time": "SELECT COUNT(*) FROM customers WHERE handled_by = :emp AND update_due_at >= :t0 AND update_due_at < :t1 AND updated_at <= update_due_at",
    "orders": "SELECT COUNT(*) FROM orders WHERE employee_id = :emp AND day >= :d0 AND day < :d1",
    "orders_h": "SELECT COUNT(*) FROM orders WHERE handled_by = :emp AND day >= :d0 AND day < :d1",
    "orders_h_entered_in_time": "SELECT COUNT(*) FROM orders WHERE handled_by = :emp AND day >= :d0 AND day < :d1 AND entered_at <= entry_due_at",
    "orders_h_entry_errors": "SELECT COUNT(*) FROM orders WHERE handled_by = :emp AND day >= :d0 AND day < :d1 AND entry_errors > 0",
    "orders_avg_price_bp": "SELECT AVG(price_ratio_bp) FROM orders WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND status <> 'cancelled'",
    "orders_repeat_customers": "SELECT COUNT(DISTINCT o.customer_id) FROM orders o WHERE o.employee_id = :emp AND o.day >= :d0 AND o.day < :d1 AND o.status <> 'cancelled' "
                               f"AND {REPEAT}",
    "orders_prev_customers": "SELECT COUNT(DISTINCT customer_id) FROM orders WHERE employee_id = :emp AND day >= :p0 AND day < :d0 AND status <> 'cancelled'",
    "sales": credited_sql("= :emp", ":d0", ":d1"),
    "prev_sales": credited_sql("= :emp", ":p0", ":d0"),
    "sales_target": "SELECT value FROM targets WHERE period = :period AND employee_id = :emp AND indicator_code = 'sales_amount' AND status <> 'disputed'",
    "expense_target": "SELECT value FROM targets WHERE period = :period AND employee_id = :emp AND indicator_code = 'sales_expense' AND status <> 'disputed'",
    "signed_target": "SELECT value FROM targets WHERE period = :period AND employee_id = :emp AND indicator_code = 'signed_amount' AND status <> 'disputed'",
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
    "monthly_reports": "SELECT COUNT(*) FROM reports WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND kind = 'monthly'",
    "monthly_reports_in_time": "SELECT COUNT(*) FROM reports WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND kind = 'monthly' AND submitted_at <= due_at",
    "sign_due_h": "SELECT COUNT(*) FROM contracts WHERE handled_by = :emp AND sign_due_at >= :t0 AND sign_due_at < :t1",
    "signed_in_time_h": "SELECT COUNT(*) FROM contracts WHERE handled_by = :emp AND sign_due_at >= :t0 AND sign_due_at < :t1 AND signed_at <= sign_due_at",
    "signed_cents": "SELECT COALESCE(SUM(amount_cents), 0) FROM contracts WHERE employee_id = :emp AND signed_day >= :d0 AND signed_day < :d1 "
                    "AND status IN ('signed', 'archived')",
    "documents": "SELECT COUNT(*) FROM documents WHERE employee_id = :emp AND day >= :d0 AND day < :d1",
    "documents_filed_in_time": "SELECT COUNT(*) FROM documents WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND filed_at <= due_at",
    "callbacks": "SELECT COUNT(*) FROM calls WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND is_callback",
    "callbacks_on_time": "SELECT COUNT(*) FROM calls WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND is_callback AND started_at <= callback_due_at",
    "outbound": "SELECT COUNT(*) FROM calls WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND direction = 'outbound'",
    "outbound_connected": "SELECT COUNT(*) FROM calls WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND direction = 'outbound' AND outcome <> 'no_answer'",
    "valid_complaints": "SELECT COUNT(*) FROM complaints WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND valid",
    "visits": "SELECT COUNT(*) FROM visits WHERE employee_id = :emp AND day >= :d0 AND day < :d1",
    "visits_success": "SELECT COUNT(*) FROM visits WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND success",
    "visits_invited": "SELECT COUNT(*) FROM visits WHERE employee_id = :emp AND day >= :d0 AND day < :d1 AND invited",
    "expenses": "SELECT COALESCE(SUM(amount_cents), 0) FROM expenses WHERE employee_id = :emp AND day >= :d0 AND day < :d1 "
                "AND status NOT IN ('manager_returned', 'finance_returned')",
    "receivables_due": "SELECT COALESCE(SUM(amount_cents), 0) FROM receivables WHERE employee_id = :emp AND due_on >= :d0 AND due_on < :d1",
    "receivables_paid_by_due": "SELECT COALESCE(SUM(p.amount_cents), 0) FROM receivables r JOIN payments p ON p.receivable_id = r.id "
                               "WHERE r.employee_id = :emp AND r.due_on >= :d0 AND r.due_on < :d1 AND p.received_on <= r.due_on",
    "payments": "SELECT COALESCE(SUM(amount_cents), 0) FROM payments WHERE employee_id = :emp AND received_on >= :d0 AND received_on < :d1",
    # team: the members of the teams the person leads
    "team_sales": credited_sql(f"IN ({TEAM})", ":d0", ":d1"),
    # no row for someone leading no team (not applicable), as team_target() has none for them
    "team_sales_target": "SELECT SUM(COALESCE((SELECT value FROM targets g WHERE g.period = :period AND g.employee_id = m.id "
                         "AND g.indicator_code = 'sales_amount' AND g.status <> 'disputed'), 0)) "
                         f"FROM ({TEAM}) m",
    "team_valid_complaints": f"SELECT COUNT(*) FROM complaints WHERE employee_id IN ({TEAM}) AND day >= :d0 AND day < :d1 AND valid",
    "team_customers_new": f"SELECT COUNT(*) FROM customers WHERE owner_id IN ({TEAM}) AND created_at >= :t0 AND created_at < :t1",
    "team_customers_prev_new": f"SELECT COUNT(*) FROM customers WHERE owner_id IN ({TEAM}) AND created_at >= :tp0 AND created_at < :t0",
    # team_score(): the members' totals are kaohe's (member_totals, see the notes)
    "team_score": "SELECT AVG(mt.total) FROM member_totals mt JOIN employees e ON e.id = mt.employee_id "
                  "JOIN teams t ON t.id = e.team_id WHERE t.leader_id = :emp AND e.id <> :emp",
    # department: the person's department and those below it
    "dept_sales": credited_sql(f"IN ({DEPT})", ":d0", ":d1"),
    "dept_sales_target": f"SELECT COALESCE(SUM(value), 0) FROM targets WHERE period = :period AND employee_id IN ({DEPT}) "
                         "AND indicator_code = 'sales_amount' AND status <> 'disputed'",
    "dept_customers_new": f"SELECT COUNT(*) FROM customers WHERE owner_id IN ({DEPT}) AND created_at >= :t0 AND created_at < :t1",
    "dept_customers_prev_new": f"SELECT COUNT(*) FROM customers WHERE owner_id IN ({DEPT}) AND created_at >= :tp0 AND created_at < :t0",
    "dept_repeat_orders": f"SELECT COUNT(*) FROM orders o WHERE o.employee_id IN ({DEPT}) AND o.day >= :d0 AND o.day < :d1 "
                          f"AND o.status <> 'cancelled' AND {REPEAT}",
    "dept_live_orders": f"SELECT COUNT(*) FROM orders WHERE employee_id IN ({DEPT}) AND day >= :d0 AND day < :d1 AND status <> 'cancelled'",
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
    "archive_completeness": (["customers_h_new_complete", "customers_h_new"], _pct),
    "archive_update_timeliness": (["customers_h_updated_in_time", "customers_h_update_due"], _pct),
    "order_receipt_timeliness": (["orders_h_entered_in_time", "orders_h"], _pct),
    "order_entry_error_rate": (["orders_h_entry_errors", "orders_h"], _pct),
    "order_feedback_timeliness": (["feedback_in_time", "feedback"], _pct),
    "order_problem_resolution": (["problems_resolved", "problems"], _pct),
    "shipment_plan_timeliness": (["shipments_planned_in_time", "shipments"], _pct),
    "shipment_plan_accuracy": (["shipments_plan_accurate", "shipments"], _pct),
    "on_time_shipment": (["shipments_on_time", "shipments"], _pct),
    "statistics_timeliness": (["statistics_in_time", "statistics"], _pct),
    "analysis_report_effectiveness": (["analysis_effective", "analysis_rated"], _pct),
    "contract_signing_timeliness": (["signed_in_time_h", "sign_due_h"], _pct),
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
    "signed_sales_completion": (["signed_cents", "signed_target"], _pct),
    "invited_visits": (["visits_invited"], float),
    "callback_timeliness": (["callbacks_on_time", "callbacks"], _pct),
    "connect_rate": (["outbound_connected", "outbound"], _pct),
    "monthly_report_on_time": (["monthly_reports_in_time", "monthly_reports"], _pct),
    "team_sales_completion": (["team_sales", "team_sales_target"], _pct),
    "team_valid_complaints": (["team_valid_complaints"], float),
    "team_new_customer_growth": (["team_customers_new", "team_customers_prev_new"], _pct),
    "subordinates_results": (["team_score"], lambda a: None if a is None else float(a)),
    "department_sales_completion": (["dept_sales", "dept_sales_target"], _pct),
    "department_new_customer_growth": (["dept_customers_new", "dept_customers_prev_new"], _pct),
    "department_repeat_orders": (["dept_repeat_orders", "dept_live_orders"], _pct),
}


def run_loop(db, w, people, computed_by_scheme, totals):
    """One query per measure per indicator per person, as a per-user goal computation does.
    `totals`: kaohe's period totals, which team_score() reads (a temporary table, not timed)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    con.execute("CREATE TEMP TABLE member_totals (employee_id INTEGER PRIMARY KEY, total REAL)")
    con.executemany("INSERT INTO member_totals VALUES (?, ?)", sorted(totals.items()))
    params = {
        "d0": w.d0.isoformat(), "d1": w.d1.isoformat(), "p0": w.p0.isoformat(),
        "tp0": f"{w.tp0:%Y-%m-%dT%H:%M:%S}+00:00",
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
    # team_score() is the mean of the members' period totals: those come out of the whole
    # scoring (scoring rules, ratings, rater mix, composition, behaviour factor, leaders scored
    # again from their members), which no hand-written SQL here reproduces. The references take
    # the members' totals from kaohe's JSON (`total_full_precision`, the unrounded total kaohe's
    # leaders read) and compute in SQL who is led, who is left out and the mean.
    totals = {int(c["employee"]): c["total_full_precision"] for c in k["scorecards"]
              if c.get("total_full_precision") is not None}
    print(f"   note: team_score() (subordinates_results) reads the members' totals from kaohe's JSON "
          f"({len(totals):,} people with a total); who is led, the leader left out and the mean are the "
          f"references' own SQL. Every other indicator is computed from the records alone.")

    # (b) DuckDB
    import duckdb
    duck = duckdb.connect()
    print("== (b) DuckDB: loading the needed columns through CSV (not timed)")
    t = time.perf_counter()
    rows = load_duckdb(a.db, a.work, duck)
    load_totals_duckdb(duck, totals, a.work)
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
    lite_times, lite_cols, lite_rows = run_sqlite_cli(a.db, reference_sql(w, Dialect("sqlite"), case), a.work, a.repeat,
                                                     totals_sql(totals))
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
    loop_s, loop_queries, ref_loop, by_measure = run_loop(a.db, w, sample, computed_by_scheme, totals)
    scale = len(people) / len(sample) if sample else 0
    loop_scaled = loop_s * scale
    print(f"   {loop_queries:,} queries in {loop_s:.2f} s → {loop_scaled:.1f} s scaled to {len(people):,} people")
    top = sorted(by_measure.items(), key=lambda kv: -kv[1][1])[:5]
    print("   slowest measures: " + ", ".join(f"{m} {n}× {s:.2f} s" for m, (n, s) in top))
    # Split credit makes the sales query the loop's heaviest (the credited shares, plus the
    # orders nobody shares): report the loop with and without those queries.
    credited_s = sum(by_measure.get(m, (0, 0.0))[1] for m in ("sales", "prev_sales", "team_sales", "dept_sales"))
    print(f"   of which credited-sum queries: {credited_s:.2f} s")
    # handled_by has no index: each of a clerk's handled queries scans its table.
    handled_s = sum(t for m, (_, t) in by_measure.items() if m in HANDLED)
    print(f"   of which handled queries (no index on handled_by): {handled_s:.2f} s")

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
                 f"{credited_s * scale:.1f} s of it are credited-sum queries, {handled_s * scale:.1f} s handled "
                 f"queries (no index on handled_by) |")
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
                     f"({fmt_x((loop_s - credited_s) * scale / fastest)}× without the credited-sum queries, "
                     f"{fmt_x((loop_s - handled_s) * scale / fastest)}× without the handled ones; fastest kaohe run) |")
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
