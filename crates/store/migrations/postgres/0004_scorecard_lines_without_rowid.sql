-- Nothing to do on PostgreSQL: migration 4 rebuilds SQLite's scorecard_lines as a WITHOUT ROWID
-- table (one b-tree instead of rows plus a primary-key index); PostgreSQL's tables have no
-- rowid. Kept so that both backends number their migrations alike.
SELECT 1;
