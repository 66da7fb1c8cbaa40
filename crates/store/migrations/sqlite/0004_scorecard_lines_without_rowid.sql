-- Scorecard lines in one b-tree keyed by (scorecard, indicator). As a rowid table SQLite kept
-- them twice, the rows and an index for the primary key: two writes per line, and an
-- evaluation of ten thousand people writes about ninety thousand lines. Same columns, same
-- triggers (dropping the table dropped them).
CREATE TABLE scorecard_lines_new (
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
) WITHOUT ROWID;
INSERT INTO scorecard_lines_new (scorecard_id, indicator_code, value, numerator, denominator, score,
    weight, effective_weight, applicable)
SELECT scorecard_id, indicator_code, value, numerator, denominator, score, weight, effective_weight,
    applicable
FROM scorecard_lines;
DROP TABLE scorecard_lines;
ALTER TABLE scorecard_lines_new RENAME TO scorecard_lines;

CREATE TRIGGER scorecard_lines_locked_insert BEFORE INSERT ON scorecard_lines
WHEN EXISTS (SELECT 1 FROM scorecards s JOIN periods p ON p.code = s.period
  WHERE s.id = NEW.scorecard_id AND p.status = 'locked' AND s.reason NOT LIKE 'appeal %')
BEGIN SELECT RAISE(ABORT, 'the period is locked: its results change only through an upheld appeal'); END;
CREATE TRIGGER scorecard_lines_locked_update BEFORE UPDATE ON scorecard_lines
WHEN EXISTS (SELECT 1 FROM scorecards s JOIN periods p ON p.code = s.period
  WHERE s.id = OLD.scorecard_id AND p.status = 'locked')
BEGIN SELECT RAISE(ABORT, 'the period is locked: its results change only through an upheld appeal'); END;
CREATE TRIGGER scorecard_lines_locked_delete BEFORE DELETE ON scorecard_lines
WHEN EXISTS (SELECT 1 FROM scorecards s JOIN periods p ON p.code = s.period
  WHERE s.id = OLD.scorecard_id AND p.status = 'locked')
BEGIN SELECT RAISE(ABORT, 'the period is locked: its results change only through an upheld appeal'); END;
