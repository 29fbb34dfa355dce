-- The sink applies consecutive complete ticks of a stream table that are waiting in one transaction
-- (apply.batch.max.ticks): a history row then covers the ticks first_tick_id .. tick_id, and tick_id
-- (the last) is the tick the stream table reached. NULL (rows written before 0.4.0.5, or by a writer
-- that does not set it) means the row covers tick_id alone.
ALTER TABLE pgtrickle.pgt_refresh_history
    ADD COLUMN first_tick_id bigint CONSTRAINT pgt_refresh_history_tick_range CHECK (first_tick_id <= tick_id);

COMMENT ON COLUMN pgtrickle.pgt_refresh_history.first_tick_id IS
    'The first tick this row covers: the sink applied ticks first_tick_id .. tick_id (those it received) in one '
    'transaction; tick_id is the tick the stream table reached. NULL or equal to tick_id: that tick alone.';

-- get_refresh_history() gains the range (a new result column needs DROP and CREATE).
DROP FUNCTION pgtrickle.get_refresh_history(text, integer);
CREATE FUNCTION pgtrickle.get_refresh_history(name text, max_rows integer DEFAULT 20)
RETURNS TABLE (refresh_id bigint, tick_id bigint, action text, status text, rows_inserted bigint, rows_deleted bigint,
               duration_ms double precision, start_time timestamptz, end_time timestamptz, attempt integer,
               worker text, error_message text, first_tick_id bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_id bigint := pgtrickle._find_stream_table(name);
BEGIN
    RETURN QUERY
    SELECT h.refresh_id, h.tick_id,
           CASE WHEN NOT h.initial THEN 'DIFFERENTIAL'
                WHEN s.effective_mode = 'FULL' THEN 'FULL'
                ELSE 'INITIALIZE' END,
           h.status, h.rows_inserted, h.rows_deleted, h.duration_ms,
           coalesce(h.started_at, h.applied_at - h.duration_ms * interval '1 millisecond'), h.applied_at,
           h.attempt, h.worker, h.error_message, coalesce(h.first_tick_id, h.tick_id)
      FROM pgtrickle.pgt_refresh_history h
      JOIN pgtrickle.pgt_stream_tables s ON s.pgt_id = h.pgt_id
     WHERE h.pgt_id = v_id
     ORDER BY h.refresh_id DESC
     LIMIT greatest(coalesce(max_rows, 20), 0);
END $$;

COMMENT ON FUNCTION pgtrickle.get_refresh_history(text, integer) IS
    'The latest max_rows refreshes of one stream table, newest first: action (INITIALIZE, FULL, DIFFERENTIAL), '
    'status (COMPLETED, FAILED), rows changed, timings, for a failed attempt the error, and the ticks '
    'first_tick_id .. tick_id the refresh covered (the sink applies waiting ticks together).';
