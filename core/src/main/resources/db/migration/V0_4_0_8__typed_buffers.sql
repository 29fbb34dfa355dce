-- Typed change buffers (issue 10, part 1), as pg_trickle has them.
--
-- A change buffer pgtrickle_changes.changes_<oid> holds the source's columns with their own types,
-- after three columns of Trickle's own whose names no user column can take (a source column named
-- __pgt_* is refused): (__pgt_change_id bigserial, __pgt_xid xid8, __pgt_op "char", <source columns>).
-- The capture writes the transition table's columns as they are (no to_jsonb per row), and the source
-- connector reads them as they are (no jsonb_populate_record per row): a value reads the same in the
-- initial fill (read from the source) and in later changes by construction.
--
-- The capture finds its buffer and the source's column list (pgt_sources.capture_columns, a cache) in
-- one look-up per statement, never in pg_attribute. An event trigger keeps the buffer and that list
-- in step with the source (capture_attnums tells which source column each buffer column holds):
-- ADD COLUMN adds the column to the buffer, RENAME COLUMN renames it, DROP COLUMN (of a column no
-- stream table reads: the dependency views refuse the others) drops it, and ALTER COLUMN TYPE (of an
-- unused column, likewise) changes its type, casting the values buffered before (all NULL if one of
-- them does not cast: no stream table reads that column). Buffered rows stay readable across each of them.
--
-- Existing jsonb buffers are converted with their pending rows: same change ids (so the same order),
-- same xids.

ALTER TABLE pgtrickle.pgt_sources ADD COLUMN capture_columns text[], ADD COLUMN capture_attnums int2[];

-- The source's columns as the capture writes them: names and attribute numbers, in column order.
CREATE FUNCTION pgtrickle._source_columns(p_relid oid, OUT names text[], OUT attnums int2[])
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(array_agg(a.attname::text ORDER BY a.attnum), '{}'),
           coalesce(array_agg(a.attnum ORDER BY a.attnum), '{}')
      FROM pg_attribute a
     WHERE a.attrelid = p_relid AND a.attnum > 0 AND NOT a.attisdropped
$$;

-- A source column named like Trickle's own buffer columns cannot be captured.
CREATE FUNCTION pgtrickle._check_capture_names(p_relid oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_name text;
BEGIN
    SELECT a.attname INTO v_name FROM pg_attribute a
     WHERE a.attrelid = p_relid AND a.attnum > 0 AND NOT a.attisdropped AND a.attname LIKE '\_\_pgt\_%'
     LIMIT 1;
    IF v_name IS NOT NULL THEN
        RAISE EXCEPTION 'column % of source table % has a name reserved for Trickle''s change buffers', quote_ident(v_name), p_relid::regclass
            USING ERRCODE = 'invalid_column_definition',
                  HINT = 'Names starting with __pgt_ are Trickle''s own; rename the column.';
    END IF;
END $$;

-- An empty typed buffer for source p_relid, named p_buf.
CREATE FUNCTION pgtrickle._create_buffer(p_relid oid, p_buf text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_cols text;
BEGIN
    SELECT string_agg(format(', %I %s', a.attname, format_type(a.atttypid, a.atttypmod)), '' ORDER BY a.attnum)
      INTO v_cols
      FROM pg_attribute a
     WHERE a.attrelid = p_relid AND a.attnum > 0 AND NOT a.attisdropped;
    EXECUTE format('CREATE TABLE pgtrickle_changes.%I ('
                   '__pgt_change_id bigserial PRIMARY KEY, '
                   '__pgt_xid xid8 NOT NULL DEFAULT pg_current_xact_id(), '
                   '__pgt_op "char" NOT NULL%s)', p_buf, coalesce(v_cols, ''));
    EXECUTE format('CREATE INDEX ON pgtrickle_changes.%I (__pgt_xid)', p_buf);
    EXECUTE format('REVOKE ALL ON pgtrickle_changes.%I FROM PUBLIC', p_buf);
END $$;

-- ---------------------------------------------------------------------------------------------
-- Capture. One look-up per statement (the buffer and the cached column list); the rows go from the
-- transition table into the buffer as they are.
CREATE FUNCTION pgtrickle._capture_target(p_relid oid, OUT buffer text, OUT columns text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- columns: ', "a", "b"', ready to follow __pgt_op in a column list and in a select list
    SELECT s.buffer_table, coalesce((SELECT string_agg(', ' || quote_ident(c), '') FROM unnest(s.capture_columns) c), '')
      INTO buffer, columns
      FROM pgtrickle.pgt_sources s WHERE s.source_relid = p_relid;
    IF buffer IS NULL THEN
        RAISE EXCEPTION 'table % is not a source captured by Trickle', p_relid::regclass
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only pgtrickle.create_stream_table attaches capture triggers; drop this trigger.';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION pgtrickle.capture_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_buf  text;
    v_cols text;
BEGIN
    SELECT t.buffer, t.columns INTO v_buf, v_cols FROM pgtrickle._capture_target(TG_RELID) t;
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

-- Row mode (cdc.trigger.mode=row): the same columns, taken from OLD and NEW.
CREATE OR REPLACE FUNCTION pgtrickle.capture_changes_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_buf  text;
    v_cols text;
BEGIN
    SELECT t.buffer, t.columns INTO v_buf, v_cols FROM pgtrickle._capture_target(TG_RELID) t;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (__pgt_op%s) SELECT ''-''%s FROM (SELECT ($1).*) r', v_buf, v_cols, v_cols)
            USING OLD;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (__pgt_op%s) SELECT ''+''%s FROM (SELECT ($1).*) r', v_buf, v_cols, v_cols)
            USING NEW;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION pgtrickle._install_capture(p_relid oid, p_mode text DEFAULT 'statement') RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_buf  text := 'changes_' || p_relid;
    v_keys text[];
    v_cols record;
BEGIN
    IF EXISTS (SELECT 1 FROM pgtrickle.pgt_sources WHERE source_relid = p_relid) THEN
        RETURN;
    END IF;
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
                                       has_primary_key, key_columns, capture_columns, capture_attnums)
    SELECT p_relid, n.nspname, c.relname, v_buf, cardinality(v_keys) > 0, v_keys, v_cols.names, v_cols.attnums
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = p_relid;
    PERFORM pgtrickle._create_capture_triggers(p_relid, p_mode);
END $$;

-- ---------------------------------------------------------------------------------------------
-- The buffer follows its source's columns (called after every ALTER TABLE on a source). A buffer
-- column is matched to its source column by attribute number, so that a rename is a rename and a
-- column dropped and added again under the same name is a new column.
CREATE FUNCTION pgtrickle._sync_buffer(p_relid oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_src  pgtrickle.pgt_sources;
    v_buf  text;
    v_now  record;
    v_col  record;
    v_type text;
BEGIN
    SELECT * INTO v_src FROM pgtrickle.pgt_sources WHERE source_relid = p_relid;
    v_buf := format('pgtrickle_changes.%I', v_src.buffer_table);
    IF v_src.source_relid IS NULL OR to_regclass(v_buf) IS NULL THEN
        RETURN;
    END IF;
    PERFORM pgtrickle._check_capture_names(p_relid);
    v_now := pgtrickle._source_columns(p_relid);
    IF v_now.names = v_src.capture_columns AND v_now.attnums = v_src.capture_attnums
       AND NOT EXISTS (SELECT 1 FROM pg_attribute s JOIN pg_attribute b ON b.attrelid = v_buf::regclass AND b.attname = s.attname
                        WHERE s.attrelid = p_relid AND s.attnum > 0 AND NOT s.attisdropped
                          AND (s.atttypid, s.atttypmod) <> (b.atttypid, b.atttypmod)) THEN
        RETURN; -- the cheap common case: nothing about the columns changed
    END IF;
    -- dropped source columns go from the buffer (no stream table reads them)
    FOR v_col IN SELECT c.name FROM unnest(v_src.capture_columns, v_src.capture_attnums) AS c(name, attnum)
                  WHERE c.attnum <> ALL (v_now.attnums) LOOP
        EXECUTE format('ALTER TABLE %s DROP COLUMN IF EXISTS %I', v_buf, v_col.name);
    END LOOP;
    -- renamed ones are renamed
    FOR v_col IN SELECT c.name AS old, a.attname::text AS new
                   FROM unnest(v_src.capture_columns, v_src.capture_attnums) AS c(name, attnum)
                   JOIN pg_attribute a ON a.attrelid = p_relid AND a.attnum = c.attnum AND NOT a.attisdropped
                  WHERE a.attname::text <> c.name LOOP
        EXECUTE format('ALTER TABLE %s RENAME COLUMN %I TO %I', v_buf, v_col.old, v_col.new);
    END LOOP;
    -- new ones are added (attribute numbers only grow, so the buffer keeps the source's column order)
    FOR v_col IN SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type
                   FROM pg_attribute a
                  WHERE a.attrelid = p_relid AND a.attnum > 0 AND NOT a.attisdropped
                    AND a.attnum <> ALL (coalesce(v_src.capture_attnums, '{}'))
                  ORDER BY a.attnum LOOP
        EXECUTE format('ALTER TABLE %s ADD COLUMN %I %s', v_buf, v_col.attname, v_col.type);
    END LOOP;
    -- a changed type: the buffered values are cast, or all NULL if one does not cast (no stream table
    -- reads the column, or PostgreSQL would have refused the ALTER for its dependency view)
    FOR v_col IN SELECT s.attname, format_type(s.atttypid, s.atttypmod) AS type
                   FROM pg_attribute s JOIN pg_attribute b ON b.attrelid = v_buf::regclass AND b.attname = s.attname
                  WHERE s.attrelid = p_relid AND s.attnum > 0 AND NOT s.attisdropped
                    AND (s.atttypid, s.atttypmod) <> (b.atttypid, b.atttypmod) LOOP
        v_type := v_col.type;
        BEGIN
            EXECUTE format('ALTER TABLE %s ALTER COLUMN %I TYPE %s USING %I::%s', v_buf, v_col.attname, v_type,
                           v_col.attname, v_type);
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'the values of column % buffered before its type changed are read as NULL', quote_ident(v_col.attname)
                USING DETAIL = format('One of them does not cast to %s (%s); no stream table reads the column.', v_type, SQLERRM);
            EXECUTE format('ALTER TABLE %s ALTER COLUMN %I TYPE %s USING NULL', v_buf, v_col.attname, v_type);
        END;
    END LOOP;
    UPDATE pgtrickle.pgt_sources SET capture_columns = v_now.names, capture_attnums = v_now.attnums
     WHERE source_relid = p_relid;
END $$;

CREATE FUNCTION pgtrickle._on_ddl_buffers() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_rel oid;
BEGIN
    IF to_regclass('pgtrickle.pgt_sources') IS NULL THEN
        RETURN;
    END IF;
    FOR v_rel IN SELECT DISTINCT s.source_relid FROM pg_event_trigger_ddl_commands() c
                   JOIN pgtrickle.pgt_sources s ON s.source_relid = c.objid
                  WHERE c.classid = 'pg_class'::regclass ORDER BY 1 LOOP
        PERFORM pgtrickle._sync_buffer(v_rel);
    END LOOP;
END $$;

-- A source column can also go without an ALTER TABLE on the source: DROP TYPE/DOMAIN ... CASCADE drops
-- the columns of that type (the buffer's with them); the cached column list must follow.
CREATE FUNCTION pgtrickle._on_drop_buffers() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_rel oid;
BEGIN
    IF to_regclass('pgtrickle.pgt_sources') IS NULL THEN
        RETURN;
    END IF;
    FOR v_rel IN SELECT DISTINCT s.source_relid FROM pg_event_trigger_dropped_objects() o
                   JOIN pgtrickle.pgt_sources s ON s.source_relid = o.objid
                  WHERE o.classid = 'pg_class'::regclass AND o.objsubid > 0
                    AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = s.source_relid) ORDER BY 1 LOOP
        PERFORM pgtrickle._sync_buffer(v_rel);
    END LOOP;
END $$;

-- Where no event trigger can run (a catalog installed by a role that is not a superuser), the buffers
-- follow their sources when this is called: after DDL on a source, by its owner.
CREATE FUNCTION pgtrickle.sync_change_buffers() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_src  record;
    v_done integer := 0;
BEGIN
    FOR v_src IN SELECT s.source_relid, s.capture_columns, s.capture_attnums
                   FROM pgtrickle.pgt_sources s JOIN pg_class c ON c.oid = s.source_relid
                  WHERE pg_has_role(session_user, c.relowner, 'USAGE')
                  ORDER BY s.source_relid LOOP
        PERFORM pgtrickle._sync_buffer(v_src.source_relid);
        IF (SELECT (capture_columns, capture_attnums) IS DISTINCT FROM (v_src.capture_columns, v_src.capture_attnums)
              FROM pgtrickle.pgt_sources WHERE source_relid = v_src.source_relid) THEN
            v_done := v_done + 1;
        END IF;
    END LOOP;
    RETURN v_done;
END $$;

COMMENT ON FUNCTION pgtrickle.sync_change_buffers() IS
    'Makes the change buffers of the caller''s captured sources follow their columns again (added, renamed, '
    'dropped, retyped); returns how many changed. Only needed where the catalog has no event triggers.';

-- Named to fire before pgt_ddl_end (event triggers fire in name order).
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        CREATE EVENT TRIGGER pgt_ddl_buffers ON ddl_command_end WHEN TAG IN ('ALTER TABLE')
            EXECUTE FUNCTION pgtrickle._on_ddl_buffers();
        CREATE EVENT TRIGGER pgt_drop_buffers ON sql_drop WHEN TAG IN ('DROP TYPE', 'DROP DOMAIN')
            EXECUTE FUNCTION pgtrickle._on_drop_buffers();
    ELSE
        RAISE WARNING 'the Trickle catalog is installed by % (not a superuser): change buffers do not follow DDL on their sources', current_user
            USING HINT = 'After ALTER TABLE on a captured source, run SELECT pgtrickle.sync_change_buffers() before writing to it.';
    END IF;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Monitoring reads the buffers' xid under its new name.
CREATE OR REPLACE FUNCTION pgtrickle.change_buffer_status()
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
                               'count(*) FILTER (WHERE __pgt_xid < pg_snapshot_xmax($1) AND pg_visible_in_snapshot(__pgt_xid, $1)), '
                               'count(*) FILTER (WHERE NOT (__pgt_xid < pg_snapshot_xmax($1) AND pg_visible_in_snapshot(__pgt_xid, $1))) '
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

-- ---------------------------------------------------------------------------------------------
-- Existing installs: each jsonb buffer becomes a typed one with its pending rows (same change ids,
-- same xids). Writers of the source wait (SHARE lock) and writers still holding the old buffer are
-- waited for, so that no row is written to the old buffer after it was copied.
DO $$
DECLARE
    v_src  record;
    v_old  text;
    v_cols text;
    v_read text;
    v_now  record;
BEGIN
    FOR v_src IN SELECT s.source_relid, s.buffer_table FROM pgtrickle.pgt_sources s
                  WHERE EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = s.source_relid)
                  ORDER BY s.source_relid LOOP
        v_now := pgtrickle._source_columns(v_src.source_relid);
        UPDATE pgtrickle.pgt_sources SET capture_columns = v_now.names, capture_attnums = v_now.attnums
         WHERE source_relid = v_src.source_relid;
        CONTINUE WHEN to_regclass(format('pgtrickle_changes.%I', v_src.buffer_table)) IS NULL
                   OR NOT EXISTS (SELECT 1 FROM pg_attribute a
                                   WHERE a.attrelid = format('pgtrickle_changes.%I', v_src.buffer_table)::regclass
                                     AND a.attname = 'row_data' AND NOT a.attisdropped);
        PERFORM pgtrickle._check_capture_names(v_src.source_relid);
        EXECUTE format('LOCK TABLE %s IN SHARE MODE', v_src.source_relid::regclass);
        EXECUTE format('LOCK TABLE pgtrickle_changes.%I IN ACCESS EXCLUSIVE MODE', v_src.buffer_table);
        v_old := v_src.buffer_table || '_jsonb';
        EXECUTE format('ALTER TABLE pgtrickle_changes.%I RENAME TO %I', v_src.buffer_table, v_old);
        PERFORM pgtrickle._create_buffer(v_src.source_relid, v_src.buffer_table);
        v_cols := coalesce((SELECT string_agg(', ' || quote_ident(c), '') FROM unnest(v_now.names) c), '');
        v_read := coalesce((SELECT string_agg(', r.' || quote_ident(c), '') FROM unnest(v_now.names) c), '');
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (__pgt_change_id, __pgt_xid, __pgt_op%s) '
                       'SELECT b.change_id, b.xid, b.op%s FROM pgtrickle_changes.%I b, '
                       'jsonb_populate_record(NULL::%s, b.row_data) r ORDER BY b.change_id',
                       v_src.buffer_table, v_cols, v_read, v_old, v_src.source_relid::regclass);
        -- new changes get ids after the copied ones
        EXECUTE format('SELECT setval(%L, max(change_id)) FROM pgtrickle_changes.%I HAVING max(change_id) IS NOT NULL',
                       pg_get_serial_sequence(format('pgtrickle_changes.%I', v_src.buffer_table), '__pgt_change_id'), v_old);
        EXECUTE format('DROP TABLE pgtrickle_changes.%I', v_old);
    END LOOP;
END $$;

-- the functions this migration created are the catalog owner's only, as in 0.4.0.7
SELECT pgtrickle._revoke_internal_execute();
