-- A scorecard's lines move into the card's own row: `lines`, a JSON array with one array per
-- indicator, [indicator, value, numerator, denominator, score, weight, effective weight,
-- applicable]. An evaluation of ten thousand people wrote some ninety thousand line rows,
-- each checked by a lock trigger of its own; as part of the card they are one write, and the
-- card's lock guard covers them with the rest of the result.
--
-- Numbers are copied in PostgreSQL's shortest exact form (extra_float_digits > 0), which
-- reads back as the same double. The guard is off while the locked periods' cards receive
-- their lines, and comes back covering them (and every other column): a locked card may only
-- lose its `current` mark.
SET LOCAL extra_float_digits = 3;
ALTER TABLE scorecards ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';
ALTER TABLE scorecards DISABLE TRIGGER scorecards_locked;
UPDATE scorecards s SET lines = l.lines
FROM (
    SELECT scorecard_id,
           json_agg(json_build_array(indicator_code, value, numerator, denominator, score, weight,
                                     effective_weight, applicable) ORDER BY indicator_code)::text AS lines
    FROM scorecard_lines GROUP BY scorecard_id
) l
WHERE l.scorecard_id = s.id;
ALTER TABLE scorecards ENABLE TRIGGER scorecards_locked;
DROP TABLE scorecard_lines;
DROP FUNCTION scorecard_lines_locked_guard();

CREATE OR REPLACE FUNCTION scorecards_locked_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p TEXT := CASE WHEN TG_OP = 'INSERT' THEN NEW.period ELSE OLD.period END;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM periods WHERE code = p AND status = 'locked') THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_OP = 'INSERT' AND NEW.reason LIKE 'appeal %' THEN RETURN NEW; END IF;
  IF TG_OP = 'UPDATE' AND OLD.current AND NOT NEW.current AND NEW.period = OLD.period
     AND NEW.employee_id = OLD.employee_id AND NEW.version = OLD.version
     AND NEW.total IS NOT DISTINCT FROM OLD.total AND NEW.grade IS NOT DISTINCT FROM OLD.grade
     AND NEW.bonus_coefficient IS NOT DISTINCT FROM OLD.bonus_coefficient
     AND NEW.detail = OLD.detail AND NEW.reason = OLD.reason
     AND NEW.lines = OLD.lines AND NEW.scheme_code = OLD.scheme_code
     AND NEW.scheme_version = OLD.scheme_version AND NEW.fingerprint = OLD.fingerprint
     AND NEW.created_at = OLD.created_at
     AND EXISTS (SELECT 1 FROM scorecards n WHERE n.period = OLD.period AND n.employee_id = OLD.employee_id
       AND n.version > OLD.version AND n.current AND n.reason LIKE 'appeal %') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the period is locked: its results change only through an upheld appeal';
END $$;
