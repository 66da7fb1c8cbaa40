-- Every roll-up bucket of one person and month packed in one row, so that evaluating everybody
-- reads one row per person instead of one per measure (crate::rollup::cards). Derived from
-- `rollups` and rewritten in the same transaction whenever its buckets change.
CREATE TABLE rollup_cards (
    month TEXT NOT NULL,
    employee_id BIGINT NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (month, employee_id)
);
-- Months whose cards are still to be packed: those of a database made before the cards
-- existed. Packed when the database is next opened.
CREATE TABLE rollup_cards_todo (
    month TEXT PRIMARY KEY
);
INSERT INTO rollup_cards_todo (month) SELECT DISTINCT month FROM rollups;
-- A cumulative window merges one measure's buckets of every month up to the period's end
-- (customers held): this index hands them over person by person without visiting the table.
CREATE INDEX rollups_measure ON rollups (measure_id, employee_id, month, n, total, lo, hi);
-- Repeat customers (an earlier order of the same customer) and a receivable's payments by its
-- due date are answered from these indexes alone, without visiting the rows.
CREATE INDEX orders_customer_day ON orders (customer_id, day);
DROP INDEX orders_customer;
CREATE INDEX payments_receivable_received ON payments (receivable_id, received_on, amount_cents);
DROP INDEX payments_receivable;
