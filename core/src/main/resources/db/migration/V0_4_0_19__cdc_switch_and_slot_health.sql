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


-- ---------------------------------------------------------------------------------------------
-- Slot observability (pg_trickle's slot_health() and check_cdc_health()).

-- The slot lag above which health_check() warns: the setting pgtrickle.slot_lag_warn_mb, else 1 GB.
CREATE FUNCTION pgtrickle._slot_lag_warn_bytes() RETURNS bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(nullif(btrim(current_setting('pgtrickle.slot_lag_warn_mb', true)), '')::bigint, 1024) * 1024 * 1024
$$;

CREATE FUNCTION pgtrickle.slot_health()
RETURNS TABLE (slot_name text, active boolean, restart_lsn pg_lsn, confirmed_flush_lsn pg_lsn, current_lsn pg_lsn,
               retained_wal_bytes bigint, lag_bytes bigint, wal_status text, safe_wal_size bigint,
               applied_lsn pg_lsn, applied_at timestamptz)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT r.slot_name::text, r.active, r.restart_lsn, r.confirmed_flush_lsn, pg_current_wal_lsn(),
           pg_wal_lsn_diff(pg_current_wal_lsn(), r.restart_lsn)::bigint,
           pg_wal_lsn_diff(pg_current_wal_lsn(), r.confirmed_flush_lsn)::bigint,
           r.wal_status, r.safe_wal_size, p.applied_lsn, p.updated_at
      FROM pg_replication_slots r
      LEFT JOIN pgtrickle.pgt_wal_progress p ON p.slot_name = r.slot_name
     WHERE r.slot_name = pgtrickle._wal_slot_name()
$$;

COMMENT ON FUNCTION pgtrickle.slot_health() IS
    'The replication slot WAL capture reads (none while no source is captured from the WAL): whether the source '
    'connector reads it, how far it confirmed, the WAL it retains and its lag behind the current WAL position, in bytes.';

CREATE FUNCTION pgtrickle.check_cdc_health()
RETURNS TABLE (source_table text, source_oid bigint, cdc_mode text, trigger_mode text, switch_pending boolean,
               triggers_ok boolean, in_publication boolean, replica_identity_full boolean, slot_ok boolean,
               healthy boolean, message text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_src      record;
    v_slot     record;
    v_problems text[];
BEGIN
    SELECT * INTO v_slot FROM pgtrickle.slot_health();
    FOR v_src IN SELECT s.*, c.relreplident FROM pgtrickle.pgt_sources s JOIN pg_class c ON c.oid = s.source_relid
                  ORDER BY s.source_schema, s.source_name LOOP
        source_table := format('%I.%I', v_src.source_schema, v_src.source_name);
        source_oid := v_src.source_relid;
        cdc_mode := v_src.cdc_mode;
        trigger_mode := v_src.trigger_mode;
        switch_pending := EXISTS (SELECT 1 FROM pgtrickle.pgt_cdc_switches w WHERE w.source_relid = v_src.source_relid);
        in_publication := EXISTS (SELECT 1 FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
                                   WHERE p.pubname = 'pgtrickle_wal' AND pr.prrelid = v_src.source_relid);
        replica_identity_full := v_src.relreplident = 'f';
        v_problems := '{}';
        IF v_src.cdc_mode = 'trigger' THEN
            triggers_ok := NOT EXISTS (SELECT 1 FROM pgtrickle.trigger_inventory() i
                                        WHERE i.source_oid = v_src.source_relid AND NOT (i.present AND i.enabled));
            slot_ok := NULL;
            IF NOT triggers_ok THEN
                v_problems := v_problems || 'a capture trigger is missing or disabled, so its changes are not captured '
                              '-- run SELECT * FROM pgtrickle.rebuild_cdc_triggers(), then pgtrickle.refresh_stream_table '
                              'on the stream tables over it'::text;
            END IF;
        ELSE
            triggers_ok := NULL;
            slot_ok := v_slot.slot_name IS NOT NULL AND v_slot.wal_status IS DISTINCT FROM 'lost';
            IF v_slot.slot_name IS NULL THEN
                v_problems := v_problems || format('replication slot %s does not exist, so nothing keeps its changes -- '
                              'start the source connector (it creates the slot and refills the stream tables over it)',
                              pgtrickle._wal_slot_name());
            ELSIF v_slot.wal_status = 'lost' THEN
                v_problems := v_problems || format('replication slot %s lost WAL it needed -- see health_check()',
                                                   v_slot.slot_name);
            END IF;
            IF NOT in_publication THEN
                v_problems := v_problems || format('it is not in publication pgtrickle_wal, so its changes are not decoded '
                              '-- run ALTER PUBLICATION pgtrickle_wal ADD TABLE %s, then pgtrickle.refresh_stream_table '
                              'on the stream tables over it', source_table);
            END IF;
            IF NOT replica_identity_full THEN
                v_problems := v_problems || format('its REPLICA IDENTITY is not FULL, so the WAL lacks the old rows of '
                              'its updates and deletes -- run ALTER TABLE %s REPLICA IDENTITY FULL', source_table);
            END IF;
        END IF;
        healthy := cardinality(v_problems) = 0;
        message := CASE WHEN healthy
                        THEN CASE v_src.cdc_mode WHEN 'wal' THEN format('captured from the WAL through slot %s',
                                                                       v_slot.slot_name)
                                  ELSE format('captured by %s-level triggers', v_src.trigger_mode) END
                        ELSE array_to_string(v_problems, '; ') END
                   || CASE WHEN switch_pending
                           THEN format(' (switched to %s capture; the connector''s WAL decoder has not passed the '
                                       'switch yet)', CASE v_src.cdc_mode WHEN 'wal' THEN 'WAL' ELSE 'trigger' END)
                           ELSE '' END;
        RETURN NEXT;
    END LOOP;
END $$;

COMMENT ON FUNCTION pgtrickle.check_cdc_health() IS
    'Each captured source: how it is captured and whether that works (triggers present and enabled; or in the '
    'publication, REPLICA IDENTITY FULL and a replication slot), with a message saying what to do if not.';

CREATE OR REPLACE FUNCTION pgtrickle.health_check()
RETURNS TABLE (check_name text, severity text, detail text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_sts      bigint;
    v_tick     record;
    v_list     text;
    v_pool     record;
    v_rows     bigint;
    v_slot     record;
    v_wal      bigint;
    v_limit    bigint := pgtrickle._slot_lag_warn_bytes();
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

    -- ACTIVE stream tables late by their own schedule (pgtrickle._late)
    SELECT string_agg(format('%I.%I is %s behind (schedule %s)', pgt_schema, pgt_name,
                             date_trunc('second', clock_timestamp() - data_timestamp), schedule),
                      '; ' ORDER BY pgt_schema, pgt_name)
      INTO v_list FROM pgtrickle.pgt_stream_tables
     WHERE status = 'ACTIVE' AND NOT held AND data_timestamp IS NOT NULL AND pgtrickle._late(pgt_id);
    check_name := 'stale_stream_tables';
    severity := CASE WHEN v_list IS NULL THEN 'OK' ELSE 'WARN' END;
    detail := coalesce(v_list, 'every ACTIVE stream table is up to date by its schedule');
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

    -- a captured source without its capture triggers (dropped, or disabled by ALTER TABLE ... DISABLE TRIGGER):
    -- its writes go nowhere, and every stream table over it silently drifts from its query
    SELECT string_agg(format('%s (%s)', i.source_table, i.problems), '; ' ORDER BY i.source_table)
      INTO v_list
      FROM (SELECT source_table,
                   string_agg(format('%s trigger %s %s', trigger_type, trigger_name,
                                     CASE WHEN present THEN 'disabled' ELSE 'missing' END), ', ' ORDER BY trigger_name) AS problems
              FROM pgtrickle.trigger_inventory() WHERE NOT (present AND enabled)
             GROUP BY source_table) i;
    check_name := 'capture_triggers';
    severity := CASE WHEN v_list IS NULL THEN 'OK' ELSE 'WARN' END;
    detail := coalesce('changes to ' || v_list || ' are not being captured, so the stream tables over them fall '
                       'out of step with their queries -- run SELECT * FROM pgtrickle.rebuild_cdc_triggers() (as the '
                       'catalog owner) to put the capture triggers back, then pgtrickle.refresh_stream_table on the '
                       'stream tables over those sources to refill them from their queries',
                       'every captured source has its capture triggers, enabled');
    RETURN NEXT;

    -- WAL capture (0.4.0.19): the slot exists while sources are captured from the WAL, keeps up, and does not
    -- retain WAL without bound
    SELECT count(*) INTO v_wal FROM pgtrickle.pgt_sources s
     WHERE s.cdc_mode = 'wal' OR EXISTS (SELECT 1 FROM pgtrickle.pgt_cdc_switches w WHERE w.source_relid = s.source_relid);
    SELECT * INTO v_slot FROM pgtrickle.slot_health();
    check_name := 'wal_slot';
    IF v_wal = 0 THEN
        severity := 'OK';
        detail := 'no source is captured from the WAL';
    ELSIF v_slot.slot_name IS NULL THEN
        severity := 'WARN';
        detail := format('%s source(s) are captured from the WAL, but replication slot %s does not exist, so nothing '
                         'keeps their changes -- start the source connector: it creates the slot, and the stream '
                         'tables over those sources are then filled anew from their queries', v_wal, pgtrickle._wal_slot_name());
    ELSIF v_slot.wal_status = 'lost' THEN
        severity := 'ERROR';
        detail := format('replication slot %s lost WAL it still needed (more than max_slot_wal_keep_size = %s was '
                         'retained), so changes to the WAL-captured sources are missing -- drop it (SELECT '
                         'pg_drop_replication_slot(%L)) and restart the source connector: it creates a new slot and '
                         'fills the stream tables over those sources anew', v_slot.slot_name,
                         current_setting('max_slot_wal_keep_size'), v_slot.slot_name);
    ELSE
        severity := 'OK';
        detail := format('replication slot %s is %s, confirmed up to %s', v_slot.slot_name,
                         CASE WHEN v_slot.active THEN 'being read' ELSE 'not being read right now' END,
                         v_slot.confirmed_flush_lsn);
    END IF;
    RETURN NEXT;

    check_name := 'wal_slot_lag';
    IF v_slot.slot_name IS NOT NULL AND v_slot.lag_bytes > v_limit THEN
        severity := 'WARN';
        detail := format('replication slot %s is %s behind the current WAL position (warning above %s, setting '
                         'pgtrickle.slot_lag_warn_mb): changes to WAL-captured sources reach the stream tables late '
                         '-- is the source connector running and keeping up?', v_slot.slot_name,
                         pg_size_pretty(v_slot.lag_bytes), pg_size_pretty(v_limit));
    ELSE
        severity := 'OK';
        detail := CASE WHEN v_slot.slot_name IS NULL THEN 'no replication slot'
                       ELSE format('replication slot %s is %s behind the current WAL position', v_slot.slot_name,
                                   pg_size_pretty(v_slot.lag_bytes)) END;
    END IF;
    RETURN NEXT;

    check_name := 'wal_slot_retention';
    IF v_slot.slot_name IS NOT NULL AND v_slot.wal_status IN ('extended', 'unreserved') THEN
        severity := 'WARN';
        detail := format('replication slot %s retains %s of WAL, more than max_wal_size (wal_status %s)%s -- start or '
                         'speed up the source connector so that it reads the slot', v_slot.slot_name,
                         pg_size_pretty(v_slot.retained_wal_bytes), v_slot.wal_status,
                         CASE WHEN v_slot.wal_status = 'unreserved' THEN ': it loses WAL soon (max_slot_wal_keep_size), '
                                                                         'and the stream tables over WAL-captured sources '
                                                                         'will then be filled anew' ELSE '' END);
    ELSIF v_slot.slot_name IS NOT NULL AND NOT v_slot.active AND current_setting('max_slot_wal_keep_size') = '-1' THEN
        severity := 'WARN';
        detail := format('replication slot %s is not being read and nothing limits the WAL it keeps '
                         '(max_slot_wal_keep_size = -1): it retains %s so far and more with every write, until the disk '
                         'is full -- start the source connector, or set max_slot_wal_keep_size to bound it (a slot '
                         'over the limit loses WAL, and the stream tables over WAL-captured sources are then filled '
                         'anew)', v_slot.slot_name, pg_size_pretty(v_slot.retained_wal_bytes));
    ELSE
        severity := 'OK';
        detail := CASE WHEN v_slot.slot_name IS NULL THEN 'no replication slot'
                       ELSE format('replication slot %s retains %s of WAL', v_slot.slot_name,
                                   pg_size_pretty(v_slot.retained_wal_bytes)) END;
    END IF;
    RETURN NEXT;
END $$;

COMMENT ON FUNCTION pgtrickle.health_check() IS
    'Checks of the whole pipeline, one row each (OK, WARN, ERROR): stream tables in ERROR or SUSPENDED, stale stream '
    'tables, the ticker, heartbeats of the streams app and the sink, the worker pool, the job queue, change buffers, '
    'capture triggers missing or disabled, the WAL capture slot (missing, lagging, retaining WAL without bound).';

SELECT pgtrickle._revoke_internal_execute();
