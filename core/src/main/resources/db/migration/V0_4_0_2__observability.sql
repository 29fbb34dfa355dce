-- Observability of the tick pipeline from SQL: the current tick and its age, how far each stream
-- table is behind, what waits in each change buffer, and the open transactions whose changes will
-- land in a later tick. Read-only functions over the catalog and PostgreSQL's own views; nothing
-- here is used by the connectors or the streams app.

-- A 32-bit xid as pg_stat_activity, pg_locks and pg_prepared_xacts show it, widened to the xid8 of
-- the change buffers (the epoch is the current one, or the one before for an xid above the counter).
CREATE FUNCTION pgtrickle._xid8(p_xid xid) RETURNS xid8
LANGUAGE sql STABLE AS $$
    SELECT CASE
             WHEN p_xid IS NULL THEN NULL
             WHEN x <= (cur & 4294967295) OR cur < 4294967296 THEN ((cur & ~(4294967295::bigint)) | x)::text::xid8
             ELSE (((cur & ~(4294967295::bigint)) - 4294967296) | x)::text::xid8
           END
      FROM (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS cur,
                   p_xid::text::bigint AS x) v
$$;

-- The newest tick: its number, when it was taken and how long ago, the changes it carried, and how
-- many transactions were still open in its snapshot (their changes land in later ticks).
CREATE FUNCTION pgtrickle.tick_status()
RETURNS TABLE (current_tick bigint, taken_at timestamptz, age interval, rows_captured bigint,
               open_in_snapshot integer, ticks_last_minute bigint, oldest_tick_kept bigint)
LANGUAGE sql STABLE AS $$
    SELECT t.tick_id, t.created_at, clock_timestamp() - t.created_at, t.rows_captured,
           CASE WHEN t.tick_id IS NOT NULL THEN (SELECT count(*)::int FROM pg_snapshot_xip(t.snapshot)) END,
           (SELECT count(*) FROM pgtrickle.pgt_ticks m WHERE m.created_at > clock_timestamp() - interval '1 minute'),
           (SELECT min(tick_id) FROM pgtrickle.pgt_ticks)
      FROM (SELECT 1) one
      LEFT JOIN LATERAL (SELECT * FROM pgtrickle.pgt_ticks ORDER BY tick_id DESC LIMIT 1) t ON true
$$;

COMMENT ON FUNCTION pgtrickle.tick_status() IS
    'The newest tick (a database-wide snapshot taken by the source connector), its age, the change rows it carried '
    'and the transactions still open in its snapshot. No row values (NULLs) before the first tick.';

-- Per stream table: the tick it shows, how many ticks it is behind the newest one, and how old its
-- data is. A stream table shows its query at exactly one tick (last_tick); lag_seconds is the time
-- since that tick's snapshot was taken.
CREATE FUNCTION pgtrickle.stream_table_lag()
RETURNS TABLE (name text, status text, last_tick bigint, current_tick bigint, lag_ticks bigint,
               data_timestamp timestamptz, lag_seconds double precision, last_applied_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT format('%I.%I', s.pgt_schema, s.pgt_name), s.status, s.last_tick, c.tick_id,
           c.tick_id - s.last_tick,
           s.data_timestamp,
           extract(epoch FROM clock_timestamp() - s.data_timestamp)::double precision,
           p.updated_at
      FROM pgtrickle.pgt_stream_tables s
      LEFT JOIN pgtrickle.pgt_sink_progress p ON p.pgt_id = s.pgt_id
      LEFT JOIN LATERAL (SELECT max(tick_id) AS tick_id FROM pgtrickle.pgt_ticks) c ON true
     ORDER BY s.pgt_schema, s.pgt_name
$$;

COMMENT ON FUNCTION pgtrickle.stream_table_lag() IS
    'Per stream table: the tick it shows, the newest tick, the ticks it has not applied yet, and the age of its data '
    'in seconds (time since the snapshot of the tick it shows).';

-- Open transactions that wrote to a change buffer: in progress, or prepared (two-phase) and not yet
-- committed. Their buffer rows are invisible until they commit, so they are in no tick yet; they
-- land in the first tick taken after their commit, however many ticks that is (nothing is lost).
-- A writer holds a RowExclusiveLock on the buffer until its transaction ends; the source
-- connector's own cleanup sessions are left out. Roles without pg_read_all_stats see other users'
-- sessions without xid and start time.
CREATE FUNCTION pgtrickle.open_transactions()
RETURNS TABLE (pid integer, xid xid8, gid text, state text, started_at timestamptz, age interval,
               sources text[], ticks_open bigint, note text)
LANGUAGE sql STABLE AS $$
    WITH buffers AS (
        SELECT to_regclass(format('pgtrickle_changes.%I', s.buffer_table)) AS buf,
               format('%I.%I', s.source_schema, s.source_name) AS source
          FROM pgtrickle.pgt_sources s
    ), writers AS (
        SELECT l.pid, l.virtualtransaction, array_agg(DISTINCT b.source ORDER BY b.source) AS sources
          FROM pg_locks l
          JOIN buffers b ON b.buf IS NOT NULL AND l.relation = b.buf
         WHERE l.locktype = 'relation' AND l.mode = 'RowExclusiveLock' AND l.granted
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         GROUP BY l.pid, l.virtualtransaction
    ), open AS (
        SELECT w.pid, pgtrickle._xid8(a.backend_xid) AS xid, NULL::text AS gid, a.state, a.xact_start AS started_at,
               w.sources
          FROM writers w JOIN pg_stat_activity a ON a.pid = w.pid
         WHERE w.pid IS NOT NULL AND coalesce(a.application_name, '') NOT LIKE 'trickle-source%'
        UNION ALL
        -- a prepared transaction's locks have no pid; its xid is the transactionid lock of the same owner
        SELECT NULL, pgtrickle._xid8(p.transaction), p.gid, 'prepared', p.prepared, w.sources
          FROM writers w
          JOIN pg_locks x ON x.locktype = 'transactionid' AND x.pid IS NULL
                         AND x.virtualtransaction = w.virtualtransaction
          JOIN pg_prepared_xacts p ON p.transaction = x.transactionid
         WHERE w.pid IS NULL AND p.database = current_database()
    )
    SELECT o.pid, o.xid, o.gid, o.state, o.started_at, clock_timestamp() - o.started_at, o.sources, k.ticks,
           CASE WHEN o.gid IS NOT NULL
                THEN format('prepared transaction %L, open for %s tick(s): its changes land in the first tick taken '
                            'after COMMIT PREPARED (none after ROLLBACK PREPARED)', o.gid, k.ticks)
                ELSE format('open for %s tick(s): its changes land in the first tick taken after it commits '
                            '(none if it rolls back)', k.ticks)
           END
      FROM open o
      LEFT JOIN LATERAL (SELECT count(*) AS ticks FROM pgtrickle.pgt_ticks t
                          WHERE o.xid IS NOT NULL AND o.xid < pg_snapshot_xmax(t.snapshot)
                            AND NOT pg_visible_in_snapshot(o.xid, t.snapshot)) k ON true
     ORDER BY o.xid NULLS LAST, o.started_at
$$;

COMMENT ON FUNCTION pgtrickle.open_transactions() IS
    'Open (in progress or prepared) transactions that wrote to a change buffer, oldest first: they are in no tick yet '
    'and land in the first tick taken after they commit. ticks_open counts the kept ticks taken while they were open.';

CREATE FUNCTION pgtrickle.oldest_open_transaction()
RETURNS TABLE (pid integer, xid xid8, gid text, state text, started_at timestamptz, age interval,
               sources text[], ticks_open bigint, note text)
LANGUAGE sql STABLE AS $$
    SELECT * FROM pgtrickle.open_transactions() LIMIT 1
$$;

COMMENT ON FUNCTION pgtrickle.oldest_open_transaction() IS
    'The oldest open transaction that wrote to a change buffer (no row when there is none): its changes, and those '
    'of every later transaction, are complete in a tick only after it ends.';

-- Per captured source: the rows in its change buffer. A buffer row stays until the tick that carries
-- it is committed to Kafka (the source connector then deletes it), so pending_rows are the rows not
-- yet known to be in Kafka: those carried by a tick already taken (in_taken_ticks, normally cleaned
-- at the next tick), and those committed since the newest tick's snapshot (awaiting_tick, carried by
-- the next tick). Rows of open transactions are invisible until they commit; open_transactions counts
-- those transactions. Counting reads the whole buffer.
CREATE FUNCTION pgtrickle.change_buffer_status()
RETURNS TABLE (source text, buffer_table text, pending_rows bigint, in_taken_ticks bigint, awaiting_tick bigint,
               open_transactions integer, oldest_open_age interval, buffer_bytes bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_src      record;
    v_snapshot pg_snapshot;
    v_open     record;
BEGIN
    SELECT t.snapshot INTO v_snapshot FROM pgtrickle.pgt_ticks t ORDER BY t.tick_id DESC LIMIT 1;
    FOR v_src IN
        SELECT s.source_schema, s.source_name, s.buffer_table,
               to_regclass(format('pgtrickle_changes.%I', s.buffer_table)) AS buf
          FROM pgtrickle.pgt_sources s
         ORDER BY s.source_schema, s.source_name
    LOOP
        CONTINUE WHEN v_src.buf IS NULL;
        source := format('%I.%I', v_src.source_schema, v_src.source_name);
        buffer_table := format('pgtrickle_changes.%I', v_src.buffer_table);
        BEGIN
            IF v_snapshot IS NULL THEN
                EXECUTE format('SELECT count(*), 0::bigint, count(*) FROM %s', v_src.buf)
                   INTO pending_rows, in_taken_ticks, awaiting_tick;
            ELSE
                EXECUTE format('SELECT count(*), '
                               'count(*) FILTER (WHERE xid < pg_snapshot_xmax($1) AND pg_visible_in_snapshot(xid, $1)), '
                               'count(*) FILTER (WHERE NOT (xid < pg_snapshot_xmax($1) AND pg_visible_in_snapshot(xid, $1))) '
                               'FROM %s', v_src.buf)
                   INTO pending_rows, in_taken_ticks, awaiting_tick USING v_snapshot;
            END IF;
            buffer_bytes := pg_total_relation_size(v_src.buf);
        EXCEPTION WHEN undefined_table THEN
            CONTINUE; -- dropped meanwhile (its stream tables were dropped)
        END;
        SELECT count(*)::int AS n, max(o.age) AS age INTO v_open
          FROM pgtrickle.open_transactions() o WHERE source = ANY (o.sources);
        open_transactions := v_open.n;
        oldest_open_age := v_open.age;
        RETURN NEXT;
    END LOOP;
END $$;

COMMENT ON FUNCTION pgtrickle.change_buffer_status() IS
    'Per captured source: rows in its change buffer not yet known to be in Kafka (carried by a tick already taken, '
    'or awaiting the next tick), the open transactions that wrote to it, and the buffer''s size on disk.';
