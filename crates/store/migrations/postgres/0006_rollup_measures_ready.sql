-- A measure registered by a change of the library is built in the background, month by month,
-- while record writes go on (crates/store/src/rollup/builds.rs). Until its last month is built
-- it is not ready: readers compute it from the records, and writes keep the buckets of the
-- months already built in step. Every measure registered before this migration was built.
ALTER TABLE rollup_measures ADD COLUMN ready BOOLEAN NOT NULL DEFAULT TRUE;

-- The (record kind, month) pairs a write refreshed while some measure of that kind was not
-- ready: a background build that read a month before such a write reads it again.
CREATE TABLE rollup_build_touched (
    kind TEXT NOT NULL,
    month TEXT NOT NULL,
    PRIMARY KEY (kind, month)
);
