-- alter_stream_table(query => ...) and a change of refresh_mode (issue 13), in place: the stream table keeps
-- its storage table (same oid), its grants, the indexes a user added where their columns remain, and the
-- views that depend on it. Its columns follow the new query by name: an added column is ADD COLUMN, a
-- removed one DROP COLUMN (RESTRICT: PostgreSQL refuses it, naming what depends on it), a changed type ALTER
-- COLUMN TYPE (refused, with what to do, where PostgreSQL cannot). Then it is planned and filled anew at a
-- tick, as refresh_stream_table does; until that fill it keeps its last content (INITIALIZING), and the sink
-- applies no delta of the old query after it (a batch without the fill is all before the fill).
--
-- plan_generation counts the changes of a stream table's plan (its query or its mode): the streams app keeps
-- it with a stream table's task state, and state of another generation is dropped, not read by the new plan.

ALTER TABLE pgtrickle.pgt_stream_tables ADD COLUMN plan_generation bigint NOT NULL DEFAULT 0;
COMMENT ON COLUMN pgtrickle.pgt_stream_tables.plan_generation IS
    'Incremented whenever the defining query or the refresh_mode changes: the engine drops task state of an older plan.';
-- A fill (or FULL refresh) of the old plan may be on its way when the alter commits: it belongs to a tick whose
-- snapshot does not see the alter's transaction. The sink applies no such fill while the stream table waits for its
-- new one (which comes at a tick taken after the engine planned the stream table again, so after the alter).
ALTER TABLE pgtrickle.pgt_stream_tables ADD COLUMN altered_by xid8;
COMMENT ON COLUMN pgtrickle.pgt_stream_tables.altered_by IS
    'The transaction of the last alter_stream_table that changed the query or mode: a fill at a tick whose snapshot '
    'does not see it is of the old plan, and is not applied.';

CREATE FUNCTION pgtrickle._count_plan_generation() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.defining_query IS DISTINCT FROM OLD.defining_query OR NEW.refresh_mode IS DISTINCT FROM OLD.refresh_mode
       OR NEW.search_path IS DISTINCT FROM OLD.search_path OR NEW.timezone IS DISTINCT FROM OLD.timezone THEN
        NEW.plan_generation := OLD.plan_generation + 1;
    END IF;
    RETURN NEW;
END $$;

-- (also counts the query rewrites of pgtrickle._sync_query after a source rename)
CREATE TRIGGER pgt_count_plan_generation BEFORE UPDATE OF defining_query, refresh_mode, search_path, timezone
    ON pgtrickle.pgt_stream_tables FOR EACH ROW EXECUTE FUNCTION pgtrickle._count_plan_generation();

-- What the new query reads, checked as register_stream_table checks a new stream table's (the owner must be
-- allowed to read and call everything, sources must be ordinary tables, no row-level security the owner does
-- not bypass); then the dependencies and captures follow it. p_view: the new dependency view.
CREATE FUNCTION pgtrickle._alter_sources(p_id bigint, p_view oid, p_owner oid, p_label text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_src      record;
    v_why      text;
    v_count    int := 0;
    v_up       bigint;
    v_bypass   boolean := (SELECT r.rolsuper OR r.rolbypassrls FROM pg_roles r WHERE r.oid = p_owner);
    v_relid    oid := (SELECT s.pgt_relid FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_id = p_id);
BEGIN
    FOR v_src IN
        SELECT d.refobjid AS oid,
               bool_and(has_table_privilege(p_owner, d.refobjid, 'SELECT')) AS whole,
               bool_and(d.refobjsubid = 0 OR has_column_privilege(p_owner, d.refobjid, d.refobjsubid::smallint, 'SELECT')) AS cols,
               (SELECT c.relrowsecurity FROM pg_class c WHERE c.oid = d.refobjid) AS rls
          FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
         WHERE r.ev_class = p_view AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> p_view
         GROUP BY d.refobjid
    LOOP
        IF v_src.oid = v_relid THEN
            RAISE EXCEPTION 'stream table % cannot read itself (a cycle)', p_label
                USING ERRCODE = 'invalid_schema_definition',
                      HINT = 'A stream table''s query reads base tables or other stream tables.';
        END IF;
        v_why := pgtrickle._unsupported_source(v_src.oid);
        IF v_why IS NOT NULL THEN
            RAISE EXCEPTION 'source % of stream table % is not supported: %', v_src.oid::regclass, p_label, v_why
                USING ERRCODE = 'feature_not_supported',
                      HINT = CASE WHEN v_why LIKE '%partition%' THEN 'Read ordinary (unpartitioned) tables.'
                                  WHEN v_why LIKE '%Trickle''s own catalog' THEN 'Read the catalog through its functions (pgtrickle.pgt_status(), ...).'
                                  ELSE 'Stream tables read ordinary tables; write the view''s query into the defining query instead.' END;
        END IF;
        v_count := v_count + 1;
        IF NOT (v_src.whole OR v_src.cols) THEN
            RAISE EXCEPTION 'cannot alter stream table %: permission denied for table %', p_label, v_src.oid::regclass
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = format('A stream table shows its query''s result to whoever may read it, so its owner '
                                      '(role %s) must be allowed to read everything the query reads.', p_owner::regrole),
                      HINT = 'Ask the owner of the table for SELECT on it, or keep the stream table''s query.';
        END IF;
        IF v_src.rls AND NOT v_bypass THEN
            RAISE EXCEPTION 'cannot alter stream table % to read %: that table has row-level security', p_label,
                    v_src.oid::regclass
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = 'Trickle maintains a stream table from every row of its sources, so it would show rows its owner may not see.';
        END IF;
    END LOOP;
    IF v_count = 0 THEN
        RAISE EXCEPTION 'the new defining query of % reads no table', p_label
            USING ERRCODE = 'invalid_parameter_value', HINT = 'A stream table follows the tables its query reads.';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
                WHERE r.ev_class = p_view AND d.refclassid = 'pg_proc'::regclass
                  AND NOT has_function_privilege(p_owner, d.refobjid, 'EXECUTE')) THEN
        RAISE EXCEPTION 'cannot alter stream table %: its owner may not execute a function the new query calls', p_label
            USING ERRCODE = 'insufficient_privilege';
    END IF;

    DELETE FROM pgtrickle.pgt_dependencies WHERE pgt_id = p_id;
    FOR v_src IN
        SELECT DISTINCT d.refobjid AS oid
          FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
         WHERE r.ev_class = p_view AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> p_view
    LOOP
        v_up := (SELECT st.pgt_id FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_relid = v_src.oid);
        IF v_up IS NULL AND NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_sources s WHERE s.source_relid = v_src.oid) THEN
            PERFORM pgtrickle._install_capture(v_src.oid, coalesce(current_setting('pgtrickle.cdc_trigger_mode', true), 'statement'));
        END IF;
        INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, upstream_id) VALUES (p_id, v_src.oid, v_up);
    END LOOP;
    PERFORM pgtrickle._check_no_cycle(p_id);
    -- sources no stream table reads any more stop being captured
    PERFORM pgtrickle._remove_capture(s.source_relid) FROM pgtrickle.pgt_sources s
     WHERE NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d WHERE d.source_relid = s.source_relid);
END $$;

-- The storage table's columns become the new query's (p_view's), by name: ADD, DROP (RESTRICT) and ALTER TYPE.
-- Returns what changed, for the notice. PostgreSQL's refusals are passed on with what to do.
CREATE FUNCTION pgtrickle._alter_columns(p_relid oid, p_view oid, p_label text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_col     record;
    v_changes text[] := '{}';
    v_detail  text;
    v_hashed  boolean := EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = p_relid AND i.indexprs IS NOT NULL
                                    AND pg_get_expr(i.indexprs, i.indrelid) LIKE 'hash_record_extended(%');
BEGIN
    -- the whole-row hash index hashes the row type: made again for the new one
    IF v_hashed THEN
        PERFORM pgtrickle._drop_row_hash_index(p_relid);
    END IF;
    FOR v_col IN
        SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attcollation, t.typcollation
          FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
         WHERE a.attrelid = p_view AND a.attnum > 0
           AND NOT EXISTS (SELECT 1 FROM pg_attribute o WHERE o.attrelid = p_relid AND o.attname = a.attname
                              AND o.attnum > 0 AND NOT o.attisdropped)
         ORDER BY a.attnum
    LOOP
        EXECUTE format('ALTER TABLE %s ADD COLUMN %I %s%s', p_relid::regclass, v_col.attname, v_col.type,
                       CASE WHEN v_col.attcollation <> 0 AND v_col.attcollation <> v_col.typcollation
                            THEN ' COLLATE ' || v_col.attcollation::regcollation::text ELSE '' END);
        v_changes := v_changes || format('column %I added (%s)', v_col.attname, v_col.type);
    END LOOP;
    FOR v_col IN
        SELECT o.attname FROM pg_attribute o
         WHERE o.attrelid = p_relid AND o.attnum > 0 AND NOT o.attisdropped AND o.attname NOT LIKE '\_\_pgt%'
           AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = p_view AND a.attname = o.attname AND a.attnum > 0)
         ORDER BY o.attnum
    LOOP
        BEGIN
            EXECUTE format('ALTER TABLE %s DROP COLUMN %I RESTRICT', p_relid::regclass, v_col.attname);
        EXCEPTION WHEN dependent_objects_still_exist THEN
            GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
            RAISE EXCEPTION 'cannot alter stream table %: the new query drops column %, and other objects depend on it',
                    p_label, quote_ident(v_col.attname)
                USING ERRCODE = 'dependent_objects_still_exist', DETAIL = v_detail,
                      HINT = 'Drop or change what depends on the column first (a view: CREATE OR REPLACE VIEW or DROP VIEW), '
                             'or keep the column in the new query.';
        END;
        v_changes := v_changes || format('column %I dropped', v_col.attname);
    END LOOP;
    FOR v_col IN
        SELECT a.attname, format_type(o.atttypid, o.atttypmod) AS old_type, format_type(a.atttypid, a.atttypmod) AS type
          FROM pg_attribute a JOIN pg_attribute o ON o.attrelid = p_relid AND o.attname = a.attname
                                                 AND o.attnum > 0 AND NOT o.attisdropped
         WHERE a.attrelid = p_view AND a.attnum > 0
           AND (a.atttypid, a.atttypmod) IS DISTINCT FROM (o.atttypid, o.atttypmod)
         ORDER BY a.attnum
    LOOP
        BEGIN
            BEGIN
                EXECUTE format('ALTER TABLE %s ALTER COLUMN %I TYPE %s USING %I::%s', p_relid::regclass, v_col.attname,
                               v_col.type, v_col.attname, v_col.type);
            EXCEPTION WHEN data_exception THEN
                -- a value the cast refuses: the content is replaced at the new fill anyway
                EXECUTE format('ALTER TABLE %s ALTER COLUMN %I TYPE %s USING NULL', p_relid::regclass, v_col.attname,
                               v_col.type);
            END;
        EXCEPTION WHEN feature_not_supported OR dependent_objects_still_exist OR cannot_coerce OR datatype_mismatch
                       OR undefined_function THEN
            GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
            RAISE EXCEPTION 'cannot alter stream table %: the new query changes the type of column % from % to %, which '
                            'PostgreSQL cannot do in place: %', p_label, quote_ident(v_col.attname), v_col.old_type,
                    v_col.type, SQLERRM
                USING ERRCODE = SQLSTATE, DETAIL = coalesce(v_detail, ''),
                      HINT = format('Drop the views or rules that use the column and create them again after the alter, '
                                    'or cast the column to its old type in the new query (... ::%s AS %I), or drop the '
                                    'stream table and create it with the new query.', v_col.old_type, v_col.attname);
        END;
        v_changes := v_changes || format('column %I %s -> %s', v_col.attname, v_col.old_type, v_col.type);
    END LOOP;
    IF v_hashed THEN
        PERFORM pgtrickle._ensure_row_hash_index(p_relid);
    END IF;
    RETURN CASE WHEN cardinality(v_changes) = 0 THEN 'same columns' ELSE array_to_string(v_changes, ', ') END;
END $$;

-- A new defining query for stream table p_id (its catalog row locked by the caller), parsed under p_path (the
-- caller's search path, as create_stream_table records it). Checked like a new stream table's query, then the
-- dependency view, the sources and the storage table's columns follow it. Returns what changed.
CREATE FUNCTION pgtrickle._alter_query(p_id bigint, p_query text, p_path text[]) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_st      record;
    v_label   text;
    v_query   text := pgtrickle._normalize_query(p_query);
    v_tmp     text;
    v_view    oid;
    v_name    text;
    v_changes text;
BEGIN
    SELECT s.pgt_schema, s.pgt_name, s.pgt_relid, s.deps_view, c.relowner INTO v_st
      FROM pgtrickle.pgt_stream_tables s JOIN pg_class c ON c.oid = s.pgt_relid WHERE s.pgt_id = p_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the storage table of stream table % is gone', p_id
            USING ERRCODE = 'undefined_table', HINT = 'Drop the stream table with pgtrickle.drop_stream_table.';
    END IF;
    v_label := format('%I.%I', v_st.pgt_schema, v_st.pgt_name);
    IF v_query IS NULL OR v_query = '' THEN
        RAISE EXCEPTION 'the defining query must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- planned nowhere and run never here: parsed into a view (one SELECT or VALUES that writes nothing)
    IF NOT pgtrickle._one_statement(v_query) THEN
        RAISE EXCEPTION 'the defining query of % must be exactly one SELECT, not several statements', v_label
            USING ERRCODE = 'syntax_error',
                  HINT = 'Remove everything after the query''s end; a trailing semicolon or comment is fine.';
    END IF;
    v_tmp := 'st_new_' || v_st.pgt_relid;
    PERFORM set_config('search_path', coalesce(nullif((SELECT string_agg(quote_ident(p), ', ') FROM unnest(p_path) p), ''), '""'), true);
    BEGIN
        EXECUTE format('CREATE VIEW pgtrickle.%I AS %s', v_tmp, v_query);
    EXCEPTION WHEN OTHERS THEN
        PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
        RAISE EXCEPTION 'invalid defining query for stream table %: %', v_label, SQLERRM
            USING ERRCODE = SQLSTATE,
                  HINT = 'The query must be one SELECT (or WITH ... SELECT, VALUES) that PostgreSQL can run on its own.';
    END;
    PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
    v_view := format('pgtrickle.%I', v_tmp)::regclass;
    EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', v_view::regclass);
    IF EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = v_view AND a.attnum > 0 AND a.attname LIKE '\_\_pgt%') THEN
        RAISE EXCEPTION 'the new query of % has a column whose name starts with __pgt, which Trickle keeps for itself', v_label
            USING ERRCODE = 'invalid_name', HINT = 'Name the column otherwise (... AS another_name).';
    END IF;

    PERFORM pgtrickle._alter_sources(p_id, v_view, v_st.relowner, v_label);
    v_changes := pgtrickle._alter_columns(v_st.pgt_relid, v_view, v_label);

    -- the new dependency view takes the old one's place and name (recorded first: dropping a stream table's
    -- dependency view drops the stream table, see pgtrickle._on_sql_drop)
    -- the new query is resolved under the caller's search_path and evaluated under the caller's TimeZone, as at
    -- create (catalog 0.4.0.15): the functions here set only search_path, so current_setting is the caller's
    UPDATE pgtrickle.pgt_stream_tables SET defining_query = v_query, search_path = coalesce(p_path, '{}'), deps_view = v_view,
           timezone = pg_catalog.current_setting('TimeZone')
     WHERE pgt_id = p_id;
    IF v_st.deps_view IS NOT NULL AND EXISTS (SELECT 1 FROM pg_class WHERE oid = v_st.deps_view) THEN
        v_name := (SELECT relname FROM pg_class WHERE oid = v_st.deps_view);
        EXECUTE format('DROP VIEW %s', v_st.deps_view::regclass);
        EXECUTE format('ALTER VIEW %s RENAME TO %I', v_view::regclass, v_name);
    END IF;
    RETURN v_changes;
END $$;

-- After a new query or mode: planned again by the engine and filled anew at a tick (as refresh_stream_table),
-- keeping its content until then; the stream tables over it are filled anew after it.
CREATE FUNCTION pgtrickle._refill_altered(p_id bigint) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE pgtrickle.pgt_stream_tables
       SET needs_init = true, init_tick = NULL, engine_ready = false, effective_mode = NULL, explain = NULL,
           status = CASE WHEN status IN ('ACTIVE', 'ERROR', 'INITIALIZING') THEN 'INITIALIZING' ELSE status END,
           consecutive_failures = 0, last_error = NULL,
           altered_by = pg_current_xact_id()
     WHERE pgt_id = p_id;
    UPDATE pgtrickle.pgt_stream_tables s
       SET needs_init = true, init_tick = NULL
      FROM pgtrickle._dependents(p_id) d
     WHERE s.pgt_id = d.pgt_id AND s.status NOT IN ('PAUSED', 'ERROR', 'SUSPENDED');
    PERFORM pg_notify('pgtrickle_catalog', p_id::text);
END $$;

-- pg_trickle's alter_stream_table, with its argument names. Everything is checked before anything changes,
-- and it all happens in the caller's transaction: a refused alter leaves the stream table as it was.
-- query: a new defining query (see the top of this file); refresh_mode: the mode asked for (the engine decides
-- what AUTO means, and refuses DIFFERENTIAL for a query it cannot maintain by putting the stream table in
-- ERROR with the reason, as at create); both imply a full refill, announced with a WARNING (pg_trickle's
-- ERG-F). schedule and status take effect at once. cdc_mode is refused.
CREATE OR REPLACE FUNCTION pgtrickle.alter_stream_table(name text, query text DEFAULT NULL, schedule text DEFAULT NULL,
                                                        refresh_mode text DEFAULT NULL, status text DEFAULT NULL,
                                                        cdc_mode text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
#variable_conflict use_variable
DECLARE
    v_saved   text := pg_catalog.current_setting('search_path');
    v_default text := pg_catalog.current_schema();
    v_path    text[] := pg_catalog.current_schemas(false);
    v_id      bigint;
    v_st      record;
    v_mode    text := pg_catalog.upper(pg_catalog.btrim(refresh_mode));
    v_status  text := pg_catalog.upper(pg_catalog.btrim(status));
    v_what    text[] := '{}';
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    v_id := pgtrickle._find_stream_table(name, v_default);
    PERFORM pgtrickle._check_owner(v_id, 'alter');
    SELECT s.pgt_schema, s.pgt_name, s.refresh_mode AS mode, s.status FROM pgtrickle.pgt_stream_tables s
      INTO v_st WHERE s.pgt_id = v_id FOR UPDATE;
    IF cdc_mode IS NOT NULL THEN
        RAISE EXCEPTION 'alter_stream_table cannot change the cdc_mode of %.% (asked for %)', quote_ident(v_st.pgt_schema),
                quote_ident(v_st.pgt_name), quote_literal(cdc_mode)
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Capture is chosen when a stream table is created (create_stream_table(..., cdc_mode => ...)) '
                         'or for the whole source connector (its cdc.mode setting: trigger, wal or auto). To change '
                         'it for this stream table, drop it and create it again with the cdc_mode you want.';
    END IF;
    IF v_mode IS NOT NULL AND v_mode NOT IN ('AUTO', 'FULL', 'DIFFERENTIAL') THEN
        RAISE EXCEPTION 'invalid refresh_mode %', quote_literal(refresh_mode)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use ''AUTO'', ''DIFFERENTIAL'' or ''FULL''.';
    END IF;
    IF v_status IS NOT NULL AND v_status NOT IN ('ACTIVE', 'SUSPENDED') THEN
        RAISE EXCEPTION 'invalid status %', quote_literal(status)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ''SUSPENDED'' to hold its applies, ''ACTIVE'' to resume them.';
    END IF;
    IF query IS NOT NULL THEN
        v_what := v_what || ('new query: ' || pgtrickle._alter_query(v_id, query, v_path));
    END IF;
    IF v_mode IS NOT NULL AND v_mode <> v_st.mode THEN
        UPDATE pgtrickle.pgt_stream_tables s SET refresh_mode = v_mode WHERE s.pgt_id = v_id;
        v_what := v_what || format('refresh mode changed from %s to %s', v_st.mode, v_mode);
    END IF;
    IF cardinality(v_what) > 0 THEN
        PERFORM pgtrickle._refill_altered(v_id);
        -- pg_trickle's ERG-F: the client sees that a full refresh follows, whatever log_min_messages says
        RAISE WARNING 'stream table %.% is filled anew from its query at the next tick (%); it keeps its content until then',
                quote_ident(v_st.pgt_schema), quote_ident(v_st.pgt_name), array_to_string(v_what, '; ')
                || CASE WHEN v_st.status IN ('PAUSED', 'SUSPENDED') THEN format('; it is %s: the fill follows when it is resumed '
                                                                                 'or refreshed', v_st.status) ELSE '' END
            USING HINT = 'This may take time on large tables; pgtrickle.pgt_status() shows INITIALIZING until the fill is applied.';
    END IF;
    IF schedule IS NOT NULL THEN
        -- checked by pgtrickle._check_schedule
        UPDATE pgtrickle.pgt_stream_tables s SET schedule = pg_catalog.btrim(alter_stream_table.schedule)
         WHERE s.pgt_id = v_id;
    END IF;
    IF v_status IS NOT NULL THEN
        PERFORM pgtrickle._suspend_or_resume(v_id, v_status = 'SUSPENDED', false);
    END IF;
    PERFORM set_config('search_path', v_saved, true);
END $$;

COMMENT ON FUNCTION pgtrickle.alter_stream_table(text, text, text, text, text, text) IS
    'Changes a stream table in place: query (a new defining query; columns added, dropped or retyped on the same '
    'table, refilled at the next tick), refresh_mode (AUTO, DIFFERENTIAL or FULL; refilled), schedule (a duration, '
    'a cron expression or ''calculated''), status (''SUSPENDED'' holds its applies, ''ACTIVE'' resumes them). '
    'cdc_mode is refused. Needs the stream table''s ownership.';

SELECT pgtrickle._revoke_internal_execute();
