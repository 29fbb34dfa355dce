-- Trickle catalog 0.4.0: stream tables, their sources, ticks, sink progress and refresh history,
-- statement-level change capture and the SQL API (pgtrickle.create_stream_table, ...).
-- User text never reaches dynamic SQL unquoted: names go through %I / regclass, literals through %L;
-- the defining query is SQL by nature and is only ever embedded as a whole query.

CREATE SCHEMA IF NOT EXISTS pgtrickle;
CREATE SCHEMA IF NOT EXISTS pgtrickle_changes;

CREATE TABLE pgtrickle.pgt_stream_tables (
    pgt_id          bigserial PRIMARY KEY,
    pgt_schema      text        NOT NULL,
    pgt_name        text        NOT NULL,
    pgt_relid       oid         NOT NULL,
    defining_query  text        NOT NULL,
    search_path     text[]      NOT NULL,
    schedule        text        NOT NULL DEFAULT '1s',
    refresh_mode    text        NOT NULL DEFAULT 'AUTO'
                    CHECK (refresh_mode IN ('AUTO', 'FULL', 'DIFFERENTIAL')),
    effective_mode  text,
    status          text        NOT NULL DEFAULT 'INITIALIZING'
                    CHECK (status IN ('INITIALIZING', 'ACTIVE', 'ERROR', 'SUSPENDED', 'PAUSED')),
    -- set by the streams app once the stream table's operators run; the source connector fills a
    -- stream table only after that, so that no initial snapshot record is read before it is wanted
    engine_ready    boolean     NOT NULL DEFAULT false,
    needs_init      boolean     NOT NULL DEFAULT true,
    init_tick       bigint,
    last_tick       bigint,
    data_timestamp  timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (pgt_schema, pgt_name)
);

-- One row per captured source table: its change buffer and topic name are fixed at capture time.
CREATE TABLE pgtrickle.pgt_sources (
    source_relid    oid PRIMARY KEY,
    source_schema   text        NOT NULL,
    source_name     text        NOT NULL,
    buffer_table    text        NOT NULL,
    has_primary_key boolean     NOT NULL,
    key_columns     text[]      NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pgtrickle.pgt_dependencies (
    pgt_id          bigint NOT NULL REFERENCES pgtrickle.pgt_stream_tables ON DELETE CASCADE,
    source_relid    oid    NOT NULL REFERENCES pgtrickle.pgt_sources,
    PRIMARY KEY (pgt_id, source_relid)
);

-- A tick is one database-wide snapshot; tick N carries the changes of the transactions visible in
-- snapshot N and not in snapshot N-1.
CREATE TABLE pgtrickle.pgt_ticks (
    tick_id         bigint PRIMARY KEY,
    snapshot        pg_snapshot NOT NULL,
    lsn             pg_lsn      NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    rows_captured   bigint      NOT NULL DEFAULT 0
);

-- Written by the sink in the same transaction as the stream table's data.
CREATE TABLE pgtrickle.pgt_sink_progress (
    pgt_id          bigint PRIMARY KEY REFERENCES pgtrickle.pgt_stream_tables ON DELETE CASCADE,
    last_tick       bigint      NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pgtrickle.pgt_refresh_history (
    refresh_id      bigserial PRIMARY KEY,
    pgt_id          bigint      NOT NULL,
    tick_id         bigint      NOT NULL,
    initial         boolean     NOT NULL DEFAULT false,
    rows_inserted   bigint      NOT NULL,
    rows_deleted    bigint      NOT NULL,
    duration_ms     double precision NOT NULL,
    applied_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ON pgtrickle.pgt_refresh_history (pgt_id, tick_id);

-- ---------------------------------------------------------------------------------------------
-- Change capture: one generic statement-level trigger function; the buffer name is its argument.
-- UPDATE is written as -old/+new so that updates of the primary key are captured too. TRUNCATE
-- runs BEFORE the truncation and writes the rows it removes (op 'T'), so that the engine retracts
-- exactly what was there.
CREATE FUNCTION pgtrickle.capture_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (op, row_data) '
                       'SELECT ''+'', to_jsonb(n.*) FROM __pgt_new n', TG_ARGV[0]);
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (op, row_data) '
                       'SELECT ''-'', to_jsonb(o.*) FROM __pgt_old o', TG_ARGV[0]);
    ELSIF TG_OP = 'UPDATE' THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (op, row_data) '
                       'SELECT ''-'', to_jsonb(o.*) FROM __pgt_old o', TG_ARGV[0]);
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (op, row_data) '
                       'SELECT ''+'', to_jsonb(n.*) FROM __pgt_new n', TG_ARGV[0]);
    ELSIF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (op, row_data) '
                       'SELECT ''T'', to_jsonb(t.*) FROM %s t', TG_ARGV[0], TG_RELID::regclass);
    END IF;
    RETURN NULL;
END $$;

-- Row-level form (cdc.trigger.mode=row), kept for sources captured the 0.3.0 way.
CREATE FUNCTION pgtrickle.capture_changes_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (op, row_data) VALUES (''-'', $1)', TG_ARGV[0])
            USING to_jsonb(OLD);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (op, row_data) VALUES (''+'', $1)', TG_ARGV[0])
            USING to_jsonb(NEW);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION pgtrickle._install_capture(p_relid oid, p_mode text DEFAULT 'statement') RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_buf  text := 'changes_' || p_relid;
    v_rel  text := p_relid::regclass::text;
    v_keys text[];
BEGIN
    IF EXISTS (SELECT 1 FROM pgtrickle.pgt_sources WHERE source_relid = p_relid) THEN
        RETURN;
    END IF;
    SELECT coalesce(array_agg(a.attname::text ORDER BY k.ord), '{}')
      INTO v_keys
      FROM pg_index i
      CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
     WHERE i.indrelid = p_relid AND i.indisprimary;
    IF cardinality(v_keys) = 0 THEN
        RAISE WARNING 'source table % has no primary key', v_rel
            USING DETAIL = 'Its changes are captured as whole rows; duplicate rows keep exact multiset semantics.',
                  HINT = 'A primary key spreads its changes evenly over the change topic''s partitions.';
    END IF;
    EXECUTE format('CREATE TABLE pgtrickle_changes.%I ('
                   'change_id bigserial PRIMARY KEY, '
                   'xid xid8 NOT NULL DEFAULT pg_current_xact_id(), '
                   'op "char" NOT NULL, '
                   'row_data jsonb)', v_buf);
    EXECUTE format('CREATE INDEX ON pgtrickle_changes.%I (xid)', v_buf);
    IF p_mode = 'row' THEN
        EXECUTE format('CREATE TRIGGER pgt_cdc_row AFTER INSERT OR UPDATE OR DELETE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION pgtrickle.capture_changes_row(%L)', v_rel, v_buf);
    ELSE
        EXECUTE format('CREATE TRIGGER pgt_cdc_ins AFTER INSERT ON %s REFERENCING NEW TABLE AS __pgt_new '
                       'FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle.capture_changes(%L)', v_rel, v_buf);
        EXECUTE format('CREATE TRIGGER pgt_cdc_upd AFTER UPDATE ON %s '
                       'REFERENCING OLD TABLE AS __pgt_old NEW TABLE AS __pgt_new '
                       'FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle.capture_changes(%L)', v_rel, v_buf);
        EXECUTE format('CREATE TRIGGER pgt_cdc_del AFTER DELETE ON %s REFERENCING OLD TABLE AS __pgt_old '
                       'FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle.capture_changes(%L)', v_rel, v_buf);
    END IF;
    EXECUTE format('CREATE TRIGGER pgt_cdc_trunc BEFORE TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle.capture_changes(%L)', v_rel, v_buf);
    INSERT INTO pgtrickle.pgt_sources (source_relid, source_schema, source_name, buffer_table,
                                       has_primary_key, key_columns)
    SELECT p_relid, n.nspname, c.relname, v_buf, cardinality(v_keys) > 0, v_keys
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = p_relid;
END $$;

CREATE FUNCTION pgtrickle._remove_capture(p_relid oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_buf text;
    v_trg text;
BEGIN
    SELECT buffer_table INTO v_buf FROM pgtrickle.pgt_sources WHERE source_relid = p_relid;
    IF v_buf IS NULL THEN
        RETURN;
    END IF;
    IF to_regclass(p_relid::regclass::text) IS NOT NULL THEN
        FOR v_trg IN SELECT tgname FROM pg_trigger WHERE tgrelid = p_relid AND tgname LIKE 'pgt\_cdc\_%' LOOP
            EXECUTE format('DROP TRIGGER %I ON %s', v_trg, p_relid::regclass);
        END LOOP;
    END IF;
    EXECUTE format('DROP TABLE IF EXISTS pgtrickle_changes.%I', v_buf);
    DELETE FROM pgtrickle.pgt_sources WHERE source_relid = p_relid;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Names: 'orders', 'public.orders', '"Order Totals"', 'sales."A ""quoted"" name"'.
CREATE FUNCTION pgtrickle._resolve_name(p_name text, OUT schema_name text, OUT table_name text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_ident text[];
BEGIN
    IF p_name IS NULL OR btrim(p_name) = '' THEN
        RAISE EXCEPTION 'stream table name must not be empty'
            USING ERRCODE = 'invalid_name', HINT = 'Pass a name such as ''order_totals'' or ''sales."Order Totals"''.';
    END IF;
    BEGIN
        v_ident := parse_ident(p_name);
    EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION 'invalid stream table name %: %', quote_literal(p_name), SQLERRM
            USING ERRCODE = 'invalid_name',
                  HINT = 'Double-quote names with spaces, capitals or punctuation, e.g. ''"Order Totals"''.';
    END;
    IF cardinality(v_ident) = 1 THEN
        schema_name := current_schema();
        table_name := v_ident[1];
        IF schema_name IS NULL THEN
            RAISE EXCEPTION 'no schema to create stream table % in', quote_ident(table_name)
                USING ERRCODE = 'invalid_schema_name', HINT = 'Qualify the name with a schema, e.g. ''public.name''.';
        END IF;
    ELSIF cardinality(v_ident) = 2 THEN
        schema_name := v_ident[1];
        table_name := v_ident[2];
    ELSE
        RAISE EXCEPTION 'invalid stream table name %: expected name or schema.name', quote_literal(p_name)
            USING ERRCODE = 'invalid_name';
    END IF;
END $$;

CREATE FUNCTION pgtrickle.create_stream_table(
    name text, query text, schedule text DEFAULT '1s', refresh_mode text DEFAULT 'AUTO',
    initialize boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_schema text;
    v_name   text;
    v_mode   text := upper(btrim(coalesce(refresh_mode, '')));
    v_probe  oid;
    v_relid  oid;
    v_id     bigint;
    v_src    record;
    v_count  int := 0;
BEGIN
    SELECT r.schema_name, r.table_name INTO v_schema, v_name FROM pgtrickle._resolve_name(name) r;
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = v_schema) THEN
        RAISE EXCEPTION 'schema % does not exist', quote_ident(v_schema)
            USING ERRCODE = 'invalid_schema_name', HINT = 'Create the schema first, or qualify the name with an existing one.';
    END IF;
    IF to_regclass(format('%I.%I', v_schema, v_name)) IS NOT NULL THEN
        RAISE EXCEPTION 'relation %.% already exists', quote_ident(v_schema), quote_ident(v_name)
            USING ERRCODE = 'duplicate_table', HINT = 'Choose another name, or drop the existing stream table with pgtrickle.drop_stream_table.';
    END IF;
    IF v_mode NOT IN ('AUTO', 'FULL', 'DIFFERENTIAL') THEN
        RAISE EXCEPTION 'invalid refresh_mode %', quote_literal(refresh_mode)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use ''AUTO'', ''DIFFERENTIAL'' or ''FULL''.';
    END IF;
    BEGIN
        IF schedule IS NULL OR schedule::interval <= interval '0' THEN
            RAISE EXCEPTION 'not positive';
        END IF;
    EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION 'invalid schedule %', quote_literal(schedule)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use a positive interval such as ''1s'' or ''5 minutes''.';
    END;
    IF query IS NULL OR btrim(query) = '' THEN
        RAISE EXCEPTION 'the defining query must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- What PostgreSQL can check at once: the query plans and runs (LIMIT 0), and which tables it reads.
    IF to_regclass('pg_temp.__pgt_probe') IS NOT NULL THEN
        DROP VIEW pg_temp.__pgt_probe;
    END IF;
    BEGIN
        -- Wrapped as a subquery, so that the text can only ever be one query.
        EXECUTE format('CREATE TEMP VIEW __pgt_probe AS SELECT * FROM (%s) __pgt_q', query);
        EXECUTE 'SELECT * FROM pg_temp.__pgt_probe LIMIT 0';
    EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION 'invalid defining query for stream table %.%: %', quote_ident(v_schema), quote_ident(v_name), SQLERRM
            USING ERRCODE = SQLSTATE, HINT = 'The query must be one SELECT that PostgreSQL can run on its own.';
    END;
    v_probe := 'pg_temp.__pgt_probe'::regclass;
    FOR v_src IN
        SELECT DISTINCT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence
          FROM pg_depend d
          JOIN pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
          JOIN pg_class c ON c.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE r.ev_class = v_probe AND c.oid <> v_probe
    LOOP
        IF v_src.relkind NOT IN ('r', 'p') OR v_src.relpersistence = 't' THEN
            RAISE EXCEPTION 'source %.% of stream table %.% is not a permanent table (relkind %)',
                    quote_ident(v_src.nspname), quote_ident(v_src.relname), quote_ident(v_schema), quote_ident(v_name),
                    v_src.relkind
                USING ERRCODE = 'feature_not_supported',
                      HINT = 'Stream tables read ordinary tables; write the view''s query into the defining query instead.';
        END IF;
        v_count := v_count + 1;
    END LOOP;
    IF v_count = 0 THEN
        DROP VIEW pg_temp.__pgt_probe;
        RAISE EXCEPTION 'the defining query of %.% reads no table', quote_ident(v_schema), quote_ident(v_name)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'A stream table follows the tables its query reads.';
    END IF;

    EXECUTE format('CREATE TABLE %I.%I AS SELECT * FROM (%s) __pgt_q WITH NO DATA', v_schema, v_name, query);
    v_relid := format('%I.%I', v_schema, v_name)::regclass;
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

    INSERT INTO pgtrickle.pgt_stream_tables (pgt_schema, pgt_name, pgt_relid, defining_query, search_path,
                                             schedule, refresh_mode, needs_init, status)
    VALUES (v_schema, v_name, v_relid, query, current_schemas(false), schedule, v_mode, initialize,
            CASE WHEN initialize THEN 'INITIALIZING' ELSE 'PAUSED' END)
    RETURNING pgt_id INTO v_id;

    FOR v_src IN
        SELECT DISTINCT d.refobjid AS oid
          FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
         WHERE r.ev_class = v_probe AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> v_probe
    LOOP
        PERFORM pgtrickle._install_capture(v_src.oid, coalesce(current_setting('pgtrickle.cdc_trigger_mode', true), 'statement'));
        INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid) VALUES (v_id, v_src.oid);
    END LOOP;
    DROP VIEW pg_temp.__pgt_probe;
    PERFORM pg_notify('pgtrickle_catalog', v_id::text);
END $$;

CREATE FUNCTION pgtrickle._find_stream_table(p_name text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_schema text;
    v_name   text;
    v_id     bigint;
BEGIN
    SELECT r.schema_name, r.table_name INTO v_schema, v_name FROM pgtrickle._resolve_name(p_name) r;
    SELECT pgt_id INTO v_id FROM pgtrickle.pgt_stream_tables WHERE pgt_schema = v_schema AND pgt_name = v_name;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'stream table %.% does not exist', quote_ident(v_schema), quote_ident(v_name)
            USING ERRCODE = 'undefined_table', HINT = 'SELECT * FROM pgtrickle.pgt_status() lists the stream tables.';
    END IF;
    RETURN v_id;
END $$;

CREATE FUNCTION pgtrickle.drop_stream_table(name text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_id    bigint := pgtrickle._find_stream_table(name);
    v_st    pgtrickle.pgt_stream_tables;
    v_relid oid;
BEGIN
    SELECT * INTO v_st FROM pgtrickle.pgt_stream_tables WHERE pgt_id = v_id FOR UPDATE;
    DELETE FROM pgtrickle.pgt_stream_tables WHERE pgt_id = v_id;
    IF to_regclass(format('%I.%I', v_st.pgt_schema, v_st.pgt_name)) = v_st.pgt_relid THEN
        EXECUTE format('DROP TABLE %I.%I', v_st.pgt_schema, v_st.pgt_name);
    END IF;
    FOR v_relid IN
        SELECT s.source_relid FROM pgtrickle.pgt_sources s
         WHERE NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d WHERE d.source_relid = s.source_relid)
    LOOP
        PERFORM pgtrickle._remove_capture(v_relid);
    END LOOP;
    PERFORM pg_notify('pgtrickle_catalog', v_id::text);
END $$;

-- Fills the stream table anew from its query at the next tick (also starts one created with
-- initialize => false).
CREATE FUNCTION pgtrickle.refresh_stream_table(name text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint := pgtrickle._find_stream_table(name);
BEGIN
    UPDATE pgtrickle.pgt_stream_tables
       SET needs_init = true, init_tick = NULL,
           status = CASE WHEN status = 'PAUSED' THEN 'INITIALIZING' ELSE status END
     WHERE pgt_id = v_id;
    PERFORM pg_notify('pgtrickle_catalog', v_id::text);
END $$;

CREATE FUNCTION pgtrickle.pgt_status()
RETURNS TABLE (name text, status text, refresh_mode text, schedule text, last_tick bigint,
               data_timestamp timestamptz, staleness interval, last_error text)
LANGUAGE sql STABLE AS $$
    SELECT format('%I.%I', s.pgt_schema, s.pgt_name), s.status, s.refresh_mode, s.schedule, s.last_tick,
           s.data_timestamp, clock_timestamp() - s.data_timestamp, s.last_error
      FROM pgtrickle.pgt_stream_tables s
     ORDER BY s.pgt_schema, s.pgt_name
$$;
