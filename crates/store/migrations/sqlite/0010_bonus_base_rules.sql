-- Bonus bases set by HR (issue 21): for the company, a position, a level or one person, each
-- from a month on. A change is a new rule from a later month (history kept); the base in
-- force for a month is the most particular rule, of each the latest on or before the month.
-- The former per-person table and the company setting become rules from 2000-01, so nothing
-- paid before changes.
CREATE TABLE bonus_base_rules (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL CHECK (scope IN ('company', 'position', 'level', 'person')),
    subject TEXT NOT NULL DEFAULT '',
    effective_from TEXT NOT NULL,
    base_cents BIGINT NOT NULL CHECK (base_cents >= 0),
    note TEXT NOT NULL DEFAULT '',
    set_by TEXT NOT NULL,
    set_at TIMESTAMPTZ NOT NULL,
    UNIQUE (scope, subject, effective_from)
);
INSERT INTO bonus_base_rules (scope, subject, effective_from, base_cents, note, set_by, set_at)
SELECT 'person', e.code, '2000-01', b.base_cents, 'bonus_bases', 'migration', CURRENT_TIMESTAMP
FROM bonus_bases b JOIN employees e ON e.id = b.employee_id;
INSERT INTO bonus_base_rules (scope, subject, effective_from, base_cents, note, set_by, set_at)
SELECT 'company', '', '2000-01', CAST(value AS BIGINT), 'bonus_base_cents', 'migration', CURRENT_TIMESTAMP
FROM settings WHERE key = 'bonus_base_cents' AND value <> '' AND value NOT GLOB '*[^0-9]*';
DROP TABLE bonus_bases;
