-- The initial fill's progress (issue 14, part 5).
--
-- A fill of a large stream table takes minutes: the source connector reads every row of its sources at the
-- tick's snapshot, the streams app turns them into the stream table's rows, and the sink applies them in one
-- transaction (so that the stream table is never half filled). pgt_fill_progress keeps, per stream table, its
-- latest fill: the rows the source connector has read so far (written every 10,000 rows from a connection of its
-- own, so a reader sees them while the fill runs), the estimate from pg_class.reltuples of its sources, and the
-- rows the sink applied, written in the fill's own transaction (so it is there exactly when the rows are).
-- pgt_status() shows the three numbers in new columns at the end of its result.

CREATE TABLE pgtrickle.pgt_fill_progress (
    pgt_id          bigint      PRIMARY KEY REFERENCES pgtrickle.pgt_stream_tables ON DELETE CASCADE,
    tick_id         bigint      NOT NULL,
    rows_estimated  bigint,
    rows_read       bigint      DEFAULT 0,
    read_done       boolean     NOT NULL DEFAULT false,
    rows_applied    bigint,
    started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
REVOKE ALL ON pgtrickle.pgt_fill_progress FROM PUBLIC;

-- The latest definition (V0_4_0_11: the mode in effect, requested_mode, staleness by schedule) with three
-- columns added at the end: fill_rows_read, fill_rows_estimated (NULL where the sources were never analyzed)
-- and fill_rows_applied (NULL until the fill's transaction commits), of the stream table's latest fill (NULL
-- where none was recorded). A result type cannot be changed in place.
DROP FUNCTION pgtrickle.pgt_status();
CREATE FUNCTION pgtrickle.pgt_status()
RETURNS TABLE (name text, status text, refresh_mode text, schedule text, last_tick bigint,
               data_timestamp timestamptz, staleness interval, last_error text, requested_mode text,
               fill_rows_read bigint, fill_rows_estimated bigint, fill_rows_applied bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('%I.%I', s.pgt_schema, s.pgt_name),
           CASE WHEN v.stale THEN 'STALE'
                WHEN s.held AND s.status IN ('ACTIVE', 'INITIALIZING') THEN 'SUSPENDED' ELSE s.status END,
           coalesce(s.effective_mode, s.refresh_mode), s.schedule, s.last_tick,
           s.data_timestamp, clock_timestamp() - s.data_timestamp,
           CASE WHEN NOT v.stale THEN s.last_error
                WHEN v.ticker_stopped
                THEN format('not advancing: no tick was taken for %s (the source connector is not running or '
                            'is failing); the data is that of tick %s, %s old. See pgtrickle.health_check()',
                            date_trunc('second', clock_timestamp() - n.created_at), s.last_tick, date_trunc('second', v.age))
                ELSE format('not advancing: at tick %s, %s tick(s) behind the newest tick %s, data %s old, late by its '
                            'schedule %s (the streams app or the sink is not applying its ticks). See pgtrickle.health_check()',
                            s.last_tick, n.tick_id - s.last_tick, n.tick_id, date_trunc('second', v.age), s.schedule)
           END,
           s.refresh_mode,
           f.rows_read, f.rows_estimated, f.rows_applied
      FROM pgtrickle.pgt_stream_tables s
      LEFT JOIN pgtrickle.pgt_fill_progress f ON f.pgt_id = s.pgt_id
      LEFT JOIN LATERAL (SELECT t.tick_id, t.created_at FROM pgtrickle.pgt_ticks t ORDER BY t.tick_id DESC LIMIT 1) n ON true
      CROSS JOIN LATERAL (SELECT coalesce(clock_timestamp() - n.created_at > interval '30 seconds', false) AS ticker_stopped,
                                 clock_timestamp() - s.data_timestamp AS age) v0
      CROSS JOIN LATERAL (SELECT v0.ticker_stopped, v0.age,
                                 s.status = 'ACTIVE' AND NOT s.held AND s.data_timestamp IS NOT NULL
                                 AND (v0.ticker_stopped OR coalesce(n.tick_id - s.last_tick, 0) >= 10)
                                 AND pgtrickle._late(s.pgt_id) AS stale) v
     WHERE pg_has_role(session_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = 'pgtrickle.pgt_stream_tables'::regclass), 'USAGE')
        OR coalesce(has_table_privilege(session_user, s.pgt_relid, 'SELECT'), false)
     ORDER BY s.pgt_schema, s.pgt_name
$$;

SELECT pgtrickle._revoke_internal_execute();
