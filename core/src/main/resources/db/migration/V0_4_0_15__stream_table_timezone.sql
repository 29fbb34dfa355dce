-- 0.4.0.16: the TimeZone a stream table's query is evaluated under.
--
-- PostgreSQL evaluates date_trunc of a date or timestamptz, extract(hour FROM timestamptz), casts between date,
-- timestamp and timestamptz, timestamptz + interval and the text form of a timestamptz in the session's TimeZone.
-- The engine maintains such queries under the zone recorded here, the way the defining query's names are resolved
-- under the recorded search_path; the source connector's FULL refreshes and verifications set it for the query.
--
-- A new stream table records the TimeZone of the session that creates it: the column's default is evaluated
-- by the INSERT in create_stream_table, which runs in the caller's session (no function sets TimeZone), so
-- no catalog function needs redefining.
--
-- Stream tables that exist at the upgrade get 'UTC', not the zone of the session that runs the migration (the
-- installer's, unrelated to their creators'): until now every zone-dependent query ran in FULL mode, recomputed
-- by the source connector, whose sessions run with TimeZone UTC, so 'UTC' keeps each existing stream table's
-- content exactly as it is.
ALTER TABLE pgtrickle.pgt_stream_tables ADD COLUMN timezone text NOT NULL DEFAULT 'UTC';
ALTER TABLE pgtrickle.pgt_stream_tables ALTER COLUMN timezone SET DEFAULT pg_catalog.current_setting('TimeZone');
COMMENT ON COLUMN pgtrickle.pgt_stream_tables.timezone IS
    'The session TimeZone at create_stream_table: the engine evaluates timestamptz functions under it';
