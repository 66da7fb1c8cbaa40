-- kaohe schema. This file is the single source for both backends: `scripts/gen-migrations`
-- turns it into migrations/sqlite/0001_schema.sql and migrations/postgres/0001_schema.sql.
-- Portable column types: BIGINT, INTEGER, DOUBLE PRECISION, TEXT, BOOLEAN, DATE, TIMESTAMPTZ.
-- Instants are UTC; `day` columns are company-local dates. Money is integer cents (*_cents).

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE departments (
    id @ID@,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id BIGINT REFERENCES departments(id)
);

CREATE TABLE positions (
    id @ID@,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    scheme_code TEXT
);

CREATE TABLE levels (
    id @ID@,
    ladder TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    rank INTEGER NOT NULL CHECK (rank >= 1),
    base_salary_cents BIGINT NOT NULL CHECK (base_salary_cents >= 0),
    months_without_deal INTEGER CHECK (months_without_deal >= 1),
    promotion_standard TEXT NOT NULL DEFAULT '',
    UNIQUE (ladder, rank)
);

CREATE TABLE employees (
    id @ID@,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    department_id BIGINT NOT NULL REFERENCES departments(id),
    team_id BIGINT @TEAM_FK@,
    position_id BIGINT NOT NULL REFERENCES positions(id),
    level_id BIGINT REFERENCES levels(id),
    supervisor_id BIGINT REFERENCES employees(id),
    status TEXT NOT NULL CHECK (status IN ('probation', 'regular', 'left')),
    hired_on DATE NOT NULL,
    regular_on DATE,
    left_on DATE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE teams (
    id @ID@,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    leader_id BIGINT REFERENCES employees(id)
);

CREATE INDEX employees_department ON employees (department_id);
CREATE INDEX employees_team ON employees (team_id);
CREATE INDEX employees_supervisor ON employees (supervisor_id);

CREATE TABLE assignments (
    id @ID@,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    team_id BIGINT REFERENCES teams(id),
    position_id BIGINT NOT NULL REFERENCES positions(id),
    level_id BIGINT REFERENCES levels(id),
    supervisor_id BIGINT REFERENCES employees(id),
    valid_from DATE NOT NULL,
    valid_to DATE,
    CHECK (valid_to IS NULL OR valid_to > valid_from)
);
CREATE INDEX assignments_employee ON assignments (employee_id, valid_from);

CREATE TABLE holidays (
    day DATE PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL DEFAULT ''
);

CREATE TABLE users (
    id @ID@,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    employee_id BIGINT REFERENCES employees(id),
    role TEXT NOT NULL CHECK (role IN ('rep', 'clerk', 'customer_service', 'team_leader', 'manager', 'hr', 'finance', 'committee', 'admin')),
    display_name TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'zh-CN' CHECK (language IN ('zh-CN', 'en')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

-- Operational records (SPEC §3) -------------------------------------------------------------

CREATE TABLE customers (
    id @ID@,
    archive_no TEXT NOT NULL,
    name TEXT NOT NULL,
    company TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    industry TEXT NOT NULL DEFAULT '',
    needs TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    class TEXT NOT NULL CHECK (class IN ('key', 'general', 'potential')),
    owner_id BIGINT NOT NULL REFERENCES employees(id),
    valid BOOLEAN NOT NULL DEFAULT TRUE,
    special_archive BOOLEAN NOT NULL DEFAULT FALSE,
    complete BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    update_due_at TIMESTAMPTZ,
    verified_at TIMESTAMPTZ,
    CONSTRAINT customers_archive_no_key UNIQUE (archive_no)
);
CREATE INDEX customers_owner ON customers (owner_id);
CREATE INDEX customers_phone ON customers (phone);

CREATE TABLE calls (
    id @ID@,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    customer_id BIGINT REFERENCES customers(id),
    day DATE NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    duration_s INTEGER NOT NULL CHECK (duration_s >= 0),
    outcome TEXT NOT NULL CHECK (outcome IN ('connected', 'no_answer', 'refused', 'callback_scheduled', 'deal')),
    is_callback BOOLEAN NOT NULL DEFAULT FALSE,
    callback_due_at TIMESTAMPTZ,
    rings INTEGER CHECK (rings >= 0)
);
CREATE INDEX calls_employee_day ON calls (employee_id, day);
CREATE INDEX calls_day ON calls (day);

CREATE TABLE visits (
    id @ID@,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    customer_id BIGINT REFERENCES customers(id),
    day DATE NOT NULL,
    visited_at TIMESTAMPTZ NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('cold', 'follow_up')),
    invited BOOLEAN NOT NULL DEFAULT FALSE,
    success BOOLEAN NOT NULL DEFAULT FALSE,
    notes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX visits_employee_day ON visits (employee_id, day);

CREATE TABLE orders (
    id @ID@,
    order_no TEXT NOT NULL,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    day DATE NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    entered_at TIMESTAMPTZ NOT NULL,
    entry_due_at TIMESTAMPTZ NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    entry_errors INTEGER NOT NULL DEFAULT 0 CHECK (entry_errors >= 0),
    promised_delivery_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'shipped', 'completed', 'cancelled')),
    price_ratio_bp INTEGER NOT NULL DEFAULT 10000,
    CONSTRAINT orders_order_no_key UNIQUE (order_no)
);
CREATE INDEX orders_employee_day ON orders (employee_id, day);
CREATE INDEX orders_customer ON orders (customer_id);

CREATE TABLE order_lines (
    id @ID@,
    order_id BIGINT NOT NULL REFERENCES orders(id),
    product TEXT NOT NULL,
    product_group TEXT NOT NULL DEFAULT '',
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents BIGINT NOT NULL CHECK (unit_price_cents >= 0),
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0)
);
CREATE INDEX order_lines_order ON order_lines (order_id);

CREATE TABLE order_events (
    id @ID@,
    order_id BIGINT NOT NULL REFERENCES orders(id),
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    kind TEXT NOT NULL CHECK (kind IN ('progress_feedback', 'problem')),
    due_at TIMESTAMPTZ NOT NULL,
    done_at TIMESTAMPTZ,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX order_events_order ON order_events (order_id);
CREATE INDEX order_events_employee_due ON order_events (employee_id, due_at);

CREATE TABLE order_credits (
    order_id BIGINT NOT NULL REFERENCES orders(id),
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    share_pct DOUBLE PRECISION NOT NULL CHECK (share_pct > 0 AND share_pct <= 100),
    PRIMARY KEY (order_id, employee_id)
);
CREATE INDEX order_credits_employee ON order_credits (employee_id);

CREATE TABLE shipments (
    id @ID@,
    order_id BIGINT NOT NULL REFERENCES orders(id),
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    day DATE NOT NULL,
    plan_due_at TIMESTAMPTZ NOT NULL,
    plan_created_at TIMESTAMPTZ NOT NULL,
    planned_on DATE NOT NULL,
    shipped_on DATE,
    plan_accurate BOOLEAN NOT NULL DEFAULT TRUE,
    info_accurate BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX shipments_employee_day ON shipments (employee_id, day);

CREATE TABLE contracts (
    id @ID@,
    contract_no TEXT NOT NULL,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    order_id BIGINT REFERENCES orders(id),
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    status TEXT NOT NULL CHECK (status IN ('drafted', 'in_review', 'returned', 'signed', 'archived')),
    drafted_at TIMESTAMPTZ NOT NULL,
    sign_due_at TIMESTAMPTZ NOT NULL,
    signed_at TIMESTAMPTZ,
    signed_day DATE,
    archived_at TIMESTAMPTZ,
    review_passed_first BOOLEAN NOT NULL DEFAULT TRUE,
    CONSTRAINT contracts_contract_no_key UNIQUE (contract_no)
);
CREATE INDEX contracts_employee_signed ON contracts (employee_id, signed_day);

CREATE TABLE contract_steps (
    id @ID@,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    step TEXT NOT NULL CHECK (step IN ('drafted', 'review', 'signed', 'archived')),
    outcome TEXT NOT NULL CHECK (outcome IN ('done', 'passed', 'returned')),
    actor_id BIGINT REFERENCES employees(id),
    at TIMESTAMPTZ NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX contract_steps_contract ON contract_steps (contract_id);

CREATE TABLE receivables (
    id @ID@,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    contract_id BIGINT REFERENCES contracts(id),
    order_id BIGINT REFERENCES orders(id),
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    due_on DATE NOT NULL,
    instalment INTEGER NOT NULL DEFAULT 1 CHECK (instalment >= 1)
);
CREATE INDEX receivables_employee_due ON receivables (employee_id, due_on);
CREATE INDEX receivables_customer ON receivables (customer_id);

CREATE TABLE payments (
    id @ID@,
    receivable_id BIGINT NOT NULL REFERENCES receivables(id),
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    received_on DATE NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0)
);
CREATE INDEX payments_employee_received ON payments (employee_id, received_on);
CREATE INDEX payments_receivable ON payments (receivable_id);

CREATE TABLE complaints (
    id @ID@,
    customer_id BIGINT REFERENCES customers(id),
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    day DATE NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    valid BOOLEAN NOT NULL,
    due_at TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ,
    satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
    description TEXT NOT NULL DEFAULT ''
);
CREATE INDEX complaints_employee_day ON complaints (employee_id, day);

CREATE TABLE budgets (
    department_id BIGINT NOT NULL REFERENCES departments(id),
    period TEXT NOT NULL,
    category TEXT NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    PRIMARY KEY (department_id, period, category)
);

CREATE TABLE expenses (
    id @ID@,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    day DATE NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('commission', 'training', 'promotion', 'advertising', 'pr', 'travel', 'entertainment', 'communication', 'after_sales')),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    receipts INTEGER NOT NULL DEFAULT 0 CHECK (receipts >= 0),
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('submitted', 'manager_approved', 'manager_returned', 'finance_approved', 'finance_returned', 'paid')),
    submitted_at TIMESTAMPTZ NOT NULL,
    over_budget BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX expenses_employee_day ON expenses (employee_id, day);
CREATE INDEX expenses_department_day ON expenses (department_id, day);

CREATE TABLE expense_steps (
    id @ID@,
    expense_id BIGINT NOT NULL REFERENCES expenses(id),
    step TEXT NOT NULL CHECK (step IN ('manager_review', 'finance_review', 'payout')),
    outcome TEXT NOT NULL CHECK (outcome IN ('approved', 'returned', 'paid')),
    actor_id BIGINT NOT NULL REFERENCES employees(id),
    at TIMESTAMPTZ NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    CHECK (outcome <> 'returned' OR comment <> '')
);
CREATE INDEX expense_steps_expense ON expense_steps (expense_id);

CREATE TABLE attendance (
    id @ID@,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    day DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('present', 'absent', 'half_absent', 'leave')),
    UNIQUE (employee_id, day)
);

CREATE TABLE reports (
    id @ID@,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    kind TEXT NOT NULL CHECK (kind IN ('daily', 'weekly', 'monthly', 'analysis', 'statistics')),
    day DATE NOT NULL,
    due_at TIMESTAMPTZ NOT NULL,
    submitted_at TIMESTAMPTZ,
    effective BOOLEAN,
    accurate BOOLEAN
);
CREATE INDEX reports_employee_day ON reports (employee_id, day);

CREATE TABLE documents (
    id @ID@,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    kind TEXT NOT NULL,
    day DATE NOT NULL,
    due_at TIMESTAMPTZ NOT NULL,
    filed_at TIMESTAMPTZ,
    complete BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX documents_employee_day ON documents (employee_id, day);

-- One row per imported file of a kind, so that the same file (by its SHA-256) is not imported
-- twice: kinds without a business key (calls, visits, …) would otherwise double silently.
CREATE TABLE import_batches (
    id @ID@,
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    rows BIGINT NOT NULL,
    actor TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT import_batches_kind_sha256_key UNIQUE (kind, sha256)
);

CREATE TABLE credit_assessments (
    id @ID@,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    rating TEXT NOT NULL CHECK (rating IN ('A', 'B', 'C', 'D')),
    limit_cents BIGINT NOT NULL CHECK (limit_cents >= 0),
    assessed_on DATE NOT NULL,
    review_on DATE NOT NULL,
    assessor_id BIGINT NOT NULL REFERENCES employees(id),
    watch BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX credit_assessments_customer ON credit_assessments (customer_id, assessed_on);

CREATE TABLE meetings (
    id @ID@,
    team_id BIGINT NOT NULL REFERENCES teams(id),
    kind TEXT NOT NULL CHECK (kind IN ('weekly', 'adhoc')),
    day DATE NOT NULL,
    held_at TIMESTAMPTZ NOT NULL,
    minutes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX meetings_team_day ON meetings (team_id, day);

CREATE TABLE meeting_attendance (
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    PRIMARY KEY (meeting_id, employee_id)
);

CREATE TABLE meeting_decisions (
    id @ID@,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    text TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES employees(id),
    due_on DATE NOT NULL,
    done_on DATE
);

CREATE TABLE training_courses (
    id @ID@,
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL CHECK (method IN ('internal', 'external', 'online')),
    trainer TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL DEFAULT '',
    planned_on DATE NOT NULL,
    pass_mark DOUBLE PRECISION NOT NULL DEFAULT 60,
    -- The rated indicator the course concerns; its exam score pre-fills that rating.
    indicator_code TEXT NOT NULL DEFAULT '',
    assessment TEXT NOT NULL DEFAULT 'exam' CHECK (assessment IN ('exam', 'practical'))
);

CREATE TABLE training_sessions (
    id @ID@,
    course_id BIGINT NOT NULL REFERENCES training_courses(id),
    held_on DATE NOT NULL
);

CREATE TABLE training_results (
    session_id BIGINT NOT NULL REFERENCES training_sessions(id),
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    attended BOOLEAN NOT NULL,
    score DOUBLE PRECISION CHECK (score BETWEEN 0 AND 100),
    PRIMARY KEY (session_id, employee_id)
);

CREATE TABLE training_needs (
    id @ID@,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    source TEXT NOT NULL CHECK (source IN ('staff', 'manager', 'improvement_plan')),
    topic TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Indicators, schemes, periods and scorecards (SPEC §4–§5) -----------------------------------

-- The indicator library and schemes (指标库, 考核方案) as one versioned TOML document: a new
-- version per change, so a stored scorecard can always say which rules made it.
CREATE TABLE library_versions (
    version BIGINT PRIMARY KEY,
    definition TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE periods (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('month', 'quarter', 'year')),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'locked')),
    closed_at TIMESTAMPTZ
);

CREATE TABLE targets (
    id @ID@,
    period TEXT NOT NULL,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    indicator_code TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'confirmed', 'disputed', 'reviewed', 'approved')),
    proposed_by BIGINT REFERENCES employees(id),
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (period, employee_id, indicator_code)
);

-- Per-person, per-month roll-ups of formula measures (crates/store/src/rollup): evaluation
-- reads these instead of rescanning records; every record write marks the buckets it touches
-- in rollup_dirty and the same transaction refreshes them before it commits.
CREATE TABLE rollup_measures (
    id @ID@,
    measure_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    built_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE rollups (
    measure_id BIGINT NOT NULL REFERENCES rollup_measures(id),
    month TEXT NOT NULL,
    employee_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    total DOUBLE PRECISION,
    lo DOUBLE PRECISION,
    hi DOUBLE PRECISION,
    PRIMARY KEY (month, measure_id, employee_id)
);
CREATE INDEX rollups_employee ON rollups (employee_id, month);
CREATE TABLE rollup_dirty (
    kind TEXT NOT NULL,
    employee_id BIGINT NOT NULL,
    month TEXT NOT NULL,
    PRIMARY KEY (kind, employee_id, month)
);

CREATE TABLE scorecards (
    id @ID@,
    period TEXT NOT NULL,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    scheme_code TEXT NOT NULL,
    scheme_version INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    total DOUBLE PRECISION,
    grade TEXT,
    bonus_coefficient DOUBLE PRECISION,
    detail TEXT NOT NULL DEFAULT '{}',
    -- SHA-256 of everything stored for the card: a re-evaluation that computes the same
    -- scorecard leaves the row alone instead of rewriting it.
    fingerprint TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    current BOOLEAN NOT NULL DEFAULT TRUE,
    UNIQUE (period, employee_id, version)
);
CREATE INDEX scorecards_period ON scorecards (period, current);
-- Later indexes live in numbered migrations (0002: scorecards_person).

CREATE TABLE scorecard_lines (
    scorecard_id BIGINT NOT NULL REFERENCES scorecards(id),
    indicator_code TEXT NOT NULL,
    value DOUBLE PRECISION,
    numerator DOUBLE PRECISION,
    denominator DOUBLE PRECISION,
    score DOUBLE PRECISION,
    weight DOUBLE PRECISION NOT NULL,
    effective_weight DOUBLE PRECISION NOT NULL,
    applicable BOOLEAN NOT NULL,
    PRIMARY KEY (scorecard_id, indicator_code)
);

CREATE TABLE ratings (
    id @ID@,
    period TEXT NOT NULL,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    rater_id BIGINT REFERENCES employees(id),
    rater_group TEXT NOT NULL CHECK (rater_group IN ('self', 'team_leader', 'superior', 'peers', 'customers', 'related_departments')),
    indicator_code TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL CHECK (score BETWEEN 0 AND 120),
    comment TEXT NOT NULL DEFAULT '',
    submitted_at TIMESTAMPTZ NOT NULL,
    -- A customer's rating (rater_id NULL) names the customer whose single-use link it came through.
    customer_id BIGINT REFERENCES customers(id),
    -- How many times the rater replaced this rating before the deadline (0 for the first).
    revisions INTEGER NOT NULL DEFAULT 0,
    UNIQUE (period, employee_id, rater_id, rater_group, indicator_code)
);
CREATE INDEX ratings_employee_period ON ratings (employee_id, period);

-- Behaviour factor of the performance × behaviour scheme (行为系数), per person and month.
CREATE TABLE behaviour_assessments (
    period TEXT NOT NULL,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    factor DOUBLE PRECISION NOT NULL CHECK (factor >= 0),
    serious_violation BOOLEAN NOT NULL DEFAULT FALSE,
    note TEXT NOT NULL DEFAULT '',
    assessor_id BIGINT REFERENCES employees(id),
    assessed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (period, employee_id)
);

-- The assessment cycle (SPEC §6) -------------------------------------------------------------

-- One cycle per person and period. `state` is the stage (for queries); `snapshot` is the whole
-- domain CycleState as JSON, the single truth the next step is applied to. The tables below
-- (targets, ratings, self_reviews, feedback_interviews, improvement_items) are projections of
-- it that evaluation, reports and the web read.
CREATE TABLE cycles (
    id @ID@,
    period TEXT NOT NULL,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    scheme_code TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    snapshot TEXT NOT NULL DEFAULT '{}',
    scorecard_id BIGINT REFERENCES scorecards(id),
    due_on DATE,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (period, employee_id)
);
CREATE INDEX cycles_period_state ON cycles (period, state);

CREATE TABLE cycle_events (
    id @ID@,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id),
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    action TEXT NOT NULL DEFAULT '',
    actor_user_id BIGINT REFERENCES users(id),
    actor TEXT NOT NULL DEFAULT '',
    day DATE,
    late BOOLEAN NOT NULL DEFAULT FALSE,
    at TIMESTAMPTZ NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX cycle_events_cycle ON cycle_events (cycle_id);

CREATE TABLE self_reviews (
    cycle_id BIGINT PRIMARY KEY REFERENCES cycles(id),
    work_report TEXT NOT NULL,
    self_evaluation TEXT NOT NULL DEFAULT '',
    self_score DOUBLE PRECISION,
    late BOOLEAN NOT NULL DEFAULT FALSE,
    submitted_at TIMESTAMPTZ NOT NULL
);

-- Customer rating links (客户评分链接): only the SHA-256 of the secret is kept.
CREATE TABLE customer_tokens (
    secret_hash TEXT PRIMARY KEY,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    issued_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);

CREATE TABLE feedback_interviews (
    cycle_id BIGINT PRIMARY KEY REFERENCES cycles(id),
    interviewer_id BIGINT NOT NULL REFERENCES employees(id),
    held_on DATE NOT NULL,
    strengths TEXT NOT NULL,
    shortfalls TEXT NOT NULL,
    employee_comments TEXT NOT NULL DEFAULT ''
);

CREATE TABLE improvement_items (
    id @ID@,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id),
    item TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES employees(id),
    due_on DATE NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'dropped')),
    follow_up TEXT NOT NULL DEFAULT ''
);

CREATE TABLE appeals (
    id @ID@,
    scorecard_id BIGINT NOT NULL REFERENCES scorecards(id),
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    filed_at TIMESTAMPTZ NOT NULL,
    reason TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'filed' CHECK (status IN ('filed', 'accepted', 'rejected', 'investigated', 'upheld', 'dismissed')),
    hr_due_on DATE NOT NULL,
    hr_decided_at TIMESTAMPTZ,
    hr_reason TEXT NOT NULL DEFAULT '',
    investigation TEXT NOT NULL DEFAULT '',
    ruling TEXT NOT NULL DEFAULT '',
    compensation_cents BIGINT NOT NULL DEFAULT 0,
    compensation_note TEXT NOT NULL DEFAULT '',
    corrected_scorecard_id BIGINT REFERENCES scorecards(id),
    cycle_id BIGINT REFERENCES cycles(id),
    -- The domain Appeal as JSON, the truth the next step is applied to.
    snapshot TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX appeals_employee ON appeals (employee_id);

-- Incentives, awards, career ladder (SPEC §7) --------------------------------------------------

CREATE TABLE awards (
    id @ID@,
    period TEXT NOT NULL,
    rule_code TEXT NOT NULL,
    employee_id BIGINT REFERENCES employees(id),
    team_id BIGINT REFERENCES teams(id),
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    basis TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'confirmed', 'rejected', 'paid')),
    confirmed_by BIGINT REFERENCES users(id),
    decided_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    tier TEXT,
    prize TEXT,
    tie_break TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    paid_at TIMESTAMPTZ,
    -- The domain AwardCandidate as JSON (basis in both languages, tie-break).
    candidate TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX awards_period ON awards (period);

CREATE TABLE bonuses (
    period TEXT NOT NULL,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    base_cents BIGINT NOT NULL CHECK (base_cents >= 0),
    coefficient DOUBLE PRECISION NOT NULL,
    amount_cents BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'computed' CHECK (status IN ('computed', 'approved', 'paid')),
    result_version INTEGER NOT NULL DEFAULT 1,
    score DOUBLE PRECISION,
    grade TEXT NOT NULL DEFAULT '',
    computed_at TIMESTAMPTZ,
    PRIMARY KEY (period, employee_id)
);

-- Each person's performance-bonus base (绩效奖金基数); people without a row get the
-- `bonus_base_cents` setting.
CREATE TABLE bonus_bases (
    employee_id BIGINT PRIMARY KEY REFERENCES employees(id),
    base_cents BIGINT NOT NULL CHECK (base_cents >= 0)
);

CREATE TABLE ladder_decisions (
    id @ID@,
    period TEXT NOT NULL,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    from_level_id BIGINT REFERENCES levels(id),
    to_level_id BIGINT REFERENCES levels(id),
    kind TEXT NOT NULL CHECK (kind IN ('promote', 'demote', 'dismiss', 'grace')),
    basis TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'recommended' CHECK (status IN ('recommended', 'confirmed', 'rejected', 'grace_granted')),
    decided_by BIGINT REFERENCES users(id),
    reason TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    decided_on DATE,
    grace_until DATE,
    -- The domain Recommendation as JSON.
    recommendation TEXT NOT NULL DEFAULT '{}',
    UNIQUE (period, employee_id)
);

CREATE TABLE level_history (
    id @ID@,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    level_id BIGINT NOT NULL REFERENCES levels(id),
    valid_from DATE NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX level_history_employee ON level_history (employee_id, valid_from);

-- Reminders -------------------------------------------------------------------------------

CREATE TABLE inbox (
    id @ID@,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    cycle_id BIGINT REFERENCES cycles(id),
    due_on DATE,
    created_at TIMESTAMPTZ NOT NULL,
    done_at TIMESTAMPTZ
);
CREATE INDEX inbox_employee ON inbox (employee_id, done_at);

CREATE TABLE outbox (
    id @ID@,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ
);

-- The audit log: append-only; UPDATE and DELETE are refused by the database itself -----------

CREATE TABLE audit_log (
    id @ID@,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'import', 'export', 'decide', 'login')),
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL DEFAULT '',
    before TEXT,
    after TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_at ON audit_log (at);

-- Training, meetings and customer credit (培训、会议、信用评估) ---------------------------------

-- A manager's approval of an order or contract that goes beyond the customer's credit or is
-- for a customer under watch (SPEC §3): the order and contract funnels refuse such a write
-- unless an approval for its number covers its amount. What the check saw is kept with it.
CREATE TABLE credit_approvals (
    id @ID@,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    kind TEXT NOT NULL CHECK (kind IN ('order', 'contract')),
    ref_no TEXT NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    outstanding_cents BIGINT NOT NULL,
    limit_cents BIGINT,
    flags TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason <> ''),
    approved_by BIGINT REFERENCES employees(id),
    approver TEXT NOT NULL,
    approved_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT credit_approvals_kind_ref_no_key UNIQUE (kind, ref_no)
);
CREATE INDEX meeting_decisions_owner ON meeting_decisions (owner_id, done_on);
CREATE INDEX training_results_employee ON training_results (employee_id);

-- Probation conversion decisions (转正, crates/domain/src/probation.rs): what the rule
-- recommended when a manager or HR decided, the decision and, when it differs, the reason. A
-- conversion also sets employees.status = 'regular' and regular_on in the same transaction; an
-- extension's new last day is `extended_until` (granted once).
CREATE TABLE probation_decisions (
    id @ID@,
    employee_id BIGINT NOT NULL REFERENCES employees(id),
    recommended TEXT CHECK (recommended IN ('convert', 'extend', 'reject')),
    decision TEXT NOT NULL CHECK (decision IN ('convert', 'extend', 'reject')),
    basis TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    ends_on DATE NOT NULL,
    extended_until DATE,
    decided_by BIGINT REFERENCES users(id),
    decider TEXT NOT NULL,
    decided_on DATE NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    -- The domain Assessment the decision was taken on, as JSON.
    assessment TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX probation_decisions_employee ON probation_decisions (employee_id, id);

-- Web import jobs (records2): a browser import's state and outcome, so a page reload finds it
-- and a server restart reports a running one as interrupted (its transaction never committed) -

CREATE TABLE import_jobs (
    id @ID@,
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'done', 'rejected', 'failed', 'interrupted')),
    rows_estimate BIGINT NOT NULL DEFAULT 0,
    rows_done BIGINT,
    report TEXT,
    error TEXT,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);
CREATE INDEX import_jobs_user ON import_jobs (user_id, id);
