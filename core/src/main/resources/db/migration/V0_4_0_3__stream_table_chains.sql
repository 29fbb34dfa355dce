-- Stream tables over stream tables. A stream table that reads another stream table's storage table
-- (its *upstream*) follows the upstream's delta topic instead of capturing changes on the storage
-- table: the catalog records the dependency on the upstream stream table (upstream_id), and no
-- trigger goes on the storage table. The downstream's fill reads the upstream's storage table at the
-- tick's snapshot together with the upstream's progress row, so it knows the exact tick of that
-- content; the engine adds the upstream's deltas after it. Dependencies form a DAG: a cycle is
-- refused, and dropping an upstream that has dependents is refused unless cascade => true.

-- A dependency is either on a captured source (source_relid in pgt_sources) or on an upstream
-- stream table (upstream_id; source_relid is then its storage table, which has no capture).
ALTER TABLE pgtrickle.pgt_dependencies DROP CONSTRAINT IF EXISTS pgt_dependencies_source_relid_fkey;
ALTER TABLE pgtrickle.pgt_dependencies
    ADD COLUMN upstream_id bigint REFERENCES pgtrickle.pgt_stream_tables (pgt_id);
CREATE INDEX ON pgtrickle.pgt_dependencies (upstream_id) WHERE upstream_id IS NOT NULL;

-- The newest tick when the engine began running the stream table's operators. Every delta record the
-- engine consumed before is of a tick at or below it, so a downstream is filled only once each
-- upstream's sink has applied at least this tick: the deltas it then needs are all still ahead of it.
ALTER TABLE pgtrickle.pgt_stream_tables ADD COLUMN ready_tick bigint;

-- Upstream stream tables of p_id, transitively (p_id itself not included).
CREATE FUNCTION pgtrickle._upstreams(p_id bigint) RETURNS TABLE (pgt_id bigint)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE up(id) AS (
        SELECT d.upstream_id FROM pgtrickle.pgt_dependencies d WHERE d.pgt_id = p_id AND d.upstream_id IS NOT NULL
        UNION
        SELECT d.upstream_id FROM pgtrickle.pgt_dependencies d JOIN up ON d.pgt_id = up.id
         WHERE d.upstream_id IS NOT NULL
    )
    SELECT id FROM up
$$;

-- Dependent stream tables of p_id, transitively (p_id itself not included).
CREATE FUNCTION pgtrickle._dependents(p_id bigint) RETURNS TABLE (pgt_id bigint)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE down(id) AS (
        SELECT d.pgt_id FROM pgtrickle.pgt_dependencies d WHERE d.upstream_id = p_id
        UNION
        SELECT d.pgt_id FROM pgtrickle.pgt_dependencies d JOIN down ON d.upstream_id = down.id
    )
    SELECT id FROM down
$$;

-- Refuses a dependency graph in which p_id reaches itself (by create, or by any later change of a query).
CREATE FUNCTION pgtrickle._check_no_cycle(p_id bigint) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_name text;
BEGIN
    IF EXISTS (SELECT 1 FROM pgtrickle._upstreams(p_id) u WHERE u.pgt_id = p_id) THEN
        SELECT format('%I.%I', pgt_schema, pgt_name) INTO v_name FROM pgtrickle.pgt_stream_tables WHERE pgt_id = p_id;
        RAISE EXCEPTION 'stream table % would depend on itself: its query reads stream tables that read it (a cycle)', v_name
            USING ERRCODE = 'invalid_schema_definition',
                  HINT = 'Stream tables over stream tables must form a DAG; read the base tables instead of one of the stream tables.';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION pgtrickle.create_stream_table(
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
    v_up     bigint;
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
        -- A query that names the stream table being created would read itself: say so, not just "does not exist".
        IF SQLSTATE = '42P01' AND (position(format('"%s"', v_name) IN SQLERRM) > 0
                                   OR position(format('"%s.%s"', v_schema, v_name) IN SQLERRM) > 0) THEN
            RAISE EXCEPTION 'stream table %.% cannot read itself (a cycle): %', quote_ident(v_schema), quote_ident(v_name), SQLERRM
                USING ERRCODE = 'invalid_schema_definition',
                      HINT = 'A stream table''s query reads base tables or other, existing stream tables.';
        END IF;
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
        -- the storage table of a stream table: follow its delta topic, capture nothing
        SELECT st.pgt_id INTO v_up FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_relid = v_src.oid;
        IF v_up IS NULL THEN
            PERFORM pgtrickle._install_capture(v_src.oid, coalesce(current_setting('pgtrickle.cdc_trigger_mode', true), 'statement'));
        END IF;
        INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, upstream_id) VALUES (v_id, v_src.oid, v_up);
    END LOOP;
    DROP VIEW pg_temp.__pgt_probe;
    PERFORM pgtrickle._check_no_cycle(v_id);
    PERFORM pg_notify('pgtrickle_catalog', v_id::text);
END $$;

DROP FUNCTION pgtrickle.drop_stream_table(text);

-- Refuses to drop a stream table that others read, naming them, unless cascade => true, which drops
-- the dependents first (pg_trickle's drop_stream_table(name, cascade)).
CREATE FUNCTION pgtrickle.drop_stream_table(name text, cascade boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_id    bigint := pgtrickle._find_stream_table(name);
    v_st    pgtrickle.pgt_stream_tables;
    v_deps  text;
    v_dep   bigint;
BEGIN
    SELECT * INTO v_st FROM pgtrickle.pgt_stream_tables WHERE pgt_id = v_id FOR UPDATE;
    SELECT string_agg(format('%I.%I', s.pgt_schema, s.pgt_name), ', ' ORDER BY s.pgt_schema, s.pgt_name)
      INTO v_deps
      FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_id IN (SELECT pgt_id FROM pgtrickle._dependents(v_id));
    IF v_deps IS NOT NULL AND NOT coalesce(cascade, false) THEN
        RAISE EXCEPTION 'cannot drop stream table %.%: stream table(s) % read it', quote_ident(v_st.pgt_schema),
                quote_ident(v_st.pgt_name), v_deps
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = format('Drop those first, or drop them all with pgtrickle.drop_stream_table(%L, cascade => true).', name);
    END IF;
    -- dependents first, the furthest downstream first (each drop removes its own dependency rows)
    FOR v_dep IN
        WITH RECURSIVE down(id, depth) AS (
            SELECT d.pgt_id, 1 FROM pgtrickle.pgt_dependencies d WHERE d.upstream_id = v_id
            UNION ALL
            SELECT d.pgt_id, down.depth + 1 FROM pgtrickle.pgt_dependencies d JOIN down ON d.upstream_id = down.id
        )
        SELECT id FROM down GROUP BY id ORDER BY max(depth) DESC, id
    LOOP
        PERFORM pgtrickle._drop_one(v_dep);
    END LOOP;
    PERFORM pgtrickle._drop_one(v_id);
END $$;

CREATE FUNCTION pgtrickle._drop_one(p_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_st    pgtrickle.pgt_stream_tables;
    v_relid oid;
BEGIN
    SELECT * INTO v_st FROM pgtrickle.pgt_stream_tables WHERE pgt_id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    DELETE FROM pgtrickle.pgt_stream_tables WHERE pgt_id = p_id;
    IF to_regclass(format('%I.%I', v_st.pgt_schema, v_st.pgt_name)) = v_st.pgt_relid THEN
        EXECUTE format('DROP TABLE %I.%I', v_st.pgt_schema, v_st.pgt_name);
    END IF;
    FOR v_relid IN
        SELECT s.source_relid FROM pgtrickle.pgt_sources s
         WHERE NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d WHERE d.source_relid = s.source_relid)
    LOOP
        PERFORM pgtrickle._remove_capture(v_relid);
    END LOOP;
    PERFORM pg_notify('pgtrickle_catalog', p_id::text);
END $$;

-- A refresh fills the stream table anew at a later tick, and with it every stream table downstream
-- of it (their content was computed from the upstream's old one; paused ones stay paused): they are
-- filled once the upstream's new fill is applied.
CREATE OR REPLACE FUNCTION pgtrickle.refresh_stream_table(name text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint := pgtrickle._find_stream_table(name);
    v_ids bigint[];
BEGIN
    v_ids := ARRAY(SELECT v_id UNION SELECT d.pgt_id FROM pgtrickle._dependents(v_id) d
                    JOIN pgtrickle.pgt_stream_tables s ON s.pgt_id = d.pgt_id WHERE s.status <> 'PAUSED');
    UPDATE pgtrickle.pgt_stream_tables
       SET needs_init = true, init_tick = NULL,
           engine_ready = CASE WHEN status IN ('ERROR', 'PAUSED') THEN false ELSE engine_ready END,
           status = CASE WHEN status IN ('PAUSED', 'ERROR') THEN 'INITIALIZING' ELSE status END,
           last_error = NULL
     WHERE pgt_id = ANY (v_ids);
    PERFORM pg_notify('pgtrickle_catalog', id::text) FROM unnest(v_ids) id;
END $$;

-- An upstream that stops (ERROR, or SUSPENDED by the sink) stops its dependents with it, saying why:
-- their data stays at their last tick (still consistent), and a refresh (or resume) of the upstream
-- fills them anew.
CREATE FUNCTION pgtrickle._upstream_failed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE pgtrickle.pgt_stream_tables s
       SET status = 'ERROR', engine_ready = false,
           last_error = format('upstream stream table %I.%I is %s (%s); once it is fixed, run '
                               'pgtrickle.%s(%L), which fills this one anew too',
                               NEW.pgt_schema, NEW.pgt_name,
                               CASE WHEN NEW.status = 'ERROR' THEN 'in ERROR' ELSE NEW.status END,
                               coalesce(NEW.last_error, 'no reason given'),
                               CASE WHEN NEW.status = 'SUSPENDED' THEN 'resume_stream_table' ELSE 'refresh_stream_table' END,
                               format('%I.%I', NEW.pgt_schema, NEW.pgt_name))
     WHERE s.status NOT IN ('ERROR', 'SUSPENDED')
       AND s.pgt_id IN (SELECT d.pgt_id FROM pgtrickle.pgt_dependencies d WHERE d.upstream_id = NEW.pgt_id);
    PERFORM pg_notify('pgtrickle_catalog', d.pgt_id::text)
       FROM pgtrickle.pgt_dependencies d WHERE d.upstream_id = NEW.pgt_id;
    RETURN NULL;
END $$;

-- SUSPENDED: the sink gave up on the upstream after repeated failures (resume_stream_table brings it back)
CREATE TRIGGER pgt_upstream_failed AFTER UPDATE OF status ON pgtrickle.pgt_stream_tables
    FOR EACH ROW WHEN (NEW.status IN ('ERROR', 'SUSPENDED') AND OLD.status NOT IN ('ERROR', 'SUSPENDED'))
    EXECUTE FUNCTION pgtrickle._upstream_failed();

-- Catalogs of 0.4.0 captured a stream table read by another one through triggers on its storage
-- table. Those dependencies now follow the upstream's delta topic: recorded as such, the storage
-- table's capture removed, and the dependents filled anew.
DO $$
DECLARE
    v_dep record;
    v_relid oid;
BEGIN
    FOR v_dep IN
        UPDATE pgtrickle.pgt_dependencies d SET upstream_id = st.pgt_id
          FROM pgtrickle.pgt_stream_tables st
         WHERE st.pgt_relid = d.source_relid AND d.upstream_id IS NULL
        RETURNING d.pgt_id
    LOOP
        UPDATE pgtrickle.pgt_stream_tables
           SET needs_init = true, init_tick = NULL, engine_ready = false,
               status = CASE WHEN status IN ('PAUSED') THEN status ELSE 'INITIALIZING' END
         WHERE pgt_id = v_dep.pgt_id;
    END LOOP;
    FOR v_relid IN
        SELECT s.source_relid FROM pgtrickle.pgt_sources s
         WHERE NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d
                            WHERE d.source_relid = s.source_relid AND d.upstream_id IS NULL)
    LOOP
        PERFORM pgtrickle._remove_capture(v_relid);
    END LOOP;
END $$;
