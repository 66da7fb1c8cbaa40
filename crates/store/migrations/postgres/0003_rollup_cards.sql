-- Every roll-up bucket of one person and month packed in one row, so that evaluating everybody
-- reads one row per person instead of one per measure (crate::rollup::cards). Derived from
-- `rollups` and rewritten in the same transaction whenever its buckets change.
CREATE TABLE rollup_cards (
    month TEXT NOT NULL,
    employee_id BIGINT NOT NULL,
    body BYTEA NOT NULL,
    PRIMARY KEY (month, employee_id)
);
-- Months whose cards are still to be packed: those of a database made before the cards
-- existed. Packed when the database is next opened.
CREATE TABLE rollup_cards_todo (
    month TEXT PRIMARY KEY
);
INSERT INTO rollup_cards_todo (month) SELECT DISTINCT month FROM rollups;
