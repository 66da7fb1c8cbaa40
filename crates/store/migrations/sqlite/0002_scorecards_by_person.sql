-- One person's scorecards over several periods (the dashboard's trend, ranks, probation
-- reviews) without reading every card of each period.
CREATE INDEX scorecards_person ON scorecards (employee_id, period, current);
