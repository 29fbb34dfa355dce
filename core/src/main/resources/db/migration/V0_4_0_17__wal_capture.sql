-- WAL capture (issue 11, part 1): a source may be captured from the write-ahead log instead of by triggers.
--
-- pgt_sources.cdc_mode says how each source is captured: 'trigger' (capture triggers fill its buffer in the
-- writer's transaction) or 'wal' (no trigger: the source connector decodes the table's changes from one
-- logical replication slot through the publication pgtrickle_wal, and writes them into the same buffer with
-- the writer's transaction id). Ticks do not change: a buffer row belongs to the first tick whose snapshot
-- sees its xid, whoever wrote it. A WAL-captured table gets REPLICA IDENTITY FULL: an UPDATE is -old/+new
-- and a DELETE is -old, which needs the whole old row in the log.
--
-- The mode of a new source: create_stream_table(..., cdc_mode => 'trigger' | 'wal' | 'auto'), else the
-- setting pgtrickle.cdc_mode (pg_trickle's pg_trickle.cdc_mode), else the source connector's cdc.mode
-- (which the connector records in pgt_cdc_settings when it starts), else 'trigger'. A source keeps the mode
-- it was first captured in (switching a captured source is not supported yet).

ALTER TABLE pgtrickle.pgt_sources
    ADD COLUMN cdc_mode text NOT NULL DEFAULT 'trigger' CHECK (cdc_mode IN ('trigger', 'wal'));

-- What the source connector found when it started: its cdc.mode and whether WAL capture can work here.
CREATE TABLE pgtrickle.pgt_cdc_settings (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    cdc_mode     text NOT NULL CHECK (cdc_mode IN ('trigger', 'wal', 'auto')),
    wal_possible boolean NOT NULL,
    wal_problem  text,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- How far the connector's decoder has written decoded transactions into the buffers (written in the same
-- transaction as the rows, so that a transaction decoded again after a crash is recognised and skipped).
CREATE TABLE pgtrickle.pgt_wal_progress (
    slot_name   text PRIMARY KEY,
    applied_lsn pg_lsn NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The capture mode of a new source: p_value ('' and NULL: not given) checked and resolved ('auto' becomes
-- 'wal' or 'trigger').
CREATE FUNCTION pgtrickle._cdc_mode(p_value text DEFAULT current_setting('pgtrickle.cdc_mode', true))
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_mode     text := lower(btrim(coalesce(p_value, '')));
    v_settings pgtrickle.pgt_cdc_settings;
BEGIN
    SELECT * INTO v_settings FROM pgtrickle.pgt_cdc_settings;
    IF v_mode = '' THEN
        v_mode := coalesce(v_settings.cdc_mode, 'trigger');
    END IF;
    IF v_mode NOT IN ('trigger', 'wal', 'auto') THEN
        RAISE EXCEPTION 'invalid cdc_mode %', quote_literal(p_value)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ''trigger'', ''wal'' or ''auto'' (WAL capture where the server allows it, else triggers).';
    END IF;
    IF v_mode = 'trigger' THEN
        RETURN v_mode;
    END IF;
    IF current_setting('wal_level') <> 'logical' THEN
        IF v_mode = 'auto' THEN
            RAISE WARNING 'changes are captured by triggers, not from the WAL: wal_level is %, WAL capture needs logical',
                    current_setting('wal_level')
                USING HINT = 'Set wal_level = logical in postgresql.conf and restart PostgreSQL to capture new sources '
                             'from the WAL, at no cost to the writers.';
            RETURN 'trigger';
        END IF;
        RAISE EXCEPTION 'cdc_mode ''wal'' needs wal_level = logical; this server has wal_level = %', current_setting('wal_level')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Set wal_level = logical in postgresql.conf and restart PostgreSQL, or use cdc_mode => ''trigger''.';
    END IF;
    IF v_settings.wal_possible IS DISTINCT FROM true THEN
        IF v_mode = 'auto' THEN
            RAISE WARNING 'changes are captured by triggers, not from the WAL: %',
                    coalesce(v_settings.wal_problem, 'no Trickle source connector has started on this database yet')
                USING HINT = 'Give the source connector''s role the REPLICATION attribute (ALTER ROLE ... REPLICATION) '
                             'and restart it to capture new sources from the WAL.';
            RETURN 'trigger';
        END IF;
        IF v_settings.wal_problem IS NOT NULL THEN
            RAISE WARNING 'this source is captured from the WAL, but the source connector reported: %', v_settings.wal_problem
                USING HINT = 'Its changes wait in the WAL until the connector can read them.';
        END IF;
    END IF;
    RETURN 'wal';
END $$;

-- The publication WAL capture reads: the table joins it. The caller holds the table's SHARE ROW EXCLUSIVE
-- lock, so that every write not yet committed when the capture starts waits for it (as CREATE TRIGGER does).
CREATE FUNCTION pgtrickle._wal_publish(p_relid oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF (SELECT relkind FROM pg_class WHERE oid = p_relid) <> 'r' THEN
        RAISE EXCEPTION '% cannot be captured from the WAL: only plain tables can (not partitioned tables, views or foreign tables)',
                p_relid::regclass
            USING ERRCODE = 'feature_not_supported', HINT = 'Capture it with cdc_mode => ''trigger''.';
    END IF;
    EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', p_relid::regclass);
    IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'pgtrickle_wal') THEN
        EXECUTE format('CREATE PUBLICATION pgtrickle_wal FOR TABLE %s', p_relid::regclass);
    ELSIF NOT EXISTS (SELECT 1 FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
                       WHERE p.pubname = 'pgtrickle_wal' AND pr.prrelid = p_relid) THEN
        EXECUTE format('ALTER PUBLICATION pgtrickle_wal ADD TABLE %s', p_relid::regclass);
    END IF;
END $$;

-- As in 0.4.0.14, with the capture mode: a WAL-captured source has no trigger.
DROP FUNCTION pgtrickle._install_capture(oid, text);
CREATE FUNCTION pgtrickle._install_capture(p_relid oid, p_mode text DEFAULT 'statement') RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_buf  text := 'changes_' || p_relid;
    v_mode text := pgtrickle._cdc_trigger_mode(p_mode);
    v_cdc  text;
    v_keys text[];
    v_cols record;
    v_has  text;
BEGIN
    SELECT cdc_mode INTO v_has FROM pgtrickle.pgt_sources WHERE source_relid = p_relid;
    IF v_has IS NOT NULL THEN
        IF nullif(btrim(coalesce(current_setting('pgtrickle.cdc_mode', true), '')), '') IS NOT NULL
           AND lower(btrim(current_setting('pgtrickle.cdc_mode', true))) NOT IN (v_has, 'auto') THEN
            RAISE WARNING 'source table % stays captured by %: it is already a source of other stream tables', p_relid::regclass,
                    CASE v_has WHEN 'wal' THEN 'the WAL' ELSE 'triggers' END
                USING HINT = 'A source is captured one way for all its stream tables; switching a captured source is not supported yet.';
        END IF;
        RETURN;
    END IF;
    v_cdc := pgtrickle._cdc_mode();
    PERFORM pgtrickle._check_capture_names(p_relid);
    SELECT coalesce(array_agg(a.attname::text ORDER BY k.ord), '{}')
      INTO v_keys
      FROM pg_index i
      CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
     WHERE i.indrelid = p_relid AND i.indisprimary;
    IF cardinality(v_keys) = 0 THEN
        RAISE WARNING 'source table % has no primary key', p_relid::regclass
            USING DETAIL = 'Its changes are captured as whole rows; duplicate rows keep exact multiset semantics.',
                  HINT = 'A primary key spreads its changes evenly over the change topic''s partitions.';
    END IF;
    PERFORM pgtrickle._create_buffer(p_relid, v_buf);
    v_cols := pgtrickle._source_columns(p_relid);
    INSERT INTO pgtrickle.pgt_sources (source_relid, source_schema, source_name, buffer_table,
                                       has_primary_key, key_columns, capture_columns, capture_attnums, trigger_mode,
                                       cdc_mode)
    SELECT p_relid, n.nspname, c.relname, v_buf, cardinality(v_keys) > 0, v_keys, v_cols.names, v_cols.attnums, v_mode,
           v_cdc
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = p_relid;
    IF v_cdc = 'wal' THEN
        EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', p_relid::regclass);
        PERFORM pgtrickle._wal_publish(p_relid);
    ELSE
        PERFORM pgtrickle._create_capture_triggers(p_relid, v_mode);
    END IF;
END $$;

-- As in 0.4.0.7, and a WAL-captured source leaves the publication (which goes once it is empty).
CREATE OR REPLACE FUNCTION pgtrickle._remove_capture(p_relid oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_buf text;
    v_trg text;
BEGIN
    SELECT buffer_table INTO v_buf FROM pgtrickle.pgt_sources WHERE source_relid = p_relid;
    IF v_buf IS NULL THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_class WHERE oid = p_relid) THEN
        FOR v_trg IN SELECT tgname FROM pg_trigger WHERE tgrelid = p_relid AND tgname LIKE 'pgt\_cdc\_%' LOOP
            EXECUTE format('DROP TRIGGER %I ON %s', v_trg, p_relid::regclass);
        END LOOP;
        IF EXISTS (SELECT 1 FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
                    WHERE p.pubname = 'pgtrickle_wal' AND pr.prrelid = p_relid) THEN
            EXECUTE format('ALTER PUBLICATION pgtrickle_wal DROP TABLE %s', p_relid::regclass);
        END IF;
    END IF;
    DELETE FROM pgtrickle.pgt_sources WHERE source_relid = p_relid;
    EXECUTE format('DROP TABLE IF EXISTS pgtrickle_changes.%I', v_buf);
    IF EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'pgtrickle_wal')
       AND NOT EXISTS (SELECT 1 FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
                        WHERE p.pubname = 'pgtrickle_wal') THEN
        -- the slot goes too: the source connector drops it once no source is captured from the WAL
        DROP PUBLICATION pgtrickle_wal;
    END IF;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Trigger rebuilds and the trigger inventory concern trigger-captured sources only (as in 0.4.0.14).
CREATE OR REPLACE FUNCTION pgtrickle.rebuild_cdc_triggers()
RETURNS TABLE (source text, previous_mode text, trigger_mode text, rebuilt boolean)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_mode   text := pgtrickle._cdc_trigger_mode();
    v_relids oid[];
    v_src    record;
BEGIN
    -- only the sources not already intact in the wanted form are locked and touched
    SELECT coalesce(array_agg(s.source_relid ORDER BY s.source_relid), '{}') INTO v_relids
      FROM pgtrickle.pgt_sources s JOIN pg_class c ON c.oid = s.source_relid
     WHERE s.cdc_mode = 'trigger' AND NOT pgtrickle._capture_intact(s.source_relid, v_mode);
    PERFORM pgtrickle._lock_sources(v_relids);
    FOR v_src IN SELECT s.source_relid, s.source_schema, s.source_name, s.trigger_mode
                   FROM pgtrickle.pgt_sources s JOIN pg_class c ON c.oid = s.source_relid
                  WHERE s.cdc_mode = 'trigger'
                  ORDER BY s.source_schema, s.source_name LOOP
        source := format('%I.%I', v_src.source_schema, v_src.source_name);
        previous_mode := v_src.trigger_mode;
        trigger_mode := v_mode;
        -- checked again under the lock: a concurrent rebuild may have done it
        rebuilt := v_src.source_relid = ANY (v_relids) AND NOT pgtrickle._capture_intact(v_src.source_relid, v_mode);
        IF rebuilt THEN
            PERFORM pgtrickle._swap_capture_triggers(v_src.source_relid, v_mode);
        END IF;
        RETURN NEXT;
    END LOOP;
END $$;

-- the catalog owner's: it drops and creates triggers on every source
REVOKE EXECUTE ON FUNCTION pgtrickle.rebuild_cdc_triggers() FROM PUBLIC;

COMMENT ON FUNCTION pgtrickle.rebuild_cdc_triggers() IS
    'Moves every captured source to the capture form set by pgtrickle.cdc_trigger_mode (''statement'' or ''row'') '
    'and repairs missing or disabled capture triggers, while writers run: no change is lost or captured twice.';

-- The expected triggers are spelled out here rather than read from _expected_capture_triggers, so that a
-- monitoring role granted EXECUTE on this function (and SELECT on pgt_sources) needs no internal function.
CREATE OR REPLACE FUNCTION pgtrickle.trigger_inventory()
RETURNS TABLE (source_table text, source_oid bigint, trigger_name text, trigger_type text, present boolean,
               enabled boolean, trigger_mode text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('%I.%I', s.source_schema, s.source_name), s.source_relid::bigint, e.name, e.type,
           t.tgname IS NOT NULL, coalesce(t.tgenabled IN ('O', 'A'), false), s.trigger_mode
      FROM pgtrickle.pgt_sources s
      JOIN (VALUES ('pgt_cdc_ins', 'INSERT', 'pgtrickle.capture_changes', 'statement'),
                   ('pgt_cdc_upd', 'UPDATE', 'pgtrickle.capture_changes', 'statement'),
                   ('pgt_cdc_del', 'DELETE', 'pgtrickle.capture_changes', 'statement'),
                   ('pgt_cdc_row', 'DML', 'pgtrickle.capture_changes_row', 'row'),
                   ('pgt_cdc_trunc', 'TRUNCATE', 'pgtrickle.capture_changes', NULL)) AS e(name, type, fn, mode)
        ON e.mode IS NULL OR e.mode = s.trigger_mode
      LEFT JOIN pg_trigger t ON t.tgrelid = s.source_relid AND t.tgname = e.name AND t.tgfoid = e.fn::regproc
     WHERE s.cdc_mode = 'trigger' AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = s.source_relid)
     ORDER BY 1, 3
$$;

COMMENT ON FUNCTION pgtrickle.trigger_inventory() IS
    'Each capture trigger every captured source should have in its form, whether it is there and enabled.';

-- ---------------------------------------------------------------------------------------------
-- create_stream_table: as in 0.4.0.11, with cdc_mode (pg_trickle's parameter): how new sources of the stream
-- table are captured ('trigger', 'wal' or 'auto'; NULL: the setting pgtrickle.cdc_mode, else the source
-- connector's cdc.mode).
DROP FUNCTION pgtrickle.create_stream_table(text, text, text, text, boolean);
CREATE FUNCTION pgtrickle.create_stream_table(
    name text, query text, schedule text DEFAULT 'calculated', refresh_mode text DEFAULT 'AUTO',
    initialize boolean DEFAULT true, cdc_mode text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_ident  text[];
    v_schema text;
    v_name   text;
    v_mode   text := upper(btrim(coalesce(refresh_mode, '')));
    v_query  text;
    v_cursor refcursor;
    v_cdc    text := current_setting('pgtrickle.cdc_mode', true);
BEGIN
    IF name IS NULL OR btrim(name) = '' THEN
        RAISE EXCEPTION 'stream table name must not be empty'
            USING ERRCODE = 'invalid_name', HINT = 'Pass a name such as ''order_totals'' or ''sales."Order Totals"''.';
    END IF;
    BEGIN
        v_ident := pg_catalog.parse_ident(name);
    EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION 'invalid stream table name %: %', quote_literal(name), SQLERRM
            USING ERRCODE = 'invalid_name',
                  HINT = 'Double-quote names with spaces, capitals or punctuation, e.g. ''"Order Totals"''.';
    END;
    IF cardinality(v_ident) = 1 THEN
        v_schema := pg_catalog.current_schema();
        v_name := v_ident[1];
        IF v_schema IS NULL THEN
            RAISE EXCEPTION 'no schema to create stream table % in', quote_ident(v_name)
                USING ERRCODE = 'invalid_schema_name', HINT = 'Qualify the name with a schema, e.g. ''public.name''.';
        END IF;
    ELSIF cardinality(v_ident) = 2 THEN
        v_schema := v_ident[1];
        v_name := v_ident[2];
    ELSE
        RAISE EXCEPTION 'invalid stream table name %: expected name or schema.name', quote_literal(name)
            USING ERRCODE = 'invalid_name';
    END IF;
    IF v_schema IN ('pgtrickle', 'pgtrickle_changes') THEN
        RAISE EXCEPTION 'cannot create stream table %.%: schema % is Trickle''s own', quote_ident(v_schema),
                quote_ident(v_name), quote_ident(v_schema)
            USING ERRCODE = 'invalid_schema_name', HINT = 'Create it in a schema of yours, e.g. ''public.name''.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = v_schema) THEN
        RAISE EXCEPTION 'schema % does not exist', quote_ident(v_schema)
            USING ERRCODE = 'invalid_schema_name', HINT = 'Create the schema first, or qualify the name with an existing one.';
    END IF;
    IF pg_catalog.to_regclass(format('%I.%I', v_schema, v_name)) IS NOT NULL THEN
        RAISE EXCEPTION 'relation %.% already exists', quote_ident(v_schema), quote_ident(v_name)
            USING ERRCODE = 'duplicate_table', HINT = 'Choose another name, or drop the existing stream table with pgtrickle.drop_stream_table.';
    END IF;
    IF v_mode NOT IN ('AUTO', 'FULL', 'DIFFERENTIAL') THEN
        RAISE EXCEPTION 'invalid refresh_mode %', quote_literal(refresh_mode)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use ''AUTO'', ''DIFFERENTIAL'' or ''FULL''.';
    END IF;
    -- the schedule is checked where the catalog row is written (pgtrickle._check_schedule)
    v_query := pg_catalog.rtrim(pg_catalog.regexp_replace(pg_catalog.rtrim(query, E' \t\r\n'),
                                                          E'(;[ \\t\\r\\n]*)+(--[^\\n]*)?$', ''), E' \t\r\n');
    IF v_query IS NULL OR v_query = '' THEN
        RAISE EXCEPTION 'the defining query must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_query <> pg_catalog.rtrim(query, E' \t\r\n') THEN
        BEGIN
            OPEN v_cursor FOR EXECUTE v_query;
            CLOSE v_cursor;
        EXCEPTION WHEN syntax_error THEN
            v_query := pg_catalog.rtrim(query, E' \t\r\n'); -- that ';' was inside a literal or comment: keep the text
        END;
    END IF;

    -- Exactly one statement, before anything runs: PostgreSQL opens a cursor on one query only (and
    -- opening it runs nothing). Then a view on it: a view is one SELECT (or VALUES) that changes no data.
    -- Both run with the caller's privileges, so PostgreSQL refuses what the caller may not read.
    IF pg_catalog.to_regclass('pg_temp.__pgt_probe') IS NOT NULL THEN
        DROP VIEW pg_temp.__pgt_probe;
    END IF;
    BEGIN
        OPEN v_cursor FOR EXECUTE v_query;
        CLOSE v_cursor;
        EXECUTE format('CREATE TEMP VIEW __pgt_probe AS %s', v_query);
        EXECUTE 'SELECT * FROM pg_temp.__pgt_probe LIMIT 0';
    EXCEPTION WHEN OTHERS THEN
        IF SQLSTATE = '42501' THEN
            RAISE EXCEPTION 'cannot create stream table %.%: %', quote_ident(v_schema), quote_ident(v_name), SQLERRM
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = format('A stream table shows its query''s result to whoever may read it, so its creator '
                                      '(role %s) must be allowed to read everything the query reads.', current_user),
                      HINT = 'Ask the owner of the table for SELECT on it, or create the stream table as a role that may read it.';
        ELSIF SQLERRM LIKE 'cannot open multi-query plan%' THEN
            RAISE EXCEPTION 'the defining query of %.% must be exactly one SELECT, not several statements',
                    quote_ident(v_schema), quote_ident(v_name)
                USING ERRCODE = 'syntax_error',
                      HINT = 'Remove everything after the query''s end; a trailing semicolon or comment is fine.';
        ELSIF SQLERRM LIKE 'cannot open % query as cursor' THEN
            RAISE EXCEPTION 'the defining query of %.% must be a SELECT: %', quote_ident(v_schema), quote_ident(v_name),
                    SQLERRM
                USING ERRCODE = 'wrong_object_type', HINT = 'A stream table holds the result of one SELECT (or WITH ... SELECT, VALUES).';
        -- A query that names the stream table being created would read itself: say so, not just "does not exist".
        ELSIF SQLSTATE = '42P01' AND (position(format('"%s"', v_name) IN SQLERRM) > 0
                                      OR position(format('"%s.%s"', v_schema, v_name) IN SQLERRM) > 0) THEN
            RAISE EXCEPTION 'stream table %.% cannot read itself (a cycle): %', quote_ident(v_schema), quote_ident(v_name), SQLERRM
                USING ERRCODE = 'invalid_schema_definition',
                      HINT = 'A stream table''s query reads base tables or other, existing stream tables.';
        END IF;
        RAISE EXCEPTION 'invalid defining query for stream table %.%: %', quote_ident(v_schema), quote_ident(v_name), SQLERRM
            USING ERRCODE = SQLSTATE, HINT = 'The query must be one SELECT (or WITH ... SELECT, VALUES) that PostgreSQL can run on its own.';
    END;
    -- which tables it reads, and whether they can be sources: register_stream_table says
    DROP VIEW pg_temp.__pgt_probe;

    EXECUTE format('CREATE TABLE %I.%I AS SELECT * FROM (%s' || E'\n' || ') __pgt_q WITH NO DATA', v_schema, v_name, v_query);
    BEGIN
        -- Lets the sink find the rows a delta deletes without a key (multiset semantics). The
        -- probe hashes an all-NULL row of the table's type first: CREATE INDEX on an empty table
        -- would succeed even for unhashable column types (json, point) and every insert would fail.
        EXECUTE format('SELECT pg_catalog.hash_record_extended(pg_catalog.jsonb_populate_record(NULL::%I.%I, ''{}''), 0)',
                       v_schema, v_name);
        EXECUTE format('CREATE INDEX ON %I.%I (hash_record_extended(%I.*, 0))', v_schema, v_name, v_name);
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'stream table %.% gets no row index: %', quote_ident(v_schema), quote_ident(v_name), SQLERRM
            USING HINT = 'Deletes from it scan the table; columns of hashable types avoid that.';
    END;
    -- the capture mode of new sources, for _install_capture (checked there); the caller's setting is restored
    IF cdc_mode IS NOT NULL THEN
        PERFORM pg_catalog.set_config('pgtrickle.cdc_mode', cdc_mode, true);
    END IF;
    PERFORM pgtrickle.register_stream_table(format('%I.%I', v_schema, v_name)::regclass, v_query,
                                            pg_catalog.current_schemas(false), schedule, v_mode, initialize);
    IF cdc_mode IS NOT NULL THEN
        PERFORM pg_catalog.set_config('pgtrickle.cdc_mode', coalesce(v_cdc, ''), true);
    END IF;
END $$;

COMMENT ON FUNCTION pgtrickle.create_stream_table(text, text, text, text, boolean, text) IS
    'Creates a stream table: a table kept equal to the result of query, refreshed incrementally through Trickle. '
    'cdc_mode: how its new sources are captured (''trigger'', ''wal'' or ''auto'').';

-- ---------------------------------------------------------------------------------------------
-- list_sources() and change_buffer_sizes() (as in 0.4.0.13) say how each base table is captured: 'trigger' or 'wal'.
CREATE OR REPLACE FUNCTION pgtrickle._list_sources(v_id bigint)
RETURNS TABLE (source_table text, source_oid bigint, source_type text, cdc_mode text, columns_used text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT coalesce(format('%I.%I', n.nspname, c.relname), d.source_relid::text),
           d.source_relid::bigint,
           CASE WHEN d.upstream_id IS NULL THEN 'TABLE' ELSE 'STREAM_TABLE' END,
           CASE WHEN d.upstream_id IS NULL
                THEN coalesce((SELECT src.cdc_mode FROM pgtrickle.pgt_sources src WHERE src.source_relid = d.source_relid), 'trigger')
                ELSE 'delta_topic' END,
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

CREATE OR REPLACE FUNCTION pgtrickle.change_buffer_sizes()
RETURNS TABLE (stream_table text, source_table text, source_oid bigint, cdc_mode text, pending_rows bigint,
               buffer_bytes bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('%I.%I', s.pgt_schema, s.pgt_name), b.source, src.source_relid::bigint, src.cdc_mode,
           b.pending_rows, b.buffer_bytes
      FROM pgtrickle.pgt_stream_tables s
      JOIN pgtrickle.pgt_dependencies d ON d.pgt_id = s.pgt_id AND d.upstream_id IS NULL
      JOIN pgtrickle.pgt_sources src ON src.source_relid = d.source_relid
      JOIN pgtrickle.change_buffer_status() b ON b.source = format('%I.%I', src.source_schema, src.source_name)
     WHERE pgtrickle._visible(s.pgt_relid)
     ORDER BY 1, 2
$$;

-- open_transactions() (as in 0.4.0.2): a writer of a WAL-captured source writes no buffer row before it commits, so
-- it is found by its lock on the source table itself (ROW EXCLUSIVE, which every INSERT, UPDATE and DELETE takes).
CREATE OR REPLACE FUNCTION pgtrickle.open_transactions()
RETURNS TABLE (pid integer, xid xid8, gid text, state text, started_at timestamptz, age interval,
               sources text[], ticks_open bigint, note text)
LANGUAGE sql STABLE AS $$
    WITH buffers AS (
        SELECT CASE WHEN s.cdc_mode = 'wal' THEN s.source_relid::regclass
                    ELSE to_regclass(format('pgtrickle_changes.%I', s.buffer_table)) END AS buf,
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

SELECT pgtrickle._revoke_internal_execute();
