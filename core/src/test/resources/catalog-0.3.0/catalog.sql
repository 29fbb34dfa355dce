-- Fixture: a catalog as 0.3.0 had it (pg_trickle 0.3.0's sql/archive/pg_trickle--0.3.0.sql for the tables,
-- its src/cdc.rs for the capture), for the 0.3.0 -> 0.4.0 upgrade tests. 0.3.0's functions were C; the only
-- one its capture calls (pg_trickle_hash) is given here in SQL, and pgtrickle._fixture_create_stream_table
-- makes what 0.3.0's create_stream_table made for a stream table:
--   * the storage table, with 0.3.0's row id column __pgt_row_id first, filled from the query;
--   * per source, once: a typed buffer pgtrickle_changes.changes_<oid> (change_id, lsn, action I/U/D/T,
--     pk_hash, new_<col>..., old_<col>...), a ROW-level trigger pg_trickle_cdc_<oid> calling the generated
--     function pgtrickle_changes.pg_trickle_cdc_fn_<oid>(), and a TRUNCATE marker trigger;
--   * its rows in pgt_stream_tables, pgt_dependencies and pgt_change_tracking.
-- Run as a superuser in a database without a Trickle catalog.

CREATE SCHEMA IF NOT EXISTS pgtrickle;
CREATE SCHEMA IF NOT EXISTS pgtrickle_changes;
REVOKE ALL ON SCHEMA pgtrickle_changes FROM PUBLIC;

CREATE TABLE IF NOT EXISTS pgtrickle.pgt_stream_tables (
    pgt_id           BIGSERIAL PRIMARY KEY,
    pgt_relid        OID NOT NULL UNIQUE,
    pgt_name         TEXT NOT NULL,
    pgt_schema       TEXT NOT NULL,
    defining_query  TEXT NOT NULL,
    original_query  TEXT,
    schedule      TEXT,
    refresh_mode    TEXT NOT NULL DEFAULT 'DIFFERENTIAL'
                     CHECK (refresh_mode IN ('FULL', 'DIFFERENTIAL', 'IMMEDIATE')),
    status          TEXT NOT NULL DEFAULT 'INITIALIZING'
                     CHECK (status IN ('INITIALIZING', 'ACTIVE', 'SUSPENDED', 'ERROR')),
    is_populated    BOOLEAN NOT NULL DEFAULT FALSE,
    data_timestamp  TIMESTAMPTZ,
    frontier        JSONB,
    last_refresh_at TIMESTAMPTZ,
    consecutive_errors INT NOT NULL DEFAULT 0,
    needs_reinit    BOOLEAN NOT NULL DEFAULT FALSE,
    auto_threshold  DOUBLE PRECISION,
    last_full_ms    DOUBLE PRECISION,
    functions_used  TEXT[],
    topk_limit      INT,
    topk_order_by   TEXT,
    topk_offset     INT,
    diamond_consistency TEXT NOT NULL DEFAULT 'none'
                     CHECK (diamond_consistency IN ('none', 'atomic')),
    diamond_schedule_policy TEXT NOT NULL DEFAULT 'fastest'
                     CHECK (diamond_schedule_policy IN ('fastest', 'slowest')),
    has_keyless_source BOOLEAN NOT NULL DEFAULT FALSE,
    function_hashes TEXT,
    requested_cdc_mode TEXT
                     CHECK (requested_cdc_mode IN ('auto', 'trigger', 'wal')),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_pgt_status ON pgtrickle.pgt_stream_tables (status);
CREATE UNIQUE INDEX IF NOT EXISTS idx_pgt_name ON pgtrickle.pgt_stream_tables (pgt_schema, pgt_name);

CREATE TABLE IF NOT EXISTS pgtrickle.pgt_dependencies (
    pgt_id        BIGINT NOT NULL REFERENCES pgtrickle.pgt_stream_tables(pgt_id) ON DELETE CASCADE,
    source_relid OID NOT NULL,
    source_type  TEXT NOT NULL CHECK (source_type IN ('TABLE', 'STREAM_TABLE', 'VIEW', 'MATVIEW', 'FOREIGN_TABLE')),
    columns_used TEXT[],
    column_snapshot JSONB,
    schema_fingerprint TEXT,
    cdc_mode     TEXT NOT NULL DEFAULT 'TRIGGER'
                  CHECK (cdc_mode IN ('TRIGGER', 'TRANSITIONING', 'WAL')),
    slot_name    TEXT,
    decoder_confirmed_lsn PG_LSN,
    transition_started_at TIMESTAMPTZ,
    PRIMARY KEY (pgt_id, source_relid)
);
CREATE INDEX IF NOT EXISTS idx_deps_source ON pgtrickle.pgt_dependencies (source_relid);

CREATE TABLE IF NOT EXISTS pgtrickle.pgt_refresh_history (
    refresh_id      BIGSERIAL PRIMARY KEY,
    pgt_id           BIGINT NOT NULL,
    data_timestamp  TIMESTAMPTZ NOT NULL,
    start_time      TIMESTAMPTZ NOT NULL,
    end_time        TIMESTAMPTZ,
    action          TEXT NOT NULL
                     CHECK (action IN ('NO_DATA', 'FULL', 'DIFFERENTIAL', 'REINITIALIZE', 'SKIP')),
    rows_inserted   BIGINT DEFAULT 0,
    rows_deleted    BIGINT DEFAULT 0,
    delta_row_count BIGINT DEFAULT 0,
    merge_strategy_used TEXT,
    was_full_fallback BOOLEAN NOT NULL DEFAULT FALSE,
    error_message   TEXT,
    status          TEXT NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED', 'FAILED', 'SKIPPED')),
    initiated_by    TEXT CHECK (initiated_by IN ('SCHEDULER', 'MANUAL', 'INITIAL')),
    freshness_deadline TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS idx_hist_pgt_ts ON pgtrickle.pgt_refresh_history (pgt_id, data_timestamp);

CREATE TABLE IF NOT EXISTS pgtrickle.pgt_change_tracking (
    source_relid        OID PRIMARY KEY,
    slot_name           TEXT NOT NULL,
    last_consumed_lsn   PG_LSN,
    tracked_by_pgt_ids   BIGINT[]
);

-- 0.3.0's DDL tracking (C there; here it only has to exist and fire)
CREATE FUNCTION pgtrickle._on_ddl_end() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION pgtrickle._on_sql_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER pg_trickle_ddl_tracker ON ddl_command_end EXECUTE FUNCTION pgtrickle._on_ddl_end();
CREATE EVENT TRIGGER pg_trickle_drop_tracker ON sql_drop EXECUTE FUNCTION pgtrickle._on_sql_drop();

CREATE FUNCTION pgtrickle.pg_trickle_hash(input text) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT hashtextextended(input, 0) $$;

-- The capture 0.3.0 set up for one source (src/cdc.rs: create_change_buffer_table, create_change_trigger).
CREATE FUNCTION pgtrickle._fixture_capture(p_relid oid) RETURNS void LANGUAGE plpgsql AS $fixture$
DECLARE
    v_oid     text := p_relid::text;
    v_defs    text;
    v_new     text;
    v_old     text;
    v_newv    text;
    v_oldv    text;
    v_pk_new  text;
    v_pk_old  text;
BEGIN
    IF EXISTS (SELECT 1 FROM pgtrickle.pgt_change_tracking WHERE source_relid = p_relid) THEN
        RETURN;
    END IF;
    SELECT string_agg(format(', %I %s, %I %s', 'new_' || attname, format_type(atttypid, atttypmod),
                             'old_' || attname, format_type(atttypid, atttypmod)), '' ORDER BY attnum),
           string_agg(format(', %I', 'new_' || attname), '' ORDER BY attnum),
           string_agg(format(', %I', 'old_' || attname), '' ORDER BY attnum),
           string_agg(format(', NEW.%I', attname), '' ORDER BY attnum),
           string_agg(format(', OLD.%I', attname), '' ORDER BY attnum)
      INTO v_defs, v_new, v_old, v_newv, v_oldv
      FROM pg_attribute WHERE attrelid = p_relid AND attnum > 0 AND NOT attisdropped;
    -- the primary key's hash (all columns' for a keyless table)
    SELECT 'pgtrickle.pg_trickle_hash(' || string_agg(format('NEW.%I::text', a.attname), ' || ''|'' || ' ORDER BY a.attnum) || ')',
           'pgtrickle.pg_trickle_hash(' || string_agg(format('OLD.%I::text', a.attname), ' || ''|'' || ' ORDER BY a.attnum) || ')'
      INTO v_pk_new, v_pk_old
      FROM pg_attribute a
     WHERE a.attrelid = p_relid AND a.attnum > 0 AND NOT a.attisdropped
       AND (a.attnum = ANY (coalesce((SELECT i.indkey::int2[] FROM pg_index i WHERE i.indrelid = p_relid AND i.indisprimary), '{}'))
            OR NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = p_relid AND i.indisprimary));
    EXECUTE format('CREATE TABLE pgtrickle_changes.changes_%s (change_id BIGSERIAL, lsn PG_LSN NOT NULL, '
                   'action CHAR(1) NOT NULL, pk_hash BIGINT%s)', v_oid, v_defs);
    EXECUTE format('CREATE INDEX idx_changes_%s_lsn_pk_cid ON pgtrickle_changes.changes_%s (lsn, pk_hash, change_id) '
                   'INCLUDE (action)', v_oid, v_oid);
    EXECUTE format($f$CREATE FUNCTION pgtrickle_changes.pg_trickle_cdc_fn_%s() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF TG_OP = 'INSERT' THEN
                 INSERT INTO pgtrickle_changes.changes_%s (lsn, action, pk_hash%s)
                 VALUES (pg_current_wal_insert_lsn(), 'I', %s%s);
                 RETURN NEW;
             ELSIF TG_OP = 'UPDATE' THEN
                 INSERT INTO pgtrickle_changes.changes_%s (lsn, action, pk_hash%s%s)
                 VALUES (pg_current_wal_insert_lsn(), 'U', %s%s%s);
                 RETURN NEW;
             ELSIF TG_OP = 'DELETE' THEN
                 INSERT INTO pgtrickle_changes.changes_%s (lsn, action, pk_hash%s)
                 VALUES (pg_current_wal_insert_lsn(), 'D', %s%s);
                 RETURN OLD;
             END IF;
             RETURN NULL;
         END;
         $$$f$, v_oid, v_oid, v_new, v_pk_new, v_newv, v_oid, v_new, v_old, v_pk_new, v_newv, v_oldv,
         v_oid, v_old, v_pk_old, v_oldv);
    EXECUTE format('CREATE TRIGGER pg_trickle_cdc_%s AFTER INSERT OR UPDATE OR DELETE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION pgtrickle_changes.pg_trickle_cdc_fn_%s()', v_oid, p_relid::regclass, v_oid);
    EXECUTE format($f$CREATE FUNCTION pgtrickle_changes.pg_trickle_cdc_truncate_fn_%s() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             INSERT INTO pgtrickle_changes.changes_%s (lsn, action) VALUES (pg_current_wal_lsn(), 'T');
             RETURN NULL;
         END;
         $$$f$, v_oid, v_oid);
    EXECUTE format('CREATE TRIGGER pg_trickle_cdc_truncate_%s AFTER TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes.pg_trickle_cdc_truncate_fn_%s()',
                   v_oid, p_relid::regclass, v_oid);
    INSERT INTO pgtrickle.pgt_change_tracking (source_relid, slot_name) VALUES (p_relid, 'pg_trickle_slot_' || v_oid);
END $fixture$;

-- A populated 0.3.0 stream table over the given source tables.
CREATE FUNCTION pgtrickle._fixture_create_stream_table(p_schema text, p_name text, p_query text, p_sources regclass[],
                                                       p_schedule text DEFAULT '1m', p_mode text DEFAULT 'DIFFERENTIAL')
RETURNS void LANGUAGE plpgsql AS $fixture$
DECLARE
    v_relid oid;
    v_id    bigint;
    v_src   regclass;
BEGIN
    EXECUTE format('CREATE TABLE %I.%I AS SELECT NULL::bigint AS __pgt_row_id, q.* FROM (%s) q', p_schema, p_name, p_query);
    EXECUTE format('UPDATE %I.%I t SET __pgt_row_id = pgtrickle.pg_trickle_hash(t::text)', p_schema, p_name);
    v_relid := format('%I.%I', p_schema, p_name)::regclass;
    INSERT INTO pgtrickle.pgt_stream_tables (pgt_relid, pgt_name, pgt_schema, defining_query, original_query, schedule,
                                             refresh_mode, status, is_populated, data_timestamp, frontier, last_refresh_at)
    VALUES (v_relid, p_name, p_schema, p_query, p_query, p_schedule, p_mode, 'ACTIVE', true, now(),
            jsonb_build_object('lsn', pg_current_wal_lsn()::text), now())
    RETURNING pgt_id INTO v_id;
    FOREACH v_src IN ARRAY p_sources LOOP
        PERFORM pgtrickle._fixture_capture(v_src);
        INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, source_type) VALUES (v_id, v_src, 'TABLE');
        UPDATE pgtrickle.pgt_change_tracking SET tracked_by_pgt_ids = array_append(tracked_by_pgt_ids, v_id)
         WHERE source_relid = v_src;
    END LOOP;
    INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, data_timestamp, start_time, end_time, action, status, initiated_by)
    VALUES (v_id, now(), now(), now(), 'FULL', 'COMPLETED', 'INITIAL');
END $fixture$;
