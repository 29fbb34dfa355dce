-- Issue 13's audit of pg_trickle's API as a new user meets it: two fixes (catalog 0.4.0.24).
--
-- pgt_status() with pg_trickle's two columns it lacked (issue 13's audit): is_populated (the stream table shows a
-- tick) and consecutive_errors (failed apply attempts in a row; five suspend it), added at the end so that a
-- script reading Trickle's columns by position is unchanged. pg_trickle's pgt_status() has both; a user who
-- selects them by name got "column does not exist". They mean what they mean in pg_stat_stream_tables.
--
-- A result type cannot be changed in place, and pg_stat_stream_tables (V0_4_0_13) depends on pgt_status(): the
-- view is dropped and created again exactly as it was.

DROP VIEW pgtrickle.pg_stat_stream_tables;

-- The latest definition (V0_4_0_12), two columns added at the end.
DROP FUNCTION pgtrickle.pgt_status();
CREATE FUNCTION pgtrickle.pgt_status()
RETURNS TABLE (name text, status text, refresh_mode text, schedule text, last_tick bigint,
               data_timestamp timestamptz, staleness interval, last_error text, requested_mode text,
               fill_rows_read bigint, fill_rows_estimated bigint, fill_rows_applied bigint,
               is_populated boolean, consecutive_errors integer)
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
           f.rows_read, f.rows_estimated, f.rows_applied,
           s.last_tick IS NOT NULL, s.consecutive_failures
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

-- pg_trickle's monitoring view. A view reads the catalog with its owner's rights but calls functions
-- with its reader's, so it uses no internal function: it filters rows as pgt_status() does.
CREATE VIEW pgtrickle.pg_stat_stream_tables WITH (security_barrier) AS
SELECT s.pgt_id, s.pgt_schema, s.pgt_name, s.status, coalesce(s.effective_mode, s.refresh_mode) AS refresh_mode,
       s.last_tick IS NOT NULL AS is_populated, s.data_timestamp, s.schedule,
       clock_timestamp() - s.data_timestamp AS staleness,
       coalesce(p.status = 'STALE', false) AS stale,
       s.consecutive_failures AS consecutive_errors, s.needs_init AS needs_reinit,
       l.applied_at AS last_refresh_at,
       coalesce(h.total, 0) AS total_refreshes, coalesce(h.ok, 0) AS successful_refreshes,
       coalesce(h.failed, 0) AS failed_refreshes, coalesce(h.ins, 0) AS total_rows_inserted,
       coalesce(h.del, 0) AS total_rows_deleted, h.avg_ms AS avg_duration_ms,
       CASE WHEN l.refresh_id IS NULL THEN NULL
            WHEN NOT l.initial THEN 'DIFFERENTIAL'
            WHEN s.effective_mode = 'FULL' THEN 'FULL'
            ELSE 'INITIALIZE' END AS last_action,
       l.status AS last_status,
       (SELECT array_agg(DISTINCT CASE WHEN d.upstream_id IS NULL THEN 'trigger' ELSE 'delta_topic' END)
          FROM pgtrickle.pgt_dependencies d WHERE d.pgt_id = s.pgt_id) AS cdc_modes,
       s.last_tick, s.refresh_mode AS requested_mode
  FROM pgtrickle.pgt_stream_tables s
  LEFT JOIN LATERAL (SELECT count(*) AS total, count(*) FILTER (WHERE r.status = 'COMPLETED') AS ok,
                            count(*) FILTER (WHERE r.status = 'FAILED') AS failed,
                            sum(r.rows_inserted)::bigint AS ins, sum(r.rows_deleted)::bigint AS del,
                            avg(r.duration_ms)::double precision AS avg_ms
                       FROM pgtrickle.pgt_refresh_history r WHERE r.pgt_id = s.pgt_id) h ON true
  LEFT JOIN LATERAL (SELECT r.refresh_id, r.initial, r.status, r.applied_at FROM pgtrickle.pgt_refresh_history r
                      WHERE r.pgt_id = s.pgt_id ORDER BY r.refresh_id DESC LIMIT 1) l ON true
  LEFT JOIN pgtrickle.pgt_status() p ON p.name = format('%I.%I', s.pgt_schema, s.pgt_name)
 WHERE pg_has_role(session_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = 'pgtrickle.pgt_stream_tables'::regclass), 'USAGE')
    OR coalesce(has_table_privilege(session_user, s.pgt_relid, 'SELECT'), false);
GRANT SELECT ON pgtrickle.pg_stat_stream_tables TO PUBLIC;

COMMENT ON VIEW pgtrickle.pg_stat_stream_tables IS
    'Per stream table: catalog state with aggregate refresh statistics (pg_trickle''s monitoring view), plus the '
    'tick it shows (last_tick) and the mode asked for (requested_mode; refresh_mode is the mode in effect).';

-- ---------------------------------------------------------------------------------------------
-- verify_stream_table on a scheduled or suspended stream table (issue 13's audit): the verdict for tick N comes
-- when the sink applies N, which for a stream table on '2m' is up to two minutes away and for a suspended one
-- never; the call waited its whole timeout (60 s by default) and ended with "no verdict ... within 60 s". Now a
-- suspended stream table is refused at once (resume it first), and one on a duration whose next apply comes after
-- the timeout is refused at once with the time of that apply and the timeout_seconds that would do; for a cron
-- schedule the timeout's hint says that the verdict comes at its next moment. The latest definition (V0_4_0_13)
-- with those checks added.
CREATE OR REPLACE FUNCTION pgtrickle._verify(v_id bigint, timeout_seconds integer)
RETURNS TABLE (stream_table text, tick_id bigint, equal boolean, expected_rows bigint, actual_rows bigint,
               missing_rows bigint, extra_rows bigint, missing_sample jsonb, extra_sample jsonb,
               verification_id bigint, verified_at timestamptz)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_name     text;
    v_status   text;
    v_start    timestamptz := clock_timestamp();
    v_deadline timestamptz;
    v_last     timestamptz;
    v          record;
    v_sched    record;
    v_next     timestamptz;
BEGIN
    SELECT format('%I.%I', s.pgt_schema, s.pgt_name), s.status INTO v_name, v_status
      FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_id = v_id;
    IF timeout_seconds IS NULL OR timeout_seconds <= 0 THEN
        RAISE EXCEPTION 'timeout_seconds must be positive, not %', coalesce(timeout_seconds::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'verify_stream_table needs a READ COMMITTED transaction (this one is %)',
                current_setting('transaction_isolation')
            USING ERRCODE = 'active_sql_transaction',
                  HINT = 'It waits for a verdict the pipeline commits meanwhile, which a REPEATABLE READ or '
                         'SERIALIZABLE snapshot cannot see. Call it in its own statement outside such a transaction.';
    END IF;
    IF v_status <> 'ACTIVE' THEN
        RAISE EXCEPTION 'stream table % is %: only an ACTIVE stream table is verified', v_name, v_status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Wait until pgtrickle.pgt_status() shows it ACTIVE (after ERROR: pgtrickle.refresh_stream_table).';
    END IF;
    SELECT max(t.created_at) INTO v_last FROM pgtrickle.pgt_ticks t;
    IF v_last IS NULL OR clock_timestamp() - v_last > interval '30 seconds' THEN
        RAISE EXCEPTION 'cannot verify stream table %: no tick was taken for %', v_name,
                coalesce(date_trunc('second', clock_timestamp() - v_last)::text, 'ever')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'The source connector takes the tick that is verified: is it running? See pgtrickle.health_check().';
    END IF;
    -- the verdict comes when the sink applies the verified tick, which it does for a suspended stream table only
    -- once resumed, and for a scheduled one only at its schedule's next moment (as _sink_schedules() tells the sink)
    SELECT q.kind, q.period_ms, q.data_timestamp, q.held, s.schedule INTO v_sched
      FROM pgtrickle._sink_schedules() q JOIN pgtrickle.pgt_stream_tables s ON s.pgt_id = q.pgt_id
     WHERE q.pgt_id = v_id;
    IF v_sched.held THEN
        RAISE EXCEPTION 'stream table % is suspended: its ticks are applied, and so verified, only once it is resumed', v_name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Resume it first: SELECT pgtrickle.resume_stream_table(%L);', v_name);
    END IF;
    IF v_sched.kind = 'duration' AND v_sched.data_timestamp IS NOT NULL THEN
        v_next := greatest(clock_timestamp(), v_sched.data_timestamp + v_sched.period_ms * interval '1 millisecond');
        IF v_next + interval '5 seconds' > v_start + make_interval(secs => timeout_seconds) THEN
            RAISE EXCEPTION 'no verdict on stream table % within % s: it is brought up to date on its schedule ''%'', '
                            'next at about % (in % s), and the tick verified is compared when it is applied', v_name,
                    timeout_seconds, v_sched.schedule, date_trunc('second', v_next),
                    ceil(extract(epoch FROM v_next - clock_timestamp()))
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = format('Call it with a longer wait: SELECT * FROM pgtrickle.verify_stream_table(%L, '
                                    'timeout_seconds => %s);', v_name,
                                    ceil(extract(epoch FROM v_next - clock_timestamp())) + 30);
        END IF;
    END IF;
    -- the request: visible to the source connector in pg_locks now, gone when this transaction ends
    PERFORM pg_advisory_xact_lock_shared(pgtrickle._verify_lock_key(), v_id::integer);
    v_deadline := v_start + make_interval(secs => timeout_seconds);
    LOOP
        -- a READ COMMITTED statement in a VOLATILE function sees what committed before it began
        SELECT * INTO v FROM pgtrickle.pgt_verifications p
         WHERE p.pgt_id = v_id AND p.requested_at >= v_start AND p.status IN ('EQUAL', 'DIFFERENT', 'FAILED')
         ORDER BY p.verification_id LIMIT 1;
        EXIT WHEN FOUND;
        IF clock_timestamp() > v_deadline THEN
            RAISE EXCEPTION 'no verdict on stream table % within % s', v_name, timeout_seconds
                USING ERRCODE = 'query_canceled',
                      HINT = CASE WHEN v_sched.kind = 'cron'
                                  THEN format('It is brought up to date at the moments of its schedule ''%s'' (UTC), and '
                                              'the tick verified is compared when it is applied: call again with a '
                                              'timeout_seconds past its next moment. ', v_sched.schedule) ELSE '' END
                             || 'The source connector evaluates the query at the next tick and the sink compares when it '
                                'applies that tick: check pgtrickle.health_check(), or call again with a larger '
                                'timeout_seconds. Verdicts stay in pgtrickle.pgt_verifications.';
        END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
    IF v.status = 'FAILED' THEN
        RAISE EXCEPTION 'could not verify stream table % at tick %: %', v_name, v.tick_id, v.error_message
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN QUERY SELECT v_name, v.tick_id, v.status = 'EQUAL', v.expected_rows, v.actual_rows, v.missing_rows,
                        v.extra_rows, v.missing_sample, v.extra_sample, v.verification_id, v.verified_at;
END $$;

SELECT pgtrickle._revoke_internal_execute();
