-- A stream table read by another whose query alter_stream_table changes (issue 13, catalog 0.4.0.25): the reader
-- was filled anew after it, but the streams app kept the reader's plan, which reads the upstream's delta topic by
-- the upstream's columns as they were when the reader was planned; once the upstream's new plan wrote a row with
-- an added column, the reader stopped in ERROR. Now the direct readers are planned again too: a new plan
-- generation (the streams app compiles them against the upstream's new columns, drops their old state and skips
-- the old generation's records at or below their new floor) and engine_ready false (the source connector fills
-- them only once the new plan runs). The stream tables over it that it stopped in ERROR come back with it (as after
-- refresh_stream_table). The latest definition (V0_4_0_16) with those two changes.
CREATE OR REPLACE FUNCTION pgtrickle._refill_altered(p_id bigint) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE pgtrickle.pgt_stream_tables
       SET needs_init = true, init_tick = NULL, engine_ready = false, effective_mode = NULL, explain = NULL,
           status = CASE WHEN status IN ('ACTIVE', 'ERROR', 'INITIALIZING') THEN 'INITIALIZING' ELSE status END,
           consecutive_failures = 0, last_error = NULL,
           altered_by = pg_current_xact_id()
     WHERE pgt_id = p_id;
    -- those in ERROR (stopped with it: "once it is fixed, run refresh_stream_table(...), which fills this one anew
    -- too") come back with it, as after refresh_stream_table: an alter is what fixes an upstream in ERROR
    UPDATE pgtrickle.pgt_stream_tables s
       SET needs_init = true, init_tick = NULL,
           engine_ready = CASE WHEN s.status = 'ERROR' THEN false ELSE s.engine_ready END,
           status = CASE WHEN s.status = 'ERROR' THEN 'INITIALIZING' ELSE s.status END,
           last_error = CASE WHEN s.status = 'ERROR' THEN NULL ELSE s.last_error END
      FROM pgtrickle._dependents(p_id) d
     WHERE s.pgt_id = d.pgt_id AND s.status NOT IN ('PAUSED', 'SUSPENDED');
    -- its direct readers (in any status: one in ERROR is planned from the catalog again when refreshed) read its
    -- delta topic by its columns, which may have changed
    UPDATE pgtrickle.pgt_stream_tables s
       SET plan_generation = s.plan_generation + 1, engine_ready = false
     WHERE s.pgt_id IN (SELECT d.pgt_id FROM pgtrickle.pgt_dependencies d WHERE d.upstream_id = p_id);
    PERFORM pg_notify('pgtrickle_catalog', p_id::text);
END $$;

SELECT pgtrickle._revoke_internal_execute();
