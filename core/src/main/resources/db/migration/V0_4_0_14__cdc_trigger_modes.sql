-- Trigger modes and their rebuild (issue 11, part 2), and the 0.3.0 -> 0.4.0 upgrade (part 3).
--
-- The capture form of new sources is the setting pgtrickle.cdc_trigger_mode (pg_trickle's
-- pg_trickle.cdc_trigger_mode; the design's cdc.trigger.mode): 'statement' (the default: statement-level
-- AFTER triggers with transition tables) or 'row' (one per-row trigger, 0.3.0's form). It is an ordinary
-- custom setting: per session (SET), per role or database (ALTER ROLE/DATABASE ... SET) or server-wide.
-- Each source records the form it is captured in (pgt_sources.trigger_mode), so that trigger_inventory()
-- knows which triggers to expect and rebuild_cdc_triggers() which sources to move.
--
-- rebuild_cdc_triggers() moves every captured source to the configured form while writers run: the old
-- triggers are dropped and the new ones created in the caller's transaction, with the source locked in
-- SHARE ROW EXCLUSIVE mode (the lock CREATE TRIGGER takes anyway). That lock waits for the transactions
-- that already wrote to the source (their changes are in the buffer by the old triggers) and holds back
-- new writers until the swap commits (their changes go in by the new triggers): each committed change is
-- captured once, by exactly one form. The buffer is the same table for both forms.

ALTER TABLE pgtrickle.pgt_sources
    ADD COLUMN trigger_mode text NOT NULL DEFAULT 'statement' CHECK (trigger_mode IN ('statement', 'row'));

UPDATE pgtrickle.pgt_sources s SET trigger_mode = 'row'
 WHERE EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = s.source_relid AND t.tgname = 'pgt_cdc_row');

-- The configured form: the setting's value, checked ('' and NULL: not set, the default).
CREATE FUNCTION pgtrickle._cdc_trigger_mode(p_value text DEFAULT current_setting('pgtrickle.cdc_trigger_mode', true))
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_mode text := lower(btrim(coalesce(p_value, '')));
BEGIN
    IF v_mode = '' THEN
        RETURN 'statement';
    ELSIF v_mode IN ('statement', 'row') THEN
        RETURN v_mode;
    END IF;
    RAISE EXCEPTION 'invalid value % for pgtrickle.cdc_trigger_mode', quote_literal(p_value)
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Use ''statement'' (the default) or ''row'', e.g. SET pgtrickle.cdc_trigger_mode = ''statement''.';
END $$;

-- The triggers a source in form p_mode has: name, the event it fires on, and its function.
CREATE FUNCTION pgtrickle._expected_capture_triggers(p_mode text,
    OUT trigger_name text, OUT trigger_type text, OUT function_oid oid, OUT row_level boolean)
RETURNS SETOF record
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT t.name, t.type, t.fn::regproc::oid, t.row_level
      FROM (VALUES ('pgt_cdc_ins', 'INSERT', 'pgtrickle.capture_changes', false, 'statement'),
                   ('pgt_cdc_upd', 'UPDATE', 'pgtrickle.capture_changes', false, 'statement'),
                   ('pgt_cdc_del', 'DELETE', 'pgtrickle.capture_changes', false, 'statement'),
                   ('pgt_cdc_row', 'DML', 'pgtrickle.capture_changes_row', true, 'row'),
                   ('pgt_cdc_trunc', 'TRUNCATE', 'pgtrickle.capture_changes', false, NULL)) AS t(name, type, fn, row_level, mode)
     WHERE t.mode IS NULL OR t.mode = p_mode
$$;

-- Whether the source has exactly the triggers of form p_mode, each enabled (firing in normal operation).
CREATE FUNCTION pgtrickle._capture_intact(p_relid oid, p_mode text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = p_relid AND t.tgname LIKE 'pgt\_cdc\_%')
               = (SELECT count(*) FROM pgtrickle._expected_capture_triggers(p_mode))
       AND NOT EXISTS (SELECT 1 FROM pgtrickle._expected_capture_triggers(p_mode) e
                        WHERE NOT EXISTS (SELECT 1 FROM pg_trigger t
                                           WHERE t.tgrelid = p_relid AND t.tgname = e.trigger_name
                                             AND t.tgfoid = e.function_oid AND t.tgenabled IN ('O', 'A')))
$$;

-- Locks the tables in SHARE ROW EXCLUSIVE mode, all or none: a try that would wait longer than a short
-- lock_timeout gives back what it took and tries again later. A writer holding one of them while waiting
-- for another (a transaction writing two sources) thus never waits on this caller long enough to be picked
-- by the deadlock detector (deadlock_timeout, 1 s by default): the rebuild yields, not the writer.
CREATE FUNCTION pgtrickle._lock_sources(p_relids oid[], p_patience interval DEFAULT '60 seconds') RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_deadline timestamptz := clock_timestamp() + p_patience;
    v_timeout  text := current_setting('lock_timeout');
    v_rel      oid;
    v_tries    integer := 0;
BEGIN
    LOOP
        v_tries := v_tries + 1;
        BEGIN
            PERFORM set_config('lock_timeout', '200ms', true);
            FOREACH v_rel IN ARRAY (SELECT coalesce(array_agg(r ORDER BY r), '{}') FROM unnest(p_relids) r) LOOP
                CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = v_rel);
                EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', v_rel::regclass);
            END LOOP;
            PERFORM set_config('lock_timeout', v_timeout, true);
            RETURN;
        EXCEPTION WHEN lock_not_available THEN
            IF clock_timestamp() > v_deadline THEN
                RAISE EXCEPTION 'could not lock the captured source tables to swap their capture triggers (% tries in %)',
                        v_tries, p_patience
                    USING ERRCODE = 'lock_not_available',
                          DETAIL = 'Transactions that write to them stayed open all that time.',
                          HINT = 'Run it again when long transactions on the source tables have ended (see pgtrickle.open_transactions()).';
            END IF;
            PERFORM pg_sleep(0.05 + random() * 0.2);
        END;
    END LOOP;
END $$;

-- The capture triggers of one source, moved to form p_mode (the caller holds the source's lock).
CREATE FUNCTION pgtrickle._swap_capture_triggers(p_relid oid, p_mode text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_trg text;
BEGIN
    FOR v_trg IN SELECT tgname FROM pg_trigger WHERE tgrelid = p_relid AND tgname LIKE 'pgt\_cdc\_%' ORDER BY tgname LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', v_trg, p_relid::regclass);
    END LOOP;
    PERFORM pgtrickle._create_capture_triggers(p_relid, p_mode);
    UPDATE pgtrickle.pgt_sources SET trigger_mode = p_mode WHERE source_relid = p_relid;
END $$;

CREATE FUNCTION pgtrickle.rebuild_cdc_triggers()
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
     WHERE NOT pgtrickle._capture_intact(s.source_relid, v_mode);
    PERFORM pgtrickle._lock_sources(v_relids);
    FOR v_src IN SELECT s.source_relid, s.source_schema, s.source_name, s.trigger_mode
                   FROM pgtrickle.pgt_sources s JOIN pg_class c ON c.oid = s.source_relid
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
CREATE FUNCTION pgtrickle.trigger_inventory()
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
     WHERE EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = s.source_relid)
     ORDER BY 1, 3
$$;

COMMENT ON FUNCTION pgtrickle.trigger_inventory() IS
    'Each capture trigger every captured source should have in its form, whether it is there and enabled.';

-- New sources: the form checked and recorded (create_stream_table passes the setting's raw value).
CREATE OR REPLACE FUNCTION pgtrickle._install_capture(p_relid oid, p_mode text DEFAULT 'statement') RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_buf  text := 'changes_' || p_relid;
    v_mode text := pgtrickle._cdc_trigger_mode(p_mode);
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
                                       has_primary_key, key_columns, capture_columns, capture_attnums, trigger_mode)
    SELECT p_relid, n.nspname, c.relname, v_buf, cardinality(v_keys) > 0, v_keys, v_cols.names, v_cols.attnums, v_mode
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = p_relid;
    PERFORM pgtrickle._create_capture_triggers(p_relid, v_mode);
END $$;

-- ---------------------------------------------------------------------------------------------
-- The 0.3.0 -> 0.4.0 upgrade. A 0.3.0 catalog (pg_trickle's catalog tables, a buffer changes_<oid> and a
-- row-level trigger pg_trickle_cdc_<oid> per source) was set aside by the installer before the first
-- migration ran (schemas renamed pgtrickle_0_3_0 and pgtrickle_changes_0_3_0, its capture still writing
-- there: see LegacyCatalog.java). Here each of its stream tables becomes a Trickle stream table with the
-- same name, query, schedule and refresh mode, and each source is moved to the configured (statement-level)
-- capture, in this migration's transaction with the sources locked: a change committed before the swap was
-- written by the old trigger, one after it by the new ones. The new stream tables are filled from their
-- queries at the connector's first tick; the fill reads the sources, which hold every change the 0.3.0
-- buffers still had pending, so those rows are not replayed (that would apply them twice) and go with the
-- old buffers.
CREATE FUNCTION pgtrickle._import_0_3_0_catalog() RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_relids oid[];
    v_st     record;
    v_trg    record;
    v_done   integer := 0;
    v_query  text;
BEGIN
    IF to_regclass('pgtrickle_0_3_0.pgt_stream_tables') IS NULL THEN
        RETURN 0;
    END IF;
    SELECT coalesce(array_agg(DISTINCT d.source_relid), '{}') INTO v_relids
      FROM pgtrickle_0_3_0.pgt_dependencies d WHERE EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = d.source_relid);
    PERFORM pgtrickle._lock_sources(v_relids);
    -- the old capture goes first: its triggers call functions in the schemas dropped below
    FOR v_trg IN SELECT t.tgname, t.tgrelid FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                  WHERE p.pronamespace IN (to_regnamespace('pgtrickle_0_3_0'), to_regnamespace('pgtrickle_changes_0_3_0'))
                    AND NOT t.tgisinternal ORDER BY t.tgrelid, t.tgname LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', v_trg.tgname, v_trg.tgrelid::regclass);
    END LOOP;
    -- in creation order, so that a stream table reading another comes after it
    FOR v_st IN SELECT s.* FROM pgtrickle_0_3_0.pgt_stream_tables s ORDER BY s.pgt_id LOOP
        v_query := coalesce(v_st.original_query, v_st.defining_query);
        -- the old storage table makes way for the new one (it is dropped with the old catalog below)
        IF EXISTS (SELECT 1 FROM pg_class WHERE oid = v_st.pgt_relid) THEN
            EXECUTE format('ALTER TABLE %s RENAME TO %I', v_st.pgt_relid::regclass, 'st_' || v_st.pgt_id);
            EXECUTE format('ALTER TABLE %s SET SCHEMA pgtrickle_0_3_0', v_st.pgt_relid::regclass);
        END IF;
        -- 0.3.0 stored no search path; its queries name tables in the stream table's schema or public
        PERFORM set_config('search_path', format('%I, public', v_st.pgt_schema), true);
        BEGIN
            PERFORM pgtrickle.create_stream_table(format('%I.%I', v_st.pgt_schema, v_st.pgt_name), v_query,
                    coalesce(nullif(v_st.schedule, ''), '1s'),
                    CASE v_st.refresh_mode WHEN 'FULL' THEN 'FULL' WHEN 'DIFFERENTIAL' THEN 'DIFFERENTIAL' ELSE 'AUTO' END);
            v_done := v_done + 1;
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'stream table %.% of the 0.3.0 catalog could not be carried over: %',
                    quote_ident(v_st.pgt_schema), quote_ident(v_st.pgt_name), SQLERRM
                USING DETAIL = format('Its query: %s', v_query),
                      HINT = 'Create it again with pgtrickle.create_stream_table once the query works.';
        END;
        PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
    END LOOP;
    -- the rest of the old catalog goes, unless a view of the user's still reads one of its tables
    IF EXISTS (SELECT 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
                 JOIN pg_class v ON v.oid = r.ev_class
                 JOIN pg_class t ON t.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
                WHERE t.relnamespace = 'pgtrickle_0_3_0'::regnamespace
                  AND v.relnamespace <> 'pgtrickle_0_3_0'::regnamespace) THEN
        RAISE WARNING 'schema pgtrickle_0_3_0 (the 0.3.0 catalog and the old stream tables'' rows) is kept: views read it'
            USING HINT = 'Point those views at the new stream tables, then DROP SCHEMA pgtrickle_0_3_0 CASCADE.';
    ELSE
        DROP SCHEMA pgtrickle_0_3_0 CASCADE;
    END IF;
    DROP SCHEMA IF EXISTS pgtrickle_changes_0_3_0 CASCADE;
    RAISE NOTICE 'upgraded the 0.3.0 catalog: % stream table(s) carried over, filled anew from their queries at the next tick', v_done;
    RETURN v_done;
END $$;

SELECT pgtrickle._import_0_3_0_catalog();

SELECT pgtrickle._revoke_internal_execute();
