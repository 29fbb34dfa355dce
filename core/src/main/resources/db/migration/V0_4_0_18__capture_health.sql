-- Capture health (issue 11): health_check() says when a captured source's capture trigger is missing or
-- disabled. Such a source's changes are not written to its change buffer at all, so its stream tables drift
-- from their queries without any error; trigger_inventory() (0.4.0.14) knows which triggers each source
-- should have in its form, and rebuild_cdc_triggers() puts them back.

-- Statement-level capture, cheaper per statement (issue 11, the write-side matrix): the buffer and its column list
-- are read by one query cached in this function instead of a call of _capture_target (a function with its own
-- search_path, run per statement). Measured as backend CPU over 2,000 pgbench-like transactions (an UPDATE, an
-- INSERT and a DELETE of one row each, 10 columns): about 320 us per transaction before, 285 after; row triggers
-- 370 (docs/benchmarks.md, "Write-side capture matrix"). Merging an UPDATE's two INSERTs into one INSERT ...
-- UNION ALL was tried and cost more (planning the union outweighs the second statement). What remains per
-- statement is EXECUTE's parse and plan of the buffer INSERT.
CREATE OR REPLACE FUNCTION pgtrickle.capture_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_buf  text;
    v_cols text;
BEGIN
    -- the buffer and its column list (', "a", "b"') in one cached query, not a call of _capture_target per statement
    SELECT s.buffer_table, coalesce((SELECT string_agg(', ' || quote_ident(c), '') FROM unnest(s.capture_columns) c), '')
      INTO v_buf, v_cols
      FROM pgtrickle.pgt_sources s WHERE s.source_relid = TG_RELID;
    IF v_buf IS NULL THEN
        RAISE EXCEPTION 'table % is not a source captured by Trickle', TG_RELID::regclass
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only pgtrickle.create_stream_table attaches capture triggers; drop this trigger.';
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (__pgt_op%s) SELECT ''-''%s FROM __pgt_old', v_buf, v_cols, v_cols);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (__pgt_op%s) SELECT ''+''%s FROM __pgt_new', v_buf, v_cols, v_cols);
    ELSIF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (__pgt_op%s) SELECT ''T''%s FROM %s', v_buf, v_cols, v_cols,
                       TG_RELID::regclass);
    END IF;
    RETURN NULL;
END $$;

-- health_check(): a new last check, capture_triggers; the others as in 0.4.0.11.
CREATE OR REPLACE FUNCTION pgtrickle.health_check()
RETURNS TABLE (check_name text, severity text, detail text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_sts      bigint;
    v_tick     record;
    v_list     text;
    v_pool     record;
    v_rows     bigint;
BEGIN
    SELECT count(*) INTO v_sts FROM pgtrickle.pgt_stream_tables WHERE status NOT IN ('PAUSED');

    -- stream tables stopped by an error, or suspended after repeated failures
    SELECT string_agg(format('%I.%I (%s): %s', pgt_schema, pgt_name, status, coalesce(last_error, 'no reason recorded')),
                      '; ' ORDER BY pgt_schema, pgt_name)
      INTO v_list FROM pgtrickle.pgt_stream_tables WHERE status IN ('ERROR', 'SUSPENDED');
    check_name := 'error_stream_tables';
    severity := CASE WHEN v_list IS NULL THEN 'OK' ELSE 'ERROR' END;
    detail := coalesce(v_list || ' -- fix the cause, then pgtrickle.resume_stream_table (SUSPENDED) or '
                       'pgtrickle.refresh_stream_table (ERROR)', 'no stream table in ERROR or SUSPENDED');
    RETURN NEXT;

    -- ACTIVE stream tables late by their own schedule (pgtrickle._late)
    SELECT string_agg(format('%I.%I is %s behind (schedule %s)', pgt_schema, pgt_name,
                             date_trunc('second', clock_timestamp() - data_timestamp), schedule),
                      '; ' ORDER BY pgt_schema, pgt_name)
      INTO v_list FROM pgtrickle.pgt_stream_tables
     WHERE status = 'ACTIVE' AND NOT held AND data_timestamp IS NOT NULL AND pgtrickle._late(pgt_id);
    check_name := 'stale_stream_tables';
    severity := CASE WHEN v_list IS NULL THEN 'OK' ELSE 'WARN' END;
    detail := coalesce(v_list, 'every ACTIVE stream table is up to date by its schedule');
    RETURN NEXT;

    -- the source connector takes a tick every tick.interval.ms, even when nothing changed
    SELECT * INTO v_tick FROM pgtrickle.tick_status();
    check_name := 'ticker';
    IF v_tick.current_tick IS NULL THEN
        severity := CASE WHEN v_sts = 0 THEN 'OK' ELSE 'ERROR' END;
        detail := 'no tick taken yet' || CASE WHEN v_sts = 0 THEN '' ELSE ': is the source connector running?' END;
    ELSE
        severity := CASE WHEN v_tick.age > interval '60 seconds' THEN 'ERROR'
                         WHEN v_tick.age > interval '10 seconds' THEN 'WARN' ELSE 'OK' END;
        detail := format('newest tick %s taken %s ago', v_tick.current_tick, date_trunc('second', v_tick.age))
                  || CASE WHEN severity = 'OK' THEN '' ELSE ': is the source connector running?' END;
    END IF;
    RETURN NEXT;

    -- the streams app and the sink report a heartbeat about once a second
    FOR v_pool IN
        SELECT c.component, max(w.heartbeat_at) AS last_seen
          FROM (VALUES ('streams'), ('sink')) c (component)
          LEFT JOIN pgtrickle.pgt_workers w USING (component)
         GROUP BY c.component ORDER BY c.component DESC
    LOOP
        check_name := v_pool.component || '_heartbeat';
        IF v_pool.last_seen IS NULL THEN
            severity := CASE WHEN v_sts = 0 THEN 'OK' ELSE 'ERROR' END;
            detail := format('no heartbeat from the %s yet', CASE WHEN v_pool.component = 'sink' THEN 'sink connector'
                                                                 ELSE 'streams app' END);
        ELSE
            severity := CASE WHEN v_pool.last_seen > now() - pgtrickle._heartbeat_timeout() THEN 'OK'
                             WHEN v_sts = 0 THEN 'WARN' ELSE 'ERROR' END;
            detail := format('last heartbeat %s ago', date_trunc('second', now() - v_pool.last_seen))
                      || CASE WHEN severity = 'OK' THEN '' ELSE ': is it running?' END;
        END IF;
        RETURN NEXT;
    END LOOP;

    -- every sink worker busy with units still waiting: more workers would help
    SELECT * INTO v_pool FROM pgtrickle.worker_pool_status() WHERE component = 'sink';
    check_name := 'worker_pool';
    IF v_pool IS NULL OR NOT coalesce(v_pool.alive, false) THEN
        severity := 'OK';
        detail := 'no live sink task';
    ELSE
        severity := CASE WHEN v_pool.active_workers >= least(v_pool.max_workers, v_pool.per_db_cap)
                           AND v_pool.queued_units > 0 THEN 'WARN' ELSE 'OK' END;
        detail := format('%s of %s worker(s) busy (cap %s per database, mode %s), %s unit(s) queued',
                         v_pool.active_workers, v_pool.max_workers, v_pool.per_db_cap, v_pool.parallel_mode,
                         v_pool.queued_units)
                  || CASE WHEN severity = 'OK' THEN '' ELSE ': the pool is saturated; raise max.dynamic.refresh.workers '
                                                            'or max.concurrent.refreshes' END;
    END IF;
    RETURN NEXT;

    check_name := 'job_queue';
    v_rows := coalesce(v_pool.queued_units, 0);
    severity := CASE WHEN v_rows > greatest(2 * coalesce(least(v_pool.max_workers, v_pool.per_db_cap), 1), 10)
                     THEN 'WARN' ELSE 'OK' END;
    detail := format('%s unit(s) waiting for a worker', v_rows);
    RETURN NEXT;

    -- change buffers hold rows until their tick is in Kafka: many rows mean the source connector lags
    SELECT sum(pending_rows), string_agg(format('%s: %s row(s)', source, pending_rows), '; ' ORDER BY pending_rows DESC)
      INTO v_rows, v_list
      FROM pgtrickle.change_buffer_status() WHERE pending_rows > 100000;
    check_name := 'buffer_growth';
    severity := CASE WHEN v_list IS NULL THEN 'OK' ELSE 'WARN' END;
    detail := coalesce(v_list || ' not yet carried by a tick: is the source connector keeping up?',
                       'no change buffer holds more than 100000 rows');
    RETURN NEXT;

    -- a captured source without its capture triggers (dropped, or disabled by ALTER TABLE ... DISABLE TRIGGER):
    -- its writes go nowhere, and every stream table over it silently drifts from its query
    SELECT string_agg(format('%s (%s)', i.source_table, i.problems), '; ' ORDER BY i.source_table)
      INTO v_list
      FROM (SELECT source_table,
                   string_agg(format('%s trigger %s %s', trigger_type, trigger_name,
                                     CASE WHEN present THEN 'disabled' ELSE 'missing' END), ', ' ORDER BY trigger_name) AS problems
              FROM pgtrickle.trigger_inventory() WHERE NOT (present AND enabled)
             GROUP BY source_table) i;
    check_name := 'capture_triggers';
    severity := CASE WHEN v_list IS NULL THEN 'OK' ELSE 'WARN' END;
    detail := coalesce('changes to ' || v_list || ' are not being captured, so the stream tables over them fall '
                       'out of step with their queries -- run SELECT * FROM pgtrickle.rebuild_cdc_triggers() (as the '
                       'catalog owner) to put the capture triggers back, then pgtrickle.refresh_stream_table on the '
                       'stream tables over those sources to refill them from their queries',
                       'every captured source has its capture triggers, enabled');
    RETURN NEXT;
END $$;

COMMENT ON FUNCTION pgtrickle.health_check() IS
    'Checks of the whole pipeline, one row each (OK, WARN, ERROR): stream tables in ERROR or SUSPENDED, stale stream '
    'tables, the ticker, heartbeats of the streams app and the sink, the worker pool, the job queue, change buffers, '
    'capture triggers missing or disabled.';

SELECT pgtrickle._revoke_internal_execute();
