-- A scorecard's lines move into the card's own row: `lines`, a JSON array with one array per
-- indicator, [indicator, value, numerator, denominator, score, weight, effective weight,
-- applicable]. An evaluation of ten thousand people wrote some ninety thousand line rows,
-- each checked by a lock trigger of its own; as part of the card they are one write, and the
-- card's lock triggers guard them with the rest of the result.
--
-- Numbers are copied with quote(), which writes a double in a form that reads back as the
-- same double (15 significant digits when they suffice, else 21). The guard on updates is
-- dropped while the locked periods' cards receive their lines, and comes back covering them
-- (and every other column): a locked card may only lose its `current` mark.
ALTER TABLE scorecards ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';
DROP TRIGGER scorecards_locked_update;
UPDATE scorecards SET lines = (
    SELECT '[' || group_concat(
        '[' || json_quote(l.indicator_code)
        || ',' || CASE WHEN l.value IS NULL THEN 'null' ELSE quote(l.value) END
        || ',' || CASE WHEN l.numerator IS NULL THEN 'null' ELSE quote(l.numerator) END
        || ',' || CASE WHEN l.denominator IS NULL THEN 'null' ELSE quote(l.denominator) END
        || ',' || CASE WHEN l.score IS NULL THEN 'null' ELSE quote(l.score) END
        || ',' || quote(l.weight)
        || ',' || quote(l.effective_weight)
        || ',' || CASE WHEN l.applicable THEN 'true' ELSE 'false' END
        || ']', ',' ORDER BY l.indicator_code) || ']'
    FROM scorecard_lines l WHERE l.scorecard_id = scorecards.id)
WHERE id IN (SELECT scorecard_id FROM scorecard_lines);
DROP TABLE scorecard_lines;
CREATE TRIGGER scorecards_locked_update BEFORE UPDATE ON scorecards
WHEN EXISTS (SELECT 1 FROM periods WHERE code = OLD.period AND status = 'locked')
 AND NOT (OLD.current = 1 AND NEW.current = 0 AND NEW.period = OLD.period AND NEW.employee_id = OLD.employee_id
   AND NEW.version = OLD.version AND NEW.total IS OLD.total AND NEW.grade IS OLD.grade
   AND NEW.bonus_coefficient IS OLD.bonus_coefficient AND NEW.detail = OLD.detail AND NEW.reason = OLD.reason
   AND NEW.lines = OLD.lines AND NEW.scheme_code = OLD.scheme_code AND NEW.scheme_version = OLD.scheme_version
   AND NEW.fingerprint = OLD.fingerprint AND NEW.created_at IS OLD.created_at
   AND EXISTS (SELECT 1 FROM scorecards n WHERE n.period = OLD.period AND n.employee_id = OLD.employee_id
     AND n.version > OLD.version AND n.current = 1 AND n.reason LIKE 'appeal %'))
BEGIN SELECT RAISE(ABORT, 'the period is locked: its results change only through an upheld appeal'); END;
