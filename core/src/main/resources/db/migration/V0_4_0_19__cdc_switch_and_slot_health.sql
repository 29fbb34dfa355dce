-- Switching a captured source between trigger and WAL capture while writers run (issue 11), and the health of
-- the replication slot WAL capture reads.
--
-- A switch happens in one transaction that holds the source's SHARE ROW EXCLUSIVE lock (ACCESS EXCLUSIVE when
-- its REPLICA IDENTITY must become FULL first): every writer that began before has committed, every new one
-- waits. The WAL insert position read under that lock is the switch position: each change to the source
-- committed before it was captured the old way, each one committed after it (they all wait for the switch to
-- commit) the new way. The triggers go (or come) in the same transaction, so the trigger side needs nothing
-- more. The WAL side does: the connector's decoder reads the publication's tables, and a table may be in it
-- while its changes are not the WAL's to capture. So every switch is recorded in pgt_cdc_switches and written
-- into the WAL as a transactional message (prefix 'pgtrickle_cdc', content '<relid> <position>'), which the
-- decoder meets in commit order, between the last change of the old capture and the first of the new one. The
-- decoder takes a source's decoded transaction only if the capture in force at its commit position is WAL, and
-- deletes the switch's row once it has met the message (in the transaction that writes the rows before it).
-- While a switch's row exists, ticks read the source after the decoder has passed the tick (as a WAL source);
-- a source that left WAL capture leaves the publication once its row is gone (the connector removes it).

CREATE TABLE pgtrickle.pgt_cdc_switches (
    source_relid oid    NOT NULL REFERENCES pgtrickle.pgt_sources ON DELETE CASCADE,
    switch_lsn   pg_lsn NOT NULL,
    from_mode    text   NOT NULL CHECK (from_mode IN ('trigger', 'wal')),
    to_mode      text   NOT NULL CHECK (to_mode IN ('trigger', 'wal')),
    switched_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_relid, switch_lsn)
);

COMMENT ON TABLE pgtrickle.pgt_cdc_switches IS
    'Capture switches of sources the WAL decoder has not yet passed: changes committed before switch_lsn were '
    'captured as from_mode, later ones as to_mode.';

-- The replication slot of this database's catalog (the source connector's WalCapture.slotName).
CREATE FUNCTION pgtrickle._wal_slot_name() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'pgtrickle_wal_' || oid FROM pg_database WHERE datname = current_database()
$$;

-- As in 0.4.0.17, but REPLICA IDENTITY is only set when it is not FULL yet: ALTER TABLE takes ACCESS EXCLUSIVE,
-- which a switch holding SHARE ROW EXCLUSIVE would otherwise have to upgrade (a deadlock risk with writers).
CREATE OR REPLACE FUNCTION pgtrickle._wal_publish(p_relid oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF (SELECT relkind FROM pg_class WHERE oid = p_relid) <> 'r' THEN
        RAISE EXCEPTION '% cannot be captured from the WAL: only plain tables can (not partitioned tables, views or foreign tables)',
                p_relid::regclass
            USING ERRCODE = 'feature_not_supported', HINT = 'Capture it with cdc_mode => ''trigger''.';
    END IF;
    IF (SELECT relreplident FROM pg_class WHERE oid = p_relid) <> 'f' THEN
        EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', p_relid::regclass);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'pgtrickle_wal') THEN
        EXECUTE format('CREATE PUBLICATION pgtrickle_wal FOR TABLE %s', p_relid::regclass);
    ELSIF NOT EXISTS (SELECT 1 FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
                       WHERE p.pubname = 'pgtrickle_wal' AND pr.prrelid = p_relid) THEN
        EXECUTE format('ALTER PUBLICATION pgtrickle_wal ADD TABLE %s', p_relid::regclass);
    END IF;
END $$;

-- Locks one source in p_lockmode, retrying with a short lock_timeout (as _lock_sources does): a writer that
-- holds the table while it waits for something else never waits on this caller long enough to deadlock.
CREATE FUNCTION pgtrickle._lock_source(p_relid oid, p_lockmode text, p_patience interval DEFAULT '60 seconds')
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_deadline timestamptz := clock_timestamp() + p_patience;
    v_timeout  text := current_setting('lock_timeout');
BEGIN
    IF p_lockmode NOT IN ('SHARE ROW EXCLUSIVE', 'ACCESS EXCLUSIVE') THEN
        RAISE EXCEPTION 'unexpected lock mode %', p_lockmode;
    END IF;
    LOOP
        BEGIN
            PERFORM set_config('lock_timeout', '200ms', true);
            EXECUTE format('LOCK TABLE %s IN %s MODE', p_relid::regclass, p_lockmode);
            PERFORM set_config('lock_timeout', v_timeout, true);
            RETURN;
        EXCEPTION WHEN lock_not_available THEN
            IF clock_timestamp() > v_deadline THEN
                RAISE EXCEPTION 'could not lock source table % to switch its capture (tried for %)', p_relid::regclass,
                        p_patience
                    USING ERRCODE = 'lock_not_available',
                          DETAIL = 'Transactions that write to it stayed open all that time.',
                          HINT = 'Run it again when long transactions on the table have ended (see pgtrickle.open_transactions()).';
            END IF;
            PERFORM pg_sleep(0.05 + random() * 0.2);
        END;
    END LOOP;
END $$;

-- Switches one source to p_mode ('trigger' or 'wal', already resolved); returns the switch position, or NULL
-- when the source is already captured that way.
CREATE FUNCTION pgtrickle._switch_cdc_mode(p_relid oid, p_mode text) RETURNS pg_lsn
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_src  pgtrickle.pgt_sources;
    v_lsn  pg_lsn;
    v_trg  text;
    v_slot boolean;
BEGIN
    IF p_mode NOT IN ('trigger', 'wal') THEN
        RAISE EXCEPTION 'invalid cdc_mode %', quote_literal(p_mode) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO v_src FROM pgtrickle.pgt_sources WHERE source_relid = p_relid;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not a source of any stream table', p_relid::regclass
            USING ERRCODE = 'undefined_object', HINT = 'Its capture mode is chosen when a stream table over it is created.';
    END IF;
    IF v_src.cdc_mode = p_mode THEN
        RETURN NULL;
    END IF;
    IF p_mode = 'wal' AND (SELECT relreplident FROM pg_class WHERE oid = p_relid) <> 'f' THEN
        -- ALTER TABLE ... REPLICA IDENTITY takes this lock: taken at once, not upgraded later (a deadlock risk)
        PERFORM pgtrickle._lock_source(p_relid, 'ACCESS EXCLUSIVE');
    ELSE
        PERFORM pgtrickle._lock_source(p_relid, 'SHARE ROW EXCLUSIVE');
    END IF;
    -- read again under the lock: a concurrent switch may have done it
    SELECT * INTO v_src FROM pgtrickle.pgt_sources WHERE source_relid = p_relid FOR UPDATE;
    IF v_src.cdc_mode = p_mode THEN
        RETURN NULL;
    END IF;
    v_lsn := pg_current_wal_insert_lsn();
    v_slot := EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = pgtrickle._wal_slot_name());
    IF p_mode = 'wal' THEN
        PERFORM pgtrickle._wal_publish(p_relid);
        FOR v_trg IN SELECT tgname FROM pg_trigger WHERE tgrelid = p_relid AND tgname LIKE 'pgt\_cdc\_%' LOOP
            EXECUTE format('DROP TRIGGER %I ON %s', v_trg, p_relid::regclass);
        END LOOP;
        IF NOT v_slot THEN
            -- no slot keeps the changes made until the connector creates it: the stream tables are filled anew
            -- at a tick after that (as for a lost slot)
            UPDATE pgtrickle.pgt_stream_tables SET needs_init = true, init_tick = NULL
             WHERE pgt_id IN (SELECT pgt_id FROM pgtrickle.pgt_dependencies WHERE source_relid = p_relid);
            RAISE WARNING 'no replication slot exists yet for WAL capture: the stream tables over % are filled anew from '
                          'their queries once the source connector has created it', p_relid::regclass
                USING HINT = 'Switching while another source is captured from the WAL (the slot exists) needs no refill.';
        END IF;
    ELSE
        PERFORM pgtrickle._create_capture_triggers(p_relid, v_src.trigger_mode);
        -- the table stays in the publication until the decoder has passed the switch (the connector removes it)
    END IF;
    UPDATE pgtrickle.pgt_sources SET cdc_mode = p_mode WHERE source_relid = p_relid;
    IF v_slot THEN
        INSERT INTO pgtrickle.pgt_cdc_switches (source_relid, switch_lsn, from_mode, to_mode)
        VALUES (p_relid, v_lsn, v_src.cdc_mode, p_mode);
        PERFORM pg_logical_emit_message(true, 'pgtrickle_cdc', format('%s %s', p_relid::bigint, v_lsn));
    END IF;
    PERFORM pg_notify('pgtrickle_catalog', '');
    RETURN v_lsn;
END $$;

-- Switches a source table's capture: 'trigger', 'wal' or 'auto' (as create_stream_table resolves it). A source is
-- captured one way for every stream table over it. The catalog owner's (it drops and creates triggers).
CREATE FUNCTION pgtrickle.set_source_cdc_mode(source regclass, cdc_mode text)
RETURNS TABLE (source_table text, previous_mode text, new_mode text, switch_lsn pg_lsn)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_mode text;
BEGIN
    IF cdc_mode IS NULL OR btrim(cdc_mode) = '' THEN
        RAISE EXCEPTION 'cdc_mode must be given' USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use ''trigger'', ''wal'' or ''auto''.';
    END IF;
    v_mode := pgtrickle._cdc_mode(cdc_mode);
    SELECT format('%I.%I', s.source_schema, s.source_name), s.cdc_mode INTO source_table, previous_mode
      FROM pgtrickle.pgt_sources s WHERE s.source_relid = source;
    switch_lsn := pgtrickle._switch_cdc_mode(source, v_mode);
    new_mode := v_mode;
    RETURN NEXT;
END $$;

REVOKE EXECUTE ON FUNCTION pgtrickle.set_source_cdc_mode(regclass, text) FROM PUBLIC;

COMMENT ON FUNCTION pgtrickle.set_source_cdc_mode(regclass, text) IS
    'Switches how a source table''s changes are captured (''trigger'', ''wal'' or ''auto'') for every stream table '
    'over it, while writers run: no change is lost or captured twice.';

-- Called by the source connector: sources no longer captured from the WAL whose switch the decoder has passed
-- leave the publication (which goes once empty). A source a writer holds now is left for the next call.
CREATE FUNCTION pgtrickle._wal_unpublish_idle() RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_relid   oid;
    v_done    integer := 0;
    v_timeout text := current_setting('lock_timeout');
BEGIN
    FOR v_relid IN SELECT pr.prrelid FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
                    WHERE p.pubname = 'pgtrickle_wal'
                      AND NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_sources s
                                       WHERE s.source_relid = pr.prrelid AND s.cdc_mode = 'wal')
                      AND NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_cdc_switches w WHERE w.source_relid = pr.prrelid) LOOP
        BEGIN
            PERFORM set_config('lock_timeout', '100ms', true);
            -- the switches' lock: a switch back to WAL cannot commit between the check and the removal
            EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', v_relid::regclass);
            IF NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_sources s WHERE s.source_relid = v_relid AND s.cdc_mode = 'wal')
               AND NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_cdc_switches w WHERE w.source_relid = v_relid) THEN
                EXECUTE format('ALTER PUBLICATION pgtrickle_wal DROP TABLE %s', v_relid::regclass);
                v_done := v_done + 1;
            END IF;
        EXCEPTION WHEN lock_not_available THEN
            NULL; -- busy: the next tick tries again
        END;
    END LOOP;
    PERFORM set_config('lock_timeout', v_timeout, true);
    IF v_done > 0 AND NOT EXISTS (SELECT 1 FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
                                   WHERE p.pubname = 'pgtrickle_wal') THEN
        DROP PUBLICATION pgtrickle_wal;
    END IF;
    RETURN v_done;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Switches every base table stream table p_id reads to capture p_cdc; a NOTICE names the other stream tables
-- over a switched table (a source is captured one way for all of them).
CREATE FUNCTION pgtrickle._switch_stream_table_cdc(p_id bigint, p_cdc text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_relid  oid;
    v_others text;
BEGIN
    FOR v_relid IN SELECT d.source_relid FROM pgtrickle.pgt_dependencies d
                     JOIN pgtrickle.pgt_sources s ON s.source_relid = d.source_relid
                    WHERE d.pgt_id = p_id AND d.upstream_id IS NULL ORDER BY d.source_relid LOOP
        CONTINUE WHEN pgtrickle._switch_cdc_mode(v_relid, p_cdc) IS NULL;
        SELECT string_agg(format('%I.%I', s.pgt_schema, s.pgt_name), ', ' ORDER BY s.pgt_schema, s.pgt_name) INTO v_others
          FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables s ON s.pgt_id = d.pgt_id
         WHERE d.source_relid = v_relid AND d.pgt_id <> p_id;
        IF v_others IS NOT NULL THEN
            RAISE NOTICE 'source table % is now captured by % for every stream table over it, including %', v_relid::regclass,
                    CASE p_cdc WHEN 'wal' THEN 'the WAL' ELSE 'triggers' END, v_others
                USING HINT = 'A source table is captured one way for all its stream tables.';
        END IF;
    END LOOP;
END $$;

-- pg_trickle's alter_stream_table, with its argument names. Everything is checked before anything changes,
-- and it all happens in the caller's transaction: a refused alter leaves the stream table as it was.
-- query: a new defining query (see the top of this file); refresh_mode: the mode asked for (the engine decides
-- what AUTO means, and refuses DIFFERENTIAL for a query it cannot maintain by putting the stream table in
-- ERROR with the reason, as at create); both imply a full refill, announced with a WARNING (pg_trickle's
-- ERG-F). schedule and status take effect at once. As in 0.4.0.16, except cdc_mode: it switches how each
-- base table the stream table reads is captured (_switch_cdc_mode), for every stream table over that table.
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
    v_cdc     text;
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    v_id := pgtrickle._find_stream_table(name, v_default);
    PERFORM pgtrickle._check_owner(v_id, 'alter');
    SELECT s.pgt_schema, s.pgt_name, s.refresh_mode AS mode, s.status FROM pgtrickle.pgt_stream_tables s
      INTO v_st WHERE s.pgt_id = v_id FOR UPDATE;
    IF cdc_mode IS NOT NULL THEN
        v_cdc := pgtrickle._cdc_mode(cdc_mode); -- checked (and 'auto' resolved) before anything changes
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
    IF v_cdc IS NOT NULL THEN
        PERFORM pgtrickle._switch_stream_table_cdc(v_id, v_cdc);
    END IF;
    PERFORM set_config('search_path', v_saved, true);
END $$;

COMMENT ON FUNCTION pgtrickle.alter_stream_table(text, text, text, text, text, text) IS
    'Changes a stream table in place: query (a new defining query; columns added, dropped or retyped on the same '
    'table, refilled at the next tick), refresh_mode (AUTO, DIFFERENTIAL or FULL; refilled), schedule (a duration, '
    'a cron expression or ''calculated''), status (''SUSPENDED'' holds its applies, ''ACTIVE'' resumes them). '
    'cdc_mode (''trigger'', ''wal'' or ''auto'') switches how its base tables are captured, for every stream table '
    'over them, while writers run. Needs the stream table''s ownership.';

