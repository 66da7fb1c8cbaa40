-- A measure registered by a change of the library is built in the background, month by month,
-- while record writes go on (crates/store/src/rollup/builds.rs). Until its last month is built
-- it is not ready: readers compute it from the records, and writes keep the buckets of the
-- months already built in step. Every measure registered before this migration was built.
ALTER TABLE rollup_measures ADD COLUMN ready BOOLEAN NOT NULL DEFAULT TRUE;

-- The (record kind, month, person) a write refreshed while some measure of that kind was not
-- ready (person -1: everybody in the month): a background build that read the month before
-- such a write reads those people again.
CREATE TABLE rollup_build_touched (
    kind TEXT NOT NULL,
    month TEXT NOT NULL,
    employee_id BIGINT NOT NULL,
    PRIMARY KEY (kind, month, employee_id)
);
