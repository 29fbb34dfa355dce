-- Parallel refresh (pg_trickle's parallel_refresh_mode): the plan of execution units, the workers'
-- heartbeats, failure counting with automatic suspension, and the monitoring functions
-- worker_pool_status(), parallel_job_status(), health_check() and get_refresh_history().
-- The sink writes its bookkeeping in the transaction that applies a tick (history row) or in the one
-- that records a failure; heartbeats come at most about once a second per component.

-- A success resets the count (written with the tick); SUSPENDED after three in a row.
ALTER TABLE pgtrickle.pgt_stream_tables ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0;

-- Every refresh attempt as a job: applied ticks (COMPLETED) and failed attempts (FAILED, with the error).
ALTER TABLE pgtrickle.pgt_refresh_history
    ADD COLUMN status        text NOT NULL DEFAULT 'COMPLETED' CHECK (status IN ('COMPLETED', 'FAILED')),
    ADD COLUMN error_message text,
    ADD COLUMN unit_key      text,
    ADD COLUMN unit_kind     text,
    ADD COLUMN attempt       integer NOT NULL DEFAULT 1,
    ADD COLUMN worker        text,
    ADD COLUMN enqueued_at   timestamptz,
    ADD COLUMN started_at    timestamptz;
CREATE INDEX ON pgtrickle.pgt_refresh_history (applied_at);

-- One row per running component instance (streams app instance, sink task), refreshed by its heartbeat.
-- jobs holds the units it has queued or running right now, as JSON objects
-- {unit_key, unit_kind, members, status, tick, enqueued_at, started_at}.
CREATE TABLE pgtrickle.pgt_workers (
    component       text        NOT NULL CHECK (component IN ('streams', 'sink')),
    worker_id       text        NOT NULL,
    parallel_mode   text        NOT NULL CHECK (parallel_mode IN ('off', 'dry_run', 'on')),
    max_workers     integer     NOT NULL,
    per_db_cap      integer     NOT NULL,
    active_workers  integer     NOT NULL DEFAULT 0,
    queued_units    integer     NOT NULL DEFAULT 0,
    jobs            jsonb       NOT NULL DEFAULT '[]',
    started_at      timestamptz NOT NULL DEFAULT now(),
    heartbeat_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (component, worker_id)
);

-- A heartbeat: one upsert; rows of instances silent for a day are removed on the way.
CREATE FUNCTION pgtrickle._heartbeat(p_component text, p_worker text, p_mode text, p_max integer, p_cap integer,
                                     p_active integer, p_queued integer, p_jobs jsonb) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM pgtrickle.pgt_workers WHERE heartbeat_at < now() - interval '1 day';
    INSERT INTO pgtrickle.pgt_workers AS w (component, worker_id, parallel_mode, max_workers, per_db_cap,
                                           active_workers, queued_units, jobs)
    VALUES (p_component, p_worker, p_mode, p_max, p_cap, p_active, p_queued, coalesce(p_jobs, '[]'))
    ON CONFLICT (component, worker_id) DO UPDATE
       SET parallel_mode = EXCLUDED.parallel_mode, max_workers = EXCLUDED.max_workers,
           per_db_cap = EXCLUDED.per_db_cap, active_workers = EXCLUDED.active_workers,
           queued_units = EXCLUDED.queued_units, jobs = EXCLUDED.jobs, heartbeat_at = now();
$$;

-- How long a component may stay silent before it counts as stopped.
CREATE FUNCTION pgtrickle._heartbeat_timeout() RETURNS interval
LANGUAGE sql IMMUTABLE AS $$ SELECT interval '30 seconds' $$;

-- ---------------------------------------------------------------------------------------------
-- The execution units and their order, as parallel.refresh.mode=on runs them. A stream table reads
-- another one when its dependencies name the other's storage table. Diamonds (two paths from one
-- table, base or stream table, into one stream table) make the stream tables on those paths and
-- the apex one ATOMIC_GROUP, each tick of which is applied in one transaction (overlapping diamonds merge); every other
-- stream table is a SINGLETON. level: units of one level run together; a unit waits for the units
-- in waits_for (all of a lower level). Members are listed upstream first.
CREATE FUNCTION pgtrickle.parallel_plan()
RETURNS TABLE (level integer, unit_key text, unit_kind text, members text[], member_ids bigint[], waits_for text[])
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE
    st AS (
        SELECT pgt_id, format('%I.%I', pgt_schema, pgt_name) AS name, pgt_relid FROM pgtrickle.pgt_stream_tables
    ),
    edge AS (
        SELECT DISTINCT d.pgt_id AS down, u.pgt_id AS up
          FROM pgtrickle.pgt_dependencies d JOIN st u ON u.pgt_relid = d.source_relid
         WHERE u.pgt_id <> d.pgt_id
    ),
    -- every table a stream table reads, directly or through other stream tables, and through which
    -- of its direct inputs (UNION stops at a fixed point, also on a cycle)
    anc (pgt_id, rel, via) AS (
        SELECT d.pgt_id, d.source_relid, d.source_relid FROM pgtrickle.pgt_dependencies d
        UNION
        SELECT a.pgt_id, d.source_relid, a.via
          FROM anc a JOIN st u ON u.pgt_relid = a.rel JOIN pgtrickle.pgt_dependencies d ON d.pgt_id = u.pgt_id
    ),
    diamond AS (
        SELECT DISTINCT a1.pgt_id AS apex, a1.rel AS root
          FROM anc a1 JOIN anc a2 ON a2.pgt_id = a1.pgt_id AND a2.rel = a1.rel AND a2.via <> a1.via
    ),
    -- the apex and every stream table on a path from the root to it (the root itself runs before)
    grp_member AS (
        SELECT d.apex, d.root, d.apex AS member FROM diamond d
        UNION
        SELECT d.apex, d.root, s.pgt_id
          FROM diamond d
          JOIN st s ON s.pgt_relid <> d.root
          JOIN anc up ON up.pgt_id = d.apex AND up.rel = s.pgt_relid
          JOIN anc dn ON dn.pgt_id = s.pgt_id AND dn.rel = d.root
    ),
    pair AS (
        SELECT m1.member AS a, m2.member AS b FROM grp_member m1 JOIN grp_member m2 USING (apex, root)
    ),
    comp (id, reach) AS (
        SELECT a, b FROM pair
        UNION
        SELECT c.id, p.b FROM comp c JOIN pair p ON p.a = c.reach
    ),
    unit_of AS (
        SELECT s.pgt_id, s.name,
               coalesce((SELECT min(c.reach) FROM comp c WHERE c.id = s.pgt_id), s.pgt_id) AS unit,
               EXISTS (SELECT 1 FROM comp c WHERE c.id = s.pgt_id) AS grouped
          FROM st s
    ),
    st_depth (pgt_id, d) AS (
        SELECT pgt_id, 0 FROM st
        UNION
        SELECT e.down, x.d + 1 FROM st_depth x JOIN edge e ON e.up = x.pgt_id
         WHERE x.d < (SELECT count(*) FROM st)
    ),
    unit_edge AS (
        SELECT DISTINCT ud.unit AS down, uu.unit AS up
          FROM edge e JOIN unit_of ud ON ud.pgt_id = e.down JOIN unit_of uu ON uu.pgt_id = e.up
         WHERE ud.unit <> uu.unit
    ),
    unit_depth (unit, d) AS (
        SELECT DISTINCT unit, 0 FROM unit_of
        UNION
        SELECT e.down, x.d + 1 FROM unit_depth x JOIN unit_edge e ON e.up = x.unit
         WHERE x.d < (SELECT count(*) FROM st)
    ),
    units AS (
        SELECT u.unit, (SELECT max(x.d) FROM unit_depth x WHERE x.unit = u.unit)::integer AS level,
               array_agg(u.name ORDER BY sd.d, u.name) AS members,
               array_agg(u.pgt_id ORDER BY sd.d, u.name) AS ids,
               bool_or(u.grouped) AS grouped
          FROM unit_of u
          JOIN (SELECT pgt_id, max(d) AS d FROM st_depth GROUP BY pgt_id) sd USING (pgt_id)
         GROUP BY u.unit
    ),
    keyed AS (
        SELECT u.*, CASE WHEN u.grouped THEN 'group(' || array_to_string(u.members, ', ') || ')'
                         ELSE u.members[1] END AS key
          FROM units u
    )
    SELECT k.level, k.key, CASE WHEN k.grouped THEN 'ATOMIC_GROUP' ELSE 'SINGLETON' END, k.members, k.ids,
           coalesce((SELECT array_agg(up.key ORDER BY up.level, up.key)
                       FROM unit_edge e JOIN keyed up ON up.unit = e.up WHERE e.down = k.unit), '{}')
      FROM keyed k
     ORDER BY k.level, k.key
$$;

COMMENT ON FUNCTION pgtrickle.parallel_plan() IS
    'The execution units of parallel refresh in dependency order: units of one level run together, each waits for '
    'the units in waits_for; diamonds form ATOMIC_GROUP units. Computed from the catalog, nothing is run.';

-- ---------------------------------------------------------------------------------------------
-- The refresh workers of the running components, one row per component (sink, streams) that sent
-- a heartbeat in the last hour. The sink's workers apply ticks to PostgreSQL (active_workers are
-- applying right now, at most per_db_cap at once); the streams app's are its stream threads.
CREATE FUNCTION pgtrickle.worker_pool_status()
RETURNS TABLE (active_workers integer, max_workers integer, per_db_cap integer, parallel_mode text,
               component text, instances integer, queued_units integer, alive boolean, last_heartbeat timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(w.active_workers) FILTER (WHERE w.alive), 0)::integer,
           coalesce(sum(w.max_workers) FILTER (WHERE w.alive), 0)::integer,
           max(w.per_db_cap),
           CASE WHEN count(DISTINCT w.parallel_mode) = 1 THEN min(w.parallel_mode) ELSE 'mixed' END,
           w.component,
           (count(*) FILTER (WHERE w.alive))::integer,
           coalesce(sum(w.queued_units) FILTER (WHERE w.alive), 0)::integer,
           bool_or(w.alive),
           max(w.heartbeat_at)
      FROM (SELECT p.*, p.heartbeat_at > now() - pgtrickle._heartbeat_timeout() AS alive
              FROM pgtrickle.pgt_workers p
             WHERE p.heartbeat_at > now() - interval '1 hour') w
     GROUP BY w.component
     ORDER BY w.component DESC
$$;

COMMENT ON FUNCTION pgtrickle.worker_pool_status() IS
    'Per component (sink, streams): refresh workers busy now, the worker budget (max.dynamic.refresh.workers, summed '
    'over live instances), the per-database cap (max.concurrent.refreshes) and parallel.refresh.mode, from heartbeats.';

-- Queued and running units (from the live heartbeats; no job_id yet) and the refreshes that finished
-- in the last max_age_seconds (from the refresh history), newest first.
CREATE FUNCTION pgtrickle.parallel_job_status(max_age_seconds integer DEFAULT 300)
RETURNS TABLE (job_id bigint, unit_key text, unit_kind text, status text, member_count integer, attempt_no integer,
               worker text, tick_id bigint, enqueued_at timestamptz, started_at timestamptz, finished_at timestamptz,
               duration_ms double precision)
LANGUAGE sql STABLE AS $$
    SELECT * FROM (
        SELECT NULL::bigint, j->>'unit_key', j->>'unit_kind', j->>'status',
               coalesce(jsonb_array_length(j->'members'), 1), 1, w.worker_id, (j->>'tick')::bigint,
               (j->>'enqueued_at')::timestamptz, (j->>'started_at')::timestamptz, NULL::timestamptz,
               CASE WHEN j ? 'started_at'
                    THEN extract(epoch FROM clock_timestamp() - (j->>'started_at')::timestamptz) * 1000 END
          FROM pgtrickle.pgt_workers w CROSS JOIN LATERAL jsonb_array_elements(w.jobs) j
         WHERE w.heartbeat_at > now() - pgtrickle._heartbeat_timeout()
        UNION ALL
        SELECT h.refresh_id, coalesce(h.unit_key, format('%I.%I', s.pgt_schema, s.pgt_name)),
               coalesce(h.unit_kind, 'SINGLETON'), h.status, 1, h.attempt, h.worker, h.tick_id,
               h.enqueued_at, coalesce(h.started_at, h.applied_at - h.duration_ms * interval '1 millisecond'),
               h.applied_at, h.duration_ms
          FROM pgtrickle.pgt_refresh_history h
          LEFT JOIN pgtrickle.pgt_stream_tables s ON s.pgt_id = h.pgt_id
         WHERE h.applied_at > clock_timestamp() - make_interval(secs => greatest(max_age_seconds, 0))
    ) j (job_id, unit_key, unit_kind, status, member_count, attempt_no, worker, tick_id, enqueued_at, started_at,
         finished_at, duration_ms)
     ORDER BY j.finished_at DESC NULLS FIRST, j.started_at DESC NULLS LAST, j.unit_key
$$;

COMMENT ON FUNCTION pgtrickle.parallel_job_status(integer) IS
    'Refresh jobs: units queued or running now in a live sink task (QUEUED, RUNNING), and ticks applied (COMPLETED) '
    'or failed (FAILED) in the last max_age_seconds, with their timings.';

-- One stream table's refresh history, newest first: applied ticks and failed attempts.
CREATE FUNCTION pgtrickle.get_refresh_history(name text, max_rows integer DEFAULT 20)
RETURNS TABLE (refresh_id bigint, tick_id bigint, action text, status text, rows_inserted bigint, rows_deleted bigint,
               duration_ms double precision, start_time timestamptz, end_time timestamptz, attempt integer,
               worker text, error_message text)
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
           h.attempt, h.worker, h.error_message
      FROM pgtrickle.pgt_refresh_history h
      JOIN pgtrickle.pgt_stream_tables s ON s.pgt_id = h.pgt_id
     WHERE h.pgt_id = v_id
     ORDER BY h.refresh_id DESC
     LIMIT greatest(coalesce(max_rows, 20), 0);
END $$;

COMMENT ON FUNCTION pgtrickle.get_refresh_history(text, integer) IS
    'The latest max_rows refreshes of one stream table, newest first: action (INITIALIZE, FULL, DIFFERENTIAL), '
    'status (COMPLETED, FAILED), rows changed, timings and, for a failed attempt, the error.';

-- Brings a SUSPENDED stream table back: the failure count starts again and it is filled anew from its
-- query, through the same path as pgtrickle.refresh_stream_table from ERROR (its content stopped at the
-- last tick applied before the failures, and the ticks skipped meanwhile are gone).
CREATE FUNCTION pgtrickle.resume_stream_table(name text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_id     bigint := pgtrickle._find_stream_table(name);
    v_status text;
BEGIN
    SELECT status INTO v_status FROM pgtrickle.pgt_stream_tables WHERE pgt_id = v_id FOR UPDATE;
    IF v_status <> 'SUSPENDED' THEN
        RAISE EXCEPTION 'stream table % is not suspended (status %)', name, v_status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only a SUSPENDED stream table is resumed; pgtrickle.refresh_stream_table fills any stream table anew.';
    END IF;
    UPDATE pgtrickle.pgt_stream_tables SET status = 'ERROR', consecutive_failures = 0 WHERE pgt_id = v_id;
    PERFORM pgtrickle.refresh_stream_table(name);
END $$;

COMMENT ON FUNCTION pgtrickle.resume_stream_table(text) IS
    'Resumes a stream table the sink SUSPENDED after repeated failures: it is filled anew at the next tick.';

-- ---------------------------------------------------------------------------------------------
-- One row per check: OK, WARN or ERROR, and what was found.
CREATE FUNCTION pgtrickle.health_check()
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

    -- ACTIVE stream tables whose data is much older than their schedule
    SELECT string_agg(format('%I.%I is %s behind', pgt_schema, pgt_name,
                             date_trunc('second', clock_timestamp() - data_timestamp)), '; ' ORDER BY pgt_schema, pgt_name)
      INTO v_list FROM pgtrickle.pgt_stream_tables
     WHERE status = 'ACTIVE' AND data_timestamp IS NOT NULL
       AND clock_timestamp() - data_timestamp > greatest(3 * schedule::interval, interval '30 seconds');
    check_name := 'stale_stream_tables';
    severity := CASE WHEN v_list IS NULL THEN 'OK' ELSE 'WARN' END;
    detail := coalesce(v_list, 'every ACTIVE stream table is within 3 schedules (at least 30 s) of now');
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
END $$;

COMMENT ON FUNCTION pgtrickle.health_check() IS
    'Checks of the whole pipeline, one row each (OK, WARN, ERROR): stream tables in ERROR or SUSPENDED, stale stream '
    'tables, the ticker, heartbeats of the streams app and the sink, the worker pool, the job queue, change buffers.';
