-- Inspection functions with pg_trickle's names and columns (dependency_tree, list_sources,
-- change_buffer_sizes, st_refresh_stats, get_staleness, the view pg_stat_stream_tables), and
-- verify_stream_table: the defining query evaluated at one tick's snapshot compared with the stream table
-- as of that tick. Like pgt_status(), the inspection functions run as the catalog's owner and show a stream
-- table only to a session user who may read it (or who is a member of the catalog's owner).

-- Whether the session user may see stream table p_relid in the inspection functions.
CREATE FUNCTION pgtrickle._visible(p_relid oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_has_role(session_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = 'pgtrickle.pgt_stream_tables'::regclass), 'USAGE')
        OR coalesce(has_table_privilege(session_user, p_relid, 'SELECT'), false)
$$;

-- The stream table p_name, refused like pg_trickle refuses it when the caller may not read it.
-- p_default_schema: the caller's current schema, read by a public wrapper before any SET search_path.
CREATE FUNCTION pgtrickle._find_visible(p_name text, p_default_schema text) RETURNS bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint := pgtrickle._find_stream_table(p_name, p_default_schema);
    v_st record;
BEGIN
    SELECT pgt_schema, pgt_name, pgt_relid INTO v_st FROM pgtrickle.pgt_stream_tables WHERE pgt_id = v_id;
    IF NOT pgtrickle._visible(v_st.pgt_relid) THEN
        RAISE EXCEPTION 'permission denied for stream table %.%', quote_ident(v_st.pgt_schema), quote_ident(v_st.pgt_name)
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Inspecting a stream table needs SELECT on it: ask its owner for GRANT SELECT.';
    END IF;
    RETURN v_id;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Every stream table as a tree, readers above what they read: roots are the stream tables no other
-- stream table reads; under each, the stream tables it reads (recursively) and its base tables ([src]).
-- A stream table read by two others appears under both (a diamond shows twice), as in pg_trickle.
CREATE FUNCTION pgtrickle.dependency_tree()
RETURNS TABLE (tree_line text, node text, node_type text, depth integer, status text, refresh_mode text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE sts AS (
        SELECT s.pgt_id, format('%I.%I', s.pgt_schema, s.pgt_name) AS name, s.status,
               coalesce(s.effective_mode, s.refresh_mode) AS mode
          FROM pgtrickle.pgt_stream_tables s WHERE pgtrickle._visible(s.pgt_relid)
    ), edges AS (
        -- children of a stream table: the stream tables and base tables it reads, in name order
        SELECT d.pgt_id AS parent, u.pgt_id AS child_id,
               coalesce(u.name, format('%I.%I', n.nspname::text, c.relname::text), d.source_relid::text) COLLATE "default" AS child,
               CASE WHEN u.pgt_id IS NULL THEN 'source_table' ELSE 'stream_table' END AS kind,
               u.status, u.mode
          FROM pgtrickle.pgt_dependencies d
          LEFT JOIN sts u ON u.pgt_id = d.upstream_id
          LEFT JOIN pg_class c ON c.oid = d.source_relid
          LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE d.upstream_id IS NULL OR u.pgt_id IS NOT NULL
    ), numbered AS (
        SELECT e.*, row_number() OVER (PARTITION BY e.parent ORDER BY e.child) AS pos,
               count(*) OVER (PARTITION BY e.parent) AS siblings
          FROM edges e
    ), tree AS (
        SELECT s.pgt_id AS id, s.name AS node, 'stream_table'::text AS kind, 0 AS depth, s.status, s.mode,
               s.name AS line, ''::text AS indent, ARRAY[row_number() OVER (ORDER BY s.name)] AS path,
               ARRAY[s.pgt_id] AS seen
          FROM sts s
         WHERE NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d JOIN sts r ON r.pgt_id = d.pgt_id
                            WHERE d.upstream_id = s.pgt_id)
        UNION ALL
        SELECT n.child_id, n.child, n.kind, t.depth + 1, n.status, n.mode,
               t.indent || CASE WHEN n.pos = n.siblings THEN '└── ' ELSE '├── ' END || n.child
                   || CASE WHEN n.kind = 'source_table' THEN ' [src]' ELSE '' END,
               t.indent || CASE WHEN n.pos = n.siblings THEN '    ' ELSE '│   ' END,
               t.path || n.pos, t.seen || n.child_id
          FROM tree t JOIN numbered n ON n.parent = t.id
         WHERE t.kind = 'stream_table' AND NOT (n.child_id IS NOT NULL AND n.child_id = ANY (t.seen))
    )
    SELECT line, node, kind, depth, status, mode FROM tree ORDER BY path
$$;

COMMENT ON FUNCTION pgtrickle.dependency_tree() IS
    'Stream table dependencies as an indented tree: roots are stream tables no other stream table reads, under '
    'each what it reads (stream tables recursively, base tables as [src] leaves), with status and the mode in effect.';

-- The tables one stream table reads: captured base tables (changes through triggers into a change
-- buffer) and upstream stream tables (followed through their delta topic; nothing is captured on them).
-- columns_used lists the columns its query reads, from PostgreSQL's own dependency tracking (the
-- dependency view the catalog keeps for each stream table).
CREATE FUNCTION pgtrickle._list_sources(v_id bigint)
RETURNS TABLE (source_table text, source_oid bigint, source_type text, cdc_mode text, columns_used text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT coalesce(format('%I.%I', n.nspname, c.relname), d.source_relid::text),
           d.source_relid::bigint,
           CASE WHEN d.upstream_id IS NULL THEN 'TABLE' ELSE 'STREAM_TABLE' END,
           CASE WHEN d.upstream_id IS NULL THEN 'trigger' ELSE 'delta_topic' END,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
              FROM pg_attribute a
             WHERE a.attrelid = d.source_relid AND a.attnum > 0 AND NOT a.attisdropped
               AND EXISTS (SELECT 1 FROM pg_depend p JOIN pg_rewrite r ON r.oid = p.objid
                            WHERE p.classid = 'pg_rewrite'::regclass AND r.ev_class = s.deps_view
                              AND p.refobjid = d.source_relid AND p.refobjsubid = a.attnum))
      FROM pgtrickle.pgt_dependencies d
      JOIN pgtrickle.pgt_stream_tables s ON s.pgt_id = d.pgt_id
      LEFT JOIN pg_class c ON c.oid = d.source_relid
      LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE d.pgt_id = v_id
     ORDER BY 1;
END $$;

-- The public functions that take a name run without SET search_path, so that an unqualified name means
-- the caller's current schema; they only call schema-qualified functions.
CREATE FUNCTION pgtrickle.list_sources(name text)
RETURNS TABLE (source_table text, source_oid bigint, source_type text, cdc_mode text, columns_used text)
LANGUAGE sql STABLE SECURITY DEFINER AS $$
    SELECT * FROM pgtrickle._list_sources(pgtrickle._find_visible(name, pg_catalog.current_schema()))
$$;

COMMENT ON FUNCTION pgtrickle.list_sources(text) IS
    'The tables a stream table reads: base tables (TABLE, captured by triggers) and stream tables (STREAM_TABLE, '
    'followed through their delta topic), with the columns its query uses.';

-- One row per (stream table, captured base table): the rows in the source's change buffer not yet known
-- to be in Kafka, and the buffer's size. A buffer is shared by every stream table over its source, so
-- the same figures appear once per stream table.
CREATE FUNCTION pgtrickle.change_buffer_sizes()
RETURNS TABLE (stream_table text, source_table text, source_oid bigint, cdc_mode text, pending_rows bigint,
               buffer_bytes bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('%I.%I', s.pgt_schema, s.pgt_name), b.source, src.source_relid::bigint, 'trigger',
           b.pending_rows, b.buffer_bytes
      FROM pgtrickle.pgt_stream_tables s
      JOIN pgtrickle.pgt_dependencies d ON d.pgt_id = s.pgt_id AND d.upstream_id IS NULL
      JOIN pgtrickle.pgt_sources src ON src.source_relid = d.source_relid
      JOIN pgtrickle.change_buffer_status() b ON b.source = format('%I.%I', src.source_schema, src.source_name)
     WHERE pgtrickle._visible(s.pgt_relid)
     ORDER BY 1, 2
$$;

COMMENT ON FUNCTION pgtrickle.change_buffer_sizes() IS
    'Per stream table and captured source: rows in the source''s change buffer not yet known to be in Kafka, and '
    'the buffer''s size in bytes (a buffer serves every stream table over its source).';

-- Per stream table: its refresh history aggregated. A refresh is one applied batch of ticks that changed
-- rows, or a fill (idle ticks leave no history row), or a failed attempt.
CREATE FUNCTION pgtrickle._refresh_stats()
RETURNS TABLE (pgt_id bigint, total_refreshes bigint, successful_refreshes bigint, failed_refreshes bigint,
               total_rows_inserted bigint, total_rows_deleted bigint, avg_duration_ms double precision,
               last_refresh_action text, last_refresh_status text, last_refresh_at timestamptz)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.pgt_id, coalesce(h.total, 0), coalesce(h.ok, 0), coalesce(h.failed, 0), coalesce(h.ins, 0),
           coalesce(h.del, 0), h.avg_ms,
           CASE WHEN l.refresh_id IS NULL THEN NULL
                WHEN NOT l.initial THEN 'DIFFERENTIAL'
                WHEN s.effective_mode = 'FULL' THEN 'FULL'
                ELSE 'INITIALIZE' END,
           l.status, l.applied_at
      FROM pgtrickle.pgt_stream_tables s
      LEFT JOIN LATERAL (SELECT count(*) AS total, count(*) FILTER (WHERE r.status = 'COMPLETED') AS ok,
                                count(*) FILTER (WHERE r.status = 'FAILED') AS failed,
                                sum(r.rows_inserted)::bigint AS ins, sum(r.rows_deleted)::bigint AS del,
                                avg(r.duration_ms)::double precision AS avg_ms
                           FROM pgtrickle.pgt_refresh_history r WHERE r.pgt_id = s.pgt_id) h ON true
      LEFT JOIN LATERAL (SELECT r.refresh_id, r.initial, r.status, r.applied_at FROM pgtrickle.pgt_refresh_history r
                          WHERE r.pgt_id = s.pgt_id ORDER BY r.refresh_id DESC LIMIT 1) l ON true
$$;

CREATE FUNCTION pgtrickle.st_refresh_stats()
RETURNS TABLE (pgt_name text, pgt_schema text, status text, refresh_mode text, is_populated boolean,
               total_refreshes bigint, successful_refreshes bigint, failed_refreshes bigint,
               total_rows_inserted bigint, total_rows_deleted bigint, avg_duration_ms double precision,
               last_refresh_action text, last_refresh_status text, last_refresh_at timestamptz,
               staleness_secs double precision, stale boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.pgt_name, s.pgt_schema, s.status, coalesce(s.effective_mode, s.refresh_mode), s.last_tick IS NOT NULL,
           h.total_refreshes, h.successful_refreshes, h.failed_refreshes, h.total_rows_inserted, h.total_rows_deleted,
           h.avg_duration_ms, h.last_refresh_action, h.last_refresh_status, h.last_refresh_at,
           extract(epoch FROM clock_timestamp() - s.data_timestamp)::double precision,
           -- stale exactly when pgt_status() says STALE (its rule, which follows the schedule)
           coalesce(p.status = 'STALE', false)
      FROM pgtrickle.pgt_stream_tables s
      JOIN pgtrickle._refresh_stats() h ON h.pgt_id = s.pgt_id
      LEFT JOIN pgtrickle.pgt_status() p ON p.name = format('%I.%I', s.pgt_schema, s.pgt_name)
     WHERE pgtrickle._visible(s.pgt_relid)
     ORDER BY s.pgt_schema, s.pgt_name
$$;

COMMENT ON FUNCTION pgtrickle.st_refresh_stats() IS
    'Per stream table: refreshes (total, successful, failed), rows inserted and deleted, average duration, the last '
    'refresh, and staleness: seconds since the snapshot of the tick it shows, stale as pgt_status() judges it.';

-- Seconds since the snapshot of the tick the stream table shows (NULL before its first tick). This is
-- the age of its data: the sink stamps each applied tick with the time its snapshot was taken.
CREATE FUNCTION pgtrickle._staleness(p_id bigint) RETURNS double precision
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT extract(epoch FROM clock_timestamp() - s.data_timestamp)::double precision
      FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_id = p_id
$$;

CREATE FUNCTION pgtrickle.get_staleness(name text) RETURNS double precision
LANGUAGE sql STABLE SECURITY DEFINER AS $$
    SELECT pgtrickle._staleness(pgtrickle._find_visible(name, pg_catalog.current_schema()))
$$;

COMMENT ON FUNCTION pgtrickle.get_staleness(text) IS
    'Seconds since the snapshot of the tick the stream table shows; NULL before its first tick.';

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
-- verify_stream_table: does the stream table equal its query? The answer is for one tick N: the query
-- evaluated at tick N's snapshot, compared with the stream table as the sink leaves it after applying N.
--
--  1. The caller's function takes a transaction-level shared advisory lock (key 1885828214, pgt_id),
--     which every session sees in pg_locks at once, before anything commits, and which ends with the
--     caller's transaction however it ends (no request outlives a cancelled call).
--  2. The source connector, reading tick N in its REPEATABLE READ transaction, sees the request, runs the
--     defining query there (as for FULL mode: the owner's role, read-only, the stored search path) and
--     copies the result into pgtrickle_verify.v_<id> with a PENDING row in pgt_verifications, committed
--     before the tick's last record leaves the connector (so before the sink can apply tick N).
--  3. The sink, in the transaction that applies a batch ending at tick N, compares the stream table with
--     the result (EXCEPT ALL both ways) and stores the verdict; a batch that runs past N is written in two
--     parts in that transaction, compared in between. A stream table already past N (it skipped the tick)
--     marks the verification MISSED, and the next tick makes a new one.
--  4. The function waits (bounded) for a verdict made after its call, and returns it.
-- Nothing here takes a lock on the sources or on the stream table beyond what reading them takes.

CREATE SCHEMA IF NOT EXISTS pgtrickle_verify;
REVOKE ALL ON SCHEMA pgtrickle_verify FROM PUBLIC;

CREATE TABLE pgtrickle.pgt_verifications (
    verification_id bigserial   PRIMARY KEY,
    pgt_id          bigint      NOT NULL REFERENCES pgtrickle.pgt_stream_tables ON DELETE CASCADE,
    tick_id         bigint      NOT NULL,
    snapshot        text        NOT NULL,
    status          text        NOT NULL DEFAULT 'PENDING'
                    CHECK (status IN ('PENDING', 'EQUAL', 'DIFFERENT', 'MISSED', 'FAILED')),
    result_table    text,
    expected_rows   bigint,
    actual_rows     bigint,
    missing_rows    bigint,
    extra_rows      bigint,
    missing_sample  jsonb,
    extra_sample    jsonb,
    error_message   text,
    requested_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    verified_at     timestamptz
);
CREATE INDEX ON pgtrickle.pgt_verifications (pgt_id) WHERE status = 'PENDING';
CREATE INDEX ON pgtrickle.pgt_verifications (pgt_id, requested_at);
REVOKE ALL ON pgtrickle.pgt_verifications FROM PUBLIC;

COMMENT ON TABLE pgtrickle.pgt_verifications IS
    'Verdicts of pgtrickle.verify_stream_table: the tick verified, EQUAL or DIFFERENT with the rows the stream '
    'table misses (missing_*) and holds in excess (extra_*), MISSED (the stream table had passed the tick; retried), FAILED.';

-- The advisory lock key under which verify_stream_table asks for a verification (pg_locks.classid).
CREATE FUNCTION pgtrickle._verify_lock_key() RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT 1885828214 $$;

-- Called by the source connector at tick p_tick for a requested stream table: records the verification
-- and creates its result table (the storage table's columns and types), all in the caller's transaction,
-- which then COPYs the query's result into it. No row when a verification of the stream table is already
-- pending; a FAILED one when the stream table cannot be verified now.
CREATE FUNCTION pgtrickle._verify_begin(p_pgt_id bigint, p_tick bigint, p_snapshot text)
RETURNS TABLE (verification_id bigint, result_table text, owner text, query text, search_path text[])
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_st  record;
    v_id  bigint;
    v_tab text;
    v_old text;
BEGIN
    -- result tables whose verification is gone (its stream table was dropped while it was pending)
    FOR v_old IN
        SELECT format('pgtrickle_verify.%I', c.relname) FROM pg_class c
         WHERE c.relnamespace = 'pgtrickle_verify'::regnamespace AND c.relkind = 'r'
           AND NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_verifications v
                            WHERE v.result_table = format('pgtrickle_verify.%I', c.relname))
    LOOP
        EXECUTE format('DROP TABLE IF EXISTS %s', v_old);
    END LOOP;
    SELECT s.*, c.relowner::regrole::text AS owner_name INTO v_st
      FROM pgtrickle.pgt_stream_tables s LEFT JOIN pg_class c ON c.oid = s.pgt_relid WHERE s.pgt_id = p_pgt_id;
    IF NOT FOUND OR EXISTS (SELECT 1 FROM pgtrickle.pgt_verifications v WHERE v.pgt_id = p_pgt_id AND v.status = 'PENDING') THEN
        RETURN;
    END IF;
    IF v_st.status <> 'ACTIVE' OR v_st.owner_name IS NULL THEN
        INSERT INTO pgtrickle.pgt_verifications (pgt_id, tick_id, snapshot, status, error_message, verified_at)
        VALUES (p_pgt_id, p_tick, p_snapshot, 'FAILED',
                format('stream table %I.%I is %s: only an ACTIVE stream table is verified', v_st.pgt_schema,
                       v_st.pgt_name, coalesce(v_st.status, 'gone')), clock_timestamp());
        RETURN;
    END IF;
    INSERT INTO pgtrickle.pgt_verifications (pgt_id, tick_id, snapshot) VALUES (p_pgt_id, p_tick, p_snapshot)
    RETURNING pgt_verifications.verification_id INTO v_id;
    v_tab := format('pgtrickle_verify.%I', 'v_' || v_id);
    EXECUTE format('CREATE UNLOGGED TABLE %s AS SELECT * FROM %s WITH NO DATA', v_tab, v_st.pgt_relid::regclass);
    UPDATE pgtrickle.pgt_verifications v SET result_table = v_tab WHERE v.verification_id = v_id;
    RETURN QUERY SELECT v_id, v_tab, v_st.owner_name, v_st.defining_query, v_st.search_path;
END $$;

-- The source connector could not evaluate the query (its own error, e.g. division by zero).
CREATE FUNCTION pgtrickle._verify_failed(p_pgt_id bigint, p_tick bigint, p_snapshot text, p_message text) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO pgtrickle.pgt_verifications (pgt_id, tick_id, snapshot, status, error_message, verified_at)
    SELECT p_pgt_id, p_tick, p_snapshot, 'FAILED', p_message, clock_timestamp()
     WHERE EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables WHERE pgt_id = p_pgt_id)
$$;

-- Called by the sink in the transaction that applies a batch of ticks ending at p_tick to stream table
-- p_pgt_id, after the data and the progress row: compares a pending verification of tick p_tick. Cheap
-- when nothing is pending (one index probe). A failure of the comparison is recorded, never raised:
-- the apply goes on.
CREATE FUNCTION pgtrickle._verify_at_apply(p_pgt_id bigint, p_tick bigint) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v    record;
    v_st regclass;
    v_cols text;
    v_r  record;
BEGIN
    SELECT * INTO v FROM pgtrickle.pgt_verifications
     WHERE pgt_id = p_pgt_id AND status = 'PENDING' AND tick_id <= p_tick ORDER BY verification_id LIMIT 1;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF v.tick_id < p_tick OR v.snapshot IS DISTINCT FROM (SELECT t.snapshot::text FROM pgtrickle.pgt_ticks t WHERE t.tick_id = p_tick) THEN
        -- the stream table went past the tick in one batch (or the tick was taken again with another snapshot)
        UPDATE pgtrickle.pgt_verifications SET status = 'MISSED', verified_at = clock_timestamp(),
               error_message = format('tick %s was not applied on its own (applied up to tick %s)', v.tick_id, p_tick)
         WHERE verification_id = v.verification_id;
        EXECUTE format('DROP TABLE IF EXISTS %s', v.result_table);
        RETURN;
    END IF;
    BEGIN
        SELECT pgt_relid::regclass INTO v_st FROM pgtrickle.pgt_stream_tables WHERE pgt_id = p_pgt_id;
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO v_cols
          FROM pg_attribute a WHERE a.attrelid = v_st AND a.attnum > 0 AND NOT a.attisdropped;
        EXECUTE format('WITH q AS MATERIALIZED (SELECT %1$s FROM %2$s), t AS MATERIALIZED (SELECT %1$s FROM %3$s), '
                       'm AS MATERIALIZED (SELECT * FROM q EXCEPT ALL SELECT * FROM t), '
                       'x AS MATERIALIZED (SELECT * FROM t EXCEPT ALL SELECT * FROM q) '
                       'SELECT (SELECT count(*) FROM q) AS expected, (SELECT count(*) FROM t) AS actual, '
                       '(SELECT count(*) FROM m) AS missing, (SELECT count(*) FROM x) AS extra, '
                       '(SELECT jsonb_agg(to_jsonb(s)) FROM (SELECT * FROM m LIMIT 10) s) AS missing_sample, '
                       '(SELECT jsonb_agg(to_jsonb(s)) FROM (SELECT * FROM x LIMIT 10) s) AS extra_sample',
                       v_cols, v.result_table, v_st) INTO v_r;
        UPDATE pgtrickle.pgt_verifications
           SET status = CASE WHEN v_r.missing = 0 AND v_r.extra = 0 THEN 'EQUAL' ELSE 'DIFFERENT' END,
               expected_rows = v_r.expected, actual_rows = v_r.actual, missing_rows = v_r.missing,
               extra_rows = v_r.extra, missing_sample = v_r.missing_sample, extra_sample = v_r.extra_sample,
               verified_at = clock_timestamp()
         WHERE verification_id = v.verification_id;
    EXCEPTION WHEN OTHERS THEN
        UPDATE pgtrickle.pgt_verifications SET status = 'FAILED', verified_at = clock_timestamp(),
               error_message = 'comparing failed: ' || SQLERRM
         WHERE verification_id = v.verification_id;
    END;
    EXECUTE format('DROP TABLE IF EXISTS %s', v.result_table);
END $$;

CREATE FUNCTION pgtrickle._verify(v_id bigint, timeout_seconds integer)
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
                      HINT = 'The source connector evaluates the query at the next tick and the sink compares when it '
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

CREATE FUNCTION pgtrickle.verify_stream_table(name text, timeout_seconds integer DEFAULT 60)
RETURNS TABLE (stream_table text, tick_id bigint, equal boolean, expected_rows bigint, actual_rows bigint,
               missing_rows bigint, extra_rows bigint, missing_sample jsonb, extra_sample jsonb,
               verification_id bigint, verified_at timestamptz)
LANGUAGE sql VOLATILE SECURITY DEFINER AS $$
    SELECT * FROM pgtrickle._verify(pgtrickle._find_visible(name, pg_catalog.current_schema()), timeout_seconds)
$$;

COMMENT ON FUNCTION pgtrickle.verify_stream_table(text, integer) IS
    'Whether the stream table equals its query at one tick: the query evaluated at tick N''s snapshot by the source '
    'connector, compared with the stream table by the sink when it applies tick N; counts and samples (up to 10) of '
    'missing and extra rows. Waits up to timeout_seconds; reports, never repairs (pgtrickle.refresh_stream_table does).';

SELECT pgtrickle._revoke_internal_execute();
