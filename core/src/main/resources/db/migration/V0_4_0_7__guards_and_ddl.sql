-- Guards and source DDL (issue 12).
--
-- * Each stream table keeps a dependency view over its defining query, pgtrickle."<schema>.<name>"
--   (pgt_stream_tables.deps_view). PostgreSQL itself then refuses DROP COLUMN / ALTER COLUMN TYPE of a
--   used column and DROP TABLE of a source, naming the view; with CASCADE the view goes and an event
--   trigger (sql_drop) drops exactly the stream tables concerned, as PostgreSQL drops a dependent view.
--   A rename (of a source, a used column, a schema) is followed: an event trigger (ddl_command_end)
--   rewrites the stored defining query from the view when the stored text no longer means the same,
--   and asks the engine to plan and fill the stream table anew.
-- * pgt_status() says STALE for an ACTIVE stream table that does not advance, with the reason.
-- * A DML guard on every stream table's storage table: only the sink writes it (it sets the
--   transaction-local pgtrickle.sink_apply).
-- * Privileges: the capture function finds its buffer from TG_RELID; internal and trigger functions
--   are not executable by PUBLIC; create_stream_table checks what its caller may read and the stream
--   table is owned by its creator; drop and refresh need its ownership.
-- * Bad input: a defining query is exactly one statement, checked before anything runs; a trailing ';'
--   or comment is accepted and stripped; names in Trickle's own schemas and partitioned sources are refused.
-- Existing installs: capture triggers re-created, dependency views and guards added to existing stream tables.

ALTER TABLE pgtrickle.pgt_stream_tables ADD COLUMN deps_view oid;

REVOKE ALL ON SCHEMA pgtrickle_changes FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA pgtrickle_changes FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA pgtrickle FROM PUBLIC;
-- the API functions are for every role (each checks what its caller may do); the tables are not
GRANT USAGE ON SCHEMA pgtrickle TO PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- Capture: the buffer comes from the catalog row of the table that fired (TG_RELID), never from the
-- caller, so that the function cannot be pointed at another stream table's buffer.
CREATE OR REPLACE FUNCTION pgtrickle.capture_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_buf text;
BEGIN
    SELECT s.buffer_table INTO v_buf FROM pgtrickle.pgt_sources s WHERE s.source_relid = TG_RELID;
    IF v_buf IS NULL THEN
        RAISE EXCEPTION 'table % is not a source captured by Trickle', TG_RELID::regclass
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only pgtrickle.create_stream_table attaches capture triggers; drop this trigger.';
    END IF;
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (op, row_data) '
                       'SELECT ''+'', to_jsonb(n.*) FROM __pgt_new n', v_buf);
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (op, row_data) '
                       'SELECT ''-'', to_jsonb(o.*) FROM __pgt_old o', v_buf);
    ELSIF TG_OP = 'UPDATE' THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (op, row_data) '
                       'SELECT ''-'', to_jsonb(o.*) FROM __pgt_old o', v_buf);
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (op, row_data) '
                       'SELECT ''+'', to_jsonb(n.*) FROM __pgt_new n', v_buf);
    ELSIF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (op, row_data) '
                       'SELECT ''T'', to_jsonb(t.*) FROM %s t', v_buf, TG_RELID::regclass);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION pgtrickle.capture_changes_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_buf text;
BEGIN
    SELECT s.buffer_table INTO v_buf FROM pgtrickle.pgt_sources s WHERE s.source_relid = TG_RELID;
    IF v_buf IS NULL THEN
        RAISE EXCEPTION 'table % is not a source captured by Trickle', TG_RELID::regclass
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only pgtrickle.create_stream_table attaches capture triggers; drop this trigger.';
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (op, row_data) VALUES (''-'', $1)', v_buf)
            USING to_jsonb(OLD);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (op, row_data) VALUES (''+'', $1)', v_buf)
            USING to_jsonb(NEW);
    END IF;
    RETURN NULL;
END $$;

-- The capture triggers of one source ('row': 0.3.0's per-row form; else statement-level with transition tables).
CREATE FUNCTION pgtrickle._create_capture_triggers(p_relid oid, p_mode text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_rel text := p_relid::regclass::text;
BEGIN
    IF p_mode = 'row' THEN
        EXECUTE format('CREATE TRIGGER pgt_cdc_row AFTER INSERT OR UPDATE OR DELETE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION pgtrickle.capture_changes_row()', v_rel);
    ELSE
        EXECUTE format('CREATE TRIGGER pgt_cdc_ins AFTER INSERT ON %s REFERENCING NEW TABLE AS __pgt_new '
                       'FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle.capture_changes()', v_rel);
        EXECUTE format('CREATE TRIGGER pgt_cdc_upd AFTER UPDATE ON %s '
                       'REFERENCING OLD TABLE AS __pgt_old NEW TABLE AS __pgt_new '
                       'FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle.capture_changes()', v_rel);
        EXECUTE format('CREATE TRIGGER pgt_cdc_del AFTER DELETE ON %s REFERENCING OLD TABLE AS __pgt_old '
                       'FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle.capture_changes()', v_rel);
    END IF;
    EXECUTE format('CREATE TRIGGER pgt_cdc_trunc BEFORE TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle.capture_changes()', v_rel);
END $$;

CREATE OR REPLACE FUNCTION pgtrickle._install_capture(p_relid oid, p_mode text DEFAULT 'statement') RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_buf  text := 'changes_' || p_relid;
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
        RAISE WARNING 'source table % has no primary key', p_relid::regclass
            USING DETAIL = 'Its changes are captured as whole rows; duplicate rows keep exact multiset semantics.',
                  HINT = 'A primary key spreads its changes evenly over the change topic''s partitions.';
    END IF;
    EXECUTE format('CREATE TABLE pgtrickle_changes.%I ('
                   'change_id bigserial PRIMARY KEY, '
                   'xid xid8 NOT NULL DEFAULT pg_current_xact_id(), '
                   'op "char" NOT NULL, '
                   'row_data jsonb)', v_buf);
    EXECUTE format('CREATE INDEX ON pgtrickle_changes.%I (xid)', v_buf);
    EXECUTE format('REVOKE ALL ON pgtrickle_changes.%I FROM PUBLIC', v_buf);
    PERFORM pgtrickle._create_capture_triggers(p_relid, p_mode);
    INSERT INTO pgtrickle.pgt_sources (source_relid, source_schema, source_name, buffer_table,
                                       has_primary_key, key_columns)
    SELECT p_relid, n.nspname, c.relname, v_buf, cardinality(v_keys) > 0, v_keys
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = p_relid;
END $$;

-- Also for a source that is gone (called from the sql_drop event trigger): its triggers went with it.
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
    END IF;
    DELETE FROM pgtrickle.pgt_sources WHERE source_relid = p_relid;
    EXECUTE format('DROP TABLE IF EXISTS pgtrickle_changes.%I', v_buf);
END $$;

-- ---------------------------------------------------------------------------------------------
-- DML guard: only the sink, which sets pgtrickle.sink_apply = 'on' for its apply transaction
-- (SET LOCAL), writes a stream table. Triggers do not fire under session_replication_role = replica,
-- so that logical replication of a stream table to a subscriber still works.
CREATE FUNCTION pgtrickle._guard_stream_table() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF coalesce(current_setting('pgtrickle.sink_apply', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'cannot % stream table %: its rows are maintained by Trickle',
            CASE TG_OP WHEN 'INSERT' THEN 'insert into' WHEN 'DELETE' THEN 'delete from' ELSE lower(TG_OP) END,
            TG_RELID::regclass
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = 'A stream table holds the result of its defining query; only Trickle''s sink writes it.',
              HINT = 'Change its source tables instead. To make it hold something else, drop it with '
                     'pgtrickle.drop_stream_table and create it with another query.';
END $$;

CREATE FUNCTION pgtrickle._add_guard(p_relid oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = p_relid AND tgname = 'pgt_guard') THEN
        EXECUTE format('CREATE TRIGGER pgt_guard BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle._guard_stream_table()', p_relid::regclass);
    END IF;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Bad input.

-- The text without trailing semicolons, a comment after them, and trailing blanks.
CREATE FUNCTION pgtrickle._normalize_query(p_query text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT rtrim(regexp_replace(rtrim(p_query, E' \t\r\n'), E'(;[ \\t\\r\\n]*)+(--[^\\n]*)?$', ''), E' \t\r\n')
$$;

-- Whether the text is one statement: no ';' outside string literals, quoted identifiers, comments and
-- dollar quotes. Used where the text must not be planned (in SECURITY DEFINER functions, where planning
-- could run a caller's function with the owner's rights). Conservative: a text PostgreSQL would read as
-- one statement may be refused (e.g. E'\'' strings), never the other way round.
CREATE FUNCTION pgtrickle._one_statement(p_query text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c     text[] := regexp_split_to_array(p_query, '');
    n     int := coalesce(array_length(regexp_split_to_array(p_query, ''), 1), 0);
    i     int := 1;
    depth int;
    tag   text;
    j     int;
BEGIN
    WHILE i <= n LOOP
        IF c[i] = ';' THEN
            RETURN false;
        ELSIF c[i] = '''' OR c[i] = '"' THEN
            j := i + 1;
            LOOP
                IF j > n THEN RETURN false; END IF;   -- unterminated: PostgreSQL refuses it anyway
                IF c[j] = c[i] THEN
                    EXIT WHEN j = n OR c[j + 1] <> c[i];
                    j := j + 1;                       -- a doubled quote
                END IF;
                j := j + 1;
            END LOOP;
            i := j + 1;
        ELSIF c[i] = '-' AND i < n AND c[i + 1] = '-' THEN
            WHILE i <= n AND c[i] <> E'\n' LOOP
                i := i + 1;
            END LOOP;
        ELSIF c[i] = '/' AND i < n AND c[i + 1] = '*' THEN
            depth := 1;
            i := i + 2;
            WHILE depth > 0 LOOP
                IF i > n THEN RETURN false; END IF;
                IF c[i] = '/' AND i < n AND c[i + 1] = '*' THEN depth := depth + 1; i := i + 2;
                ELSIF c[i] = '*' AND i < n AND c[i + 1] = '/' THEN depth := depth - 1; i := i + 2;
                ELSE i := i + 1;
                END IF;
            END LOOP;
        ELSIF c[i] = '$' AND (i = 1 OR c[i - 1] !~ '[[:alnum:]_$]') THEN
            tag := substring(substr(p_query, i) FROM '^(\$([A-Za-z_][A-Za-z0-9_]*)?\$)');
            IF tag IS NULL THEN
                i := i + 1;                           -- a parameter ($1) or a lone '$'
            ELSE
                j := strpos(substr(p_query, i + length(tag)), tag);
                IF j = 0 THEN RETURN false; END IF;
                i := i + length(tag) + j - 1 + length(tag);
            END IF;
        ELSE
            i := i + 1;
        END IF;
    END LOOP;
    RETURN true;
END $$;

-- Trickle's own schemas hold no stream table and are read by none.
CREATE FUNCTION pgtrickle._own_schema(p_schema text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT p_schema IN ('pgtrickle', 'pgtrickle_changes')
$$;

-- Why a relation cannot be a source of a stream table, or NULL when it can.
CREATE FUNCTION pgtrickle._unsupported_source(p_relid oid) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
             WHEN pgtrickle._own_schema(n.nspname)
               THEN format('%I.%I belongs to Trickle''s own catalog', n.nspname, c.relname)
             WHEN c.relkind = 'p'
               THEN format('%I.%I is a partitioned table: writes made directly into its partitions and rows moved '
                           'between partitions are not captured yet', n.nspname, c.relname)
             WHEN c.relispartition
               THEN format('%I.%I is a partition of %s: rows written through the parent and rows moved between '
                           'partitions are not captured yet', n.nspname, c.relname,
                           (SELECT i.inhparent::regclass::text FROM pg_inherits i WHERE i.inhrelid = c.oid LIMIT 1))
             WHEN c.relkind <> 'r' OR c.relpersistence = 't'
               THEN format('%I.%I is not a permanent table (relkind %s)', n.nspname, c.relname, c.relkind)
           END
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = p_relid
$$;

-- ---------------------------------------------------------------------------------------------
-- Names with a default schema, for SECURITY DEFINER functions (which run under their own search path).
CREATE FUNCTION pgtrickle._find_stream_table(p_name text, p_default_schema text) RETURNS bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_ident text[];
    v_schema text;
    v_name   text;
    v_id     bigint;
BEGIN
    BEGIN
        v_ident := parse_ident(p_name);
    EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION 'invalid stream table name %: %', quote_literal(p_name), SQLERRM
            USING ERRCODE = 'invalid_name',
                  HINT = 'Double-quote names with spaces, capitals or punctuation, e.g. ''"Order Totals"''.';
    END;
    IF cardinality(v_ident) = 1 THEN
        v_schema := p_default_schema;
        v_name := v_ident[1];
    ELSIF cardinality(v_ident) = 2 THEN
        v_schema := v_ident[1];
        v_name := v_ident[2];
    ELSE
        RAISE EXCEPTION 'invalid stream table name %: expected name or schema.name', quote_literal(p_name)
            USING ERRCODE = 'invalid_name';
    END IF;
    SELECT pgt_id INTO v_id FROM pgtrickle.pgt_stream_tables WHERE pgt_schema = v_schema AND pgt_name = v_name;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'stream table %.% does not exist', quote_ident(v_schema), quote_ident(v_name)
            USING ERRCODE = 'undefined_table', HINT = 'SELECT * FROM pgtrickle.pgt_status() lists the stream tables.';
    END IF;
    RETURN v_id;
END $$;

-- Only the owner of a stream table's storage table (a member of the owning role, or a superuser) may
-- drop or refresh it. The caller is the session user: these functions run as the catalog's owner.
CREATE FUNCTION pgtrickle._check_owner(p_id bigint, p_action text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_st    record;
BEGIN
    SELECT s.pgt_schema, s.pgt_name, c.relowner INTO v_st
      FROM pgtrickle.pgt_stream_tables s LEFT JOIN pg_class c ON c.oid = s.pgt_relid
     WHERE s.pgt_id = p_id;
    IF NOT pg_has_role(session_user, coalesce(v_st.relowner, (SELECT c.relowner FROM pg_class c
                                                              WHERE c.oid = 'pgtrickle.pgt_stream_tables'::regclass)),
                       'USAGE') THEN
        RAISE EXCEPTION 'permission denied to % stream table %.%: must be its owner', p_action,
                quote_ident(v_st.pgt_schema), quote_ident(v_st.pgt_name)
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only the owner of the stream table (or a member of the owning role, or a superuser) may do this.';
    END IF;
END $$;

-- ---------------------------------------------------------------------------------------------
-- create_stream_table runs as its caller: the query is checked, planned and probed with the caller's
-- privileges (PostgreSQL refuses what the caller cannot read), and the storage table is the caller's.
-- register_stream_table then does what needs the catalog owner's rights, checking everything again.
CREATE OR REPLACE FUNCTION pgtrickle.create_stream_table(
    name text, query text, schedule text DEFAULT '1s', refresh_mode text DEFAULT 'AUTO',
    initialize boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_ident  text[];
    v_schema text;
    v_name   text;
    v_mode   text := upper(btrim(coalesce(refresh_mode, '')));
    v_query  text;
    v_cursor refcursor;
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
    BEGIN
        IF schedule IS NULL OR schedule::interval <= interval '0' THEN
            RAISE EXCEPTION 'not positive';
        END IF;
    EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION 'invalid schedule %', quote_literal(schedule)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use a positive interval such as ''1s'' or ''5 minutes''.';
    END;
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
    PERFORM pgtrickle.register_stream_table(format('%I.%I', v_schema, v_name)::regclass, v_query,
                                            pg_catalog.current_schemas(false), schedule, v_mode, initialize);
END $$;

-- Makes an empty table of the caller's into a stream table of the query (create_stream_table calls it
-- after creating the table). Runs as the catalog's owner, so it trusts nothing it is given: the caller
-- (session user) must own the table, the query must be one statement (it is parsed here, never
-- planned or run), the table's owner must be allowed to read every table, column and function the query
-- uses, and the table's columns must be the query's.
CREATE FUNCTION pgtrickle.register_stream_table(
    storage regclass, query text, search_path text[], schedule text DEFAULT '1s', refresh_mode text DEFAULT 'AUTO',
    initialize boolean DEFAULT true) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_saved  text := pg_catalog.current_setting('search_path');
    v_rel    record;
    v_view   text;
    v_deps   oid;
    v_id     bigint;
    v_src    record;
    v_up     bigint;
    v_why    text;
    v_count  int := 0;
    v_mode   text := pg_catalog.upper(pg_catalog.btrim(coalesce(refresh_mode, 'AUTO')));
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    SELECT c.oid, n.nspname, c.relname, c.relowner, c.relkind, r.rolsuper OR r.rolbypassrls AS bypassrls INTO v_rel
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles r ON r.oid = c.relowner
     WHERE c.oid = storage;
    IF NOT FOUND OR v_rel.relkind <> 'r' THEN
        RAISE EXCEPTION 'relation % is not an ordinary table', storage USING ERRCODE = 'wrong_object_type';
    END IF;
    IF NOT pg_has_role(session_user, v_rel.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to make % a stream table: must be its owner', storage
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF pgtrickle._own_schema(v_rel.nspname) THEN
        RAISE EXCEPTION 'cannot create stream table %: schema % is Trickle''s own', storage, quote_ident(v_rel.nspname)
            USING ERRCODE = 'invalid_schema_name';
    END IF;
    IF EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_relid = storage
                                                             OR (s.pgt_schema, s.pgt_name) = (v_rel.nspname, v_rel.relname)) THEN
        RAISE EXCEPTION 'stream table % already exists', storage USING ERRCODE = 'duplicate_table';
    END IF;
    IF NOT pgtrickle._one_statement(query) THEN
        RAISE EXCEPTION 'the defining query of % must be exactly one SELECT, not several statements', storage
            USING ERRCODE = 'syntax_error',
                  HINT = 'Remove everything after the query''s end; a trailing semicolon or comment is fine.';
    END IF;

    -- The dependency view: PostgreSQL refuses DDL that would break the query, naming this view.
    v_view := format('%s.%s', v_rel.nspname, v_rel.relname);
    IF octet_length(v_view) > 63 OR to_regclass(format('pgtrickle.%I', v_view)) IS NOT NULL THEN
        v_view := 'st_' || storage::oid;
    END IF;
    PERFORM set_config('search_path', coalesce(nullif((SELECT string_agg(quote_ident(p), ', ') FROM unnest(search_path) p), ''), '""'), true);
    BEGIN
        EXECUTE format('CREATE VIEW pgtrickle.%I AS %s', v_view, query);
    EXCEPTION WHEN OTHERS THEN
        PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
        RAISE EXCEPTION 'invalid defining query for stream table %: %', storage, SQLERRM
            USING ERRCODE = SQLSTATE, HINT = 'The query must be one SELECT (or WITH ... SELECT, VALUES) that PostgreSQL can run on its own.';
    END;
    PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
    v_deps := format('pgtrickle.%I', v_view)::regclass;
    EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', v_deps::regclass);

    IF EXISTS (SELECT a.attname, a.atttypid FROM pg_attribute a WHERE a.attrelid = v_deps AND a.attnum > 0
               EXCEPT
               SELECT a.attname, a.atttypid FROM pg_attribute a WHERE a.attrelid = storage AND a.attnum > 0 AND NOT a.attisdropped)
       OR (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = v_deps AND a.attnum > 0)
          <> (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = storage AND a.attnum > 0 AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'the columns of % are not those of its defining query', storage
            USING ERRCODE = 'datatype_mismatch', HINT = 'Use pgtrickle.create_stream_table, which creates the table from the query.';
    END IF;

    -- what the query reads and calls: the owner of the stream table must be allowed to
    FOR v_src IN
        SELECT d.refobjid AS oid,
               bool_and(has_table_privilege(v_rel.relowner, d.refobjid, 'SELECT')) AS whole,
               bool_and(d.refobjsubid = 0 OR has_column_privilege(v_rel.relowner, d.refobjid, d.refobjsubid::smallint, 'SELECT')) AS cols,
               (SELECT c.relrowsecurity FROM pg_class c WHERE c.oid = d.refobjid) AS rls
          FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
         WHERE r.ev_class = v_deps AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> v_deps
         GROUP BY d.refobjid
    LOOP
        v_why := pgtrickle._unsupported_source(v_src.oid);
        IF v_why IS NOT NULL THEN
            RAISE EXCEPTION 'source % of stream table % is not supported: %', v_src.oid::regclass, storage, v_why
                USING ERRCODE = 'feature_not_supported',
                      HINT = CASE WHEN v_why LIKE '%partition%' THEN 'Create the stream table over ordinary (unpartitioned) tables.'
                                  WHEN v_why LIKE '%Trickle''s own catalog' THEN 'Read the catalog through its functions (pgtrickle.pgt_status(), ...).'
                                  ELSE 'Stream tables read ordinary tables; write the view''s query into the defining query instead.' END;
        END IF;
        v_count := v_count + 1;
        IF NOT (v_src.whole OR v_src.cols) THEN
            RAISE EXCEPTION 'cannot create stream table %: permission denied for table %', storage, v_src.oid::regclass
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = 'A stream table''s owner must be allowed to read everything its query reads.';
        END IF;
        IF v_src.rls AND NOT v_rel.bypassrls THEN
            RAISE EXCEPTION 'cannot create stream table % over %: that table has row-level security', storage, v_src.oid::regclass
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = 'Trickle maintains a stream table from every row of its sources, so it would show rows its owner may not see.',
                      HINT = 'Create it as a role that bypasses row-level security, or over a table without it.';
        END IF;
    END LOOP;
    IF v_count = 0 THEN
        RAISE EXCEPTION 'the defining query of % reads no table', storage
            USING ERRCODE = 'invalid_parameter_value', HINT = 'A stream table follows the tables its query reads.';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
                WHERE r.ev_class = v_deps AND d.refclassid = 'pg_proc'::regclass
                  AND NOT has_function_privilege(v_rel.relowner, d.refobjid, 'EXECUTE')) THEN
        RAISE EXCEPTION 'cannot create stream table %: its owner may not execute a function its query calls', storage
            USING ERRCODE = 'insufficient_privilege';
    END IF;

    INSERT INTO pgtrickle.pgt_stream_tables (pgt_schema, pgt_name, pgt_relid, defining_query, search_path,
                                             schedule, refresh_mode, needs_init, status, deps_view)
    VALUES (v_rel.nspname, v_rel.relname, storage, query, coalesce(search_path, '{}'), schedule, v_mode,
            coalesce(initialize, true), CASE WHEN coalesce(initialize, true) THEN 'INITIALIZING' ELSE 'PAUSED' END, v_deps)
    RETURNING pgt_id INTO v_id;

    FOR v_src IN
        SELECT DISTINCT d.refobjid AS oid
          FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
         WHERE r.ev_class = v_deps AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> v_deps
    LOOP
        -- the storage table of a stream table: follow its delta topic, capture nothing
        SELECT st.pgt_id INTO v_up FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_relid = v_src.oid;
        IF v_up IS NULL THEN
            PERFORM pgtrickle._install_capture(v_src.oid, coalesce(current_setting('pgtrickle.cdc_trigger_mode', true), 'statement'));
        END IF;
        INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, upstream_id) VALUES (v_id, v_src.oid, v_up);
    END LOOP;
    PERFORM pgtrickle._check_no_cycle(v_id);
    PERFORM pgtrickle._add_guard(storage);
    IF v_rel.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user) THEN
        -- the pipeline (connecting as the catalog's owner) reads and writes it
        EXECUTE format('GRANT SELECT, INSERT, DELETE ON %s TO %I', storage, current_user);
    END IF;
    PERFORM pg_notify('pgtrickle_catalog', v_id::text);
    PERFORM set_config('search_path', v_saved, true);
    RETURN v_id;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Drop: the dependency view goes with the stream table.
CREATE OR REPLACE FUNCTION pgtrickle._drop_one(p_id bigint) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_st    pgtrickle.pgt_stream_tables;
    v_relid oid;
BEGIN
    SELECT * INTO v_st FROM pgtrickle.pgt_stream_tables WHERE pgt_id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    DELETE FROM pgtrickle.pgt_stream_tables WHERE pgt_id = p_id;
    IF v_st.deps_view IS NOT NULL AND EXISTS (SELECT 1 FROM pg_class WHERE oid = v_st.deps_view) THEN
        EXECUTE format('DROP VIEW %s', v_st.deps_view::regclass);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_class WHERE oid = v_st.pgt_relid) THEN
        EXECUTE format('DROP TABLE %s', v_st.pgt_relid::regclass);
    END IF;
    FOR v_relid IN
        SELECT s.source_relid FROM pgtrickle.pgt_sources s
         WHERE NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d WHERE d.source_relid = s.source_relid)
    LOOP
        PERFORM pgtrickle._remove_capture(v_relid);
    END LOOP;
    PERFORM pg_notify('pgtrickle_catalog', p_id::text);
END $$;

-- The stream table and every one downstream of it, the furthest downstream first.
CREATE FUNCTION pgtrickle._drop_with_dependents(p_id bigint) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_dep bigint;
BEGIN
    FOR v_dep IN
        WITH RECURSIVE down(id, depth) AS (
            SELECT d.pgt_id, 1 FROM pgtrickle.pgt_dependencies d WHERE d.upstream_id = p_id
            UNION ALL
            SELECT d.pgt_id, down.depth + 1 FROM pgtrickle.pgt_dependencies d JOIN down ON d.upstream_id = down.id
        )
        SELECT id FROM down GROUP BY id ORDER BY max(depth) DESC, id
    LOOP
        PERFORM pgtrickle._drop_one(v_dep);
    END LOOP;
    PERFORM pgtrickle._drop_one(p_id);
END $$;

CREATE OR REPLACE FUNCTION pgtrickle.drop_stream_table(name text, cascade boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_saved  text := pg_catalog.current_setting('search_path');
    v_default text := pg_catalog.current_schema();
    v_id     bigint;
    v_st     record;
    v_deps   text;
    v_dep    bigint;
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    v_id := pgtrickle._find_stream_table(name, v_default);
    SELECT pgt_schema, pgt_name INTO v_st FROM pgtrickle.pgt_stream_tables WHERE pgt_id = v_id FOR UPDATE;
    PERFORM pgtrickle._check_owner(v_id, 'drop');
    SELECT string_agg(format('%I.%I', s.pgt_schema, s.pgt_name), ', ' ORDER BY s.pgt_schema, s.pgt_name)
      INTO v_deps
      FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_id IN (SELECT pgt_id FROM pgtrickle._dependents(v_id));
    IF v_deps IS NOT NULL AND NOT coalesce(cascade, false) THEN
        RAISE EXCEPTION 'cannot drop stream table %.%: stream table(s) % read it', quote_ident(v_st.pgt_schema),
                quote_ident(v_st.pgt_name), v_deps
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = format('Drop those first, or drop them all with pgtrickle.drop_stream_table(%L, cascade => true).', name);
    END IF;
    FOR v_dep IN SELECT pgt_id FROM pgtrickle._dependents(v_id) LOOP
        PERFORM pgtrickle._check_owner(v_dep, 'drop');
    END LOOP;
    PERFORM pgtrickle._drop_with_dependents(v_id);
    PERFORM set_config('search_path', v_saved, true);
END $$;

CREATE OR REPLACE FUNCTION pgtrickle.refresh_stream_table(name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_saved  text := pg_catalog.current_setting('search_path');
    v_default text := pg_catalog.current_schema();
    v_id     bigint;
    v_ids    bigint[];
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    v_id := pgtrickle._find_stream_table(name, v_default);
    PERFORM pgtrickle._check_owner(v_id, 'refresh');
    v_ids := ARRAY(SELECT v_id UNION SELECT d.pgt_id FROM pgtrickle._dependents(v_id) d
                    JOIN pgtrickle.pgt_stream_tables s ON s.pgt_id = d.pgt_id WHERE s.status <> 'PAUSED');
    UPDATE pgtrickle.pgt_stream_tables
       SET needs_init = true, init_tick = NULL,
           engine_ready = CASE WHEN status IN ('ERROR', 'PAUSED') THEN false ELSE engine_ready END,
           status = CASE WHEN status IN ('PAUSED', 'ERROR') THEN 'INITIALIZING' ELSE status END,
           last_error = NULL
     WHERE pgt_id = ANY (v_ids);
    PERFORM pg_notify('pgtrickle_catalog', id::text) FROM unnest(v_ids) id;
    PERFORM set_config('search_path', v_saved, true);
END $$;

-- ---------------------------------------------------------------------------------------------
-- pgt_status(): an ACTIVE stream table that does not advance says STALE, with the reason in
-- last_error: its data is older than max(3 schedules, 30 s) and it is 10 or more ticks behind the
-- newest tick, or no tick was taken for max(3 schedules, 30 s). Each role sees the stream tables it
-- may read.
CREATE OR REPLACE FUNCTION pgtrickle.pgt_status()
RETURNS TABLE (name text, status text, refresh_mode text, schedule text, last_tick bigint,
               data_timestamp timestamptz, staleness interval, last_error text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('%I.%I', s.pgt_schema, s.pgt_name),
           CASE WHEN v.stale THEN 'STALE' ELSE s.status END,
           s.refresh_mode, s.schedule, s.last_tick,
           s.data_timestamp, clock_timestamp() - s.data_timestamp,
           CASE WHEN NOT v.stale THEN s.last_error
                WHEN v.ticker_stopped
                THEN format('not advancing: no tick was taken for %s (the source connector is not running or '
                            'is failing); the data is that of tick %s, %s old. See pgtrickle.health_check()',
                            date_trunc('second', clock_timestamp() - n.created_at), s.last_tick, date_trunc('second', v.age))
                ELSE format('not advancing: at tick %s, %s tick(s) behind the newest tick %s, data %s old (the streams '
                            'app or the sink is not applying its ticks). See pgtrickle.health_check()',
                            s.last_tick, n.tick_id - s.last_tick, n.tick_id, date_trunc('second', v.age))
           END
      FROM pgtrickle.pgt_stream_tables s
      LEFT JOIN LATERAL (SELECT t.tick_id, t.created_at FROM pgtrickle.pgt_ticks t ORDER BY t.tick_id DESC LIMIT 1) n ON true
      CROSS JOIN LATERAL (SELECT greatest(3 * s.schedule::interval, interval '30 seconds') AS bound,
                                 clock_timestamp() - s.data_timestamp AS age) b
      CROSS JOIN LATERAL (SELECT coalesce(clock_timestamp() - n.created_at > b.bound, false) AS ticker_stopped, b.age) v0
      CROSS JOIN LATERAL (SELECT v0.ticker_stopped, v0.age,
                                 s.status = 'ACTIVE' AND s.data_timestamp IS NOT NULL AND v0.age > b.bound
                                 AND (v0.ticker_stopped OR coalesce(n.tick_id - s.last_tick, 0) >= 10) AS stale) v
     WHERE pg_has_role(session_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = 'pgtrickle.pgt_stream_tables'::regclass), 'USAGE')
        OR coalesce(has_table_privilege(session_user, s.pgt_relid, 'SELECT'), false)
     ORDER BY s.pgt_schema, s.pgt_name
$$;

-- ---------------------------------------------------------------------------------------------
-- Source DDL.

-- Whether p_query, parsed under p_path, is the query PostgreSQL renders as p_target (pg_get_viewdef of
-- the dependency view): the same tables, columns, functions and constants, the same output columns.
CREATE FUNCTION pgtrickle._means(p_query text, p_path text, p_target text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_same boolean := false;
BEGIN
    IF NOT pgtrickle._one_statement(p_query) THEN
        RETURN false;
    END IF;
    IF to_regclass('pg_temp.__pgt_sync') IS NOT NULL THEN
        DROP VIEW pg_temp.__pgt_sync;
    END IF;
    BEGIN
        PERFORM set_config('search_path', p_path, true);
        EXECUTE format('CREATE TEMP VIEW __pgt_sync AS %s', p_query);
        v_same := pg_get_viewdef('pg_temp.__pgt_sync'::regclass, false) = p_target;
        PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
        DROP VIEW pg_temp.__pgt_sync;
    EXCEPTION WHEN OTHERS THEN
        v_same := false;
    END;
    PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
    RETURN v_same;
END $$;

-- After DDL on a source: does the stored query still mean what the dependency view means (which
-- follows renames)? If not, it becomes the stored text with the renamed names put in (p_old[i] ->
-- p_new[i]) when that means exactly what the view means (a literal that happens to equal an old name
-- makes it differ), else the
-- view's text (PostgreSQL's rendering); and the stream table is planned and filled anew. Returns
-- whether it changed.
CREATE FUNCTION pgtrickle._sync_query(p_id bigint, p_old text[], p_new text[]) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_st     pgtrickle.pgt_stream_tables;
    v_path   text;
    v_target text;
    v_text   text;
    i        int;
BEGIN
    SELECT * INTO v_st FROM pgtrickle.pgt_stream_tables WHERE pgt_id = p_id;
    IF v_st.deps_view IS NULL OR NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = v_st.deps_view) THEN
        RETURN false;
    END IF;
    v_path := coalesce(nullif((SELECT string_agg(quote_ident(p), ', ') FROM unnest(v_st.search_path) p), ''), '""');
    PERFORM set_config('search_path', v_path, true);
    v_target := pg_get_viewdef(v_st.deps_view, false);
    PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
    IF pgtrickle._means(v_st.defining_query, v_path, v_target) THEN
        RETURN false;
    END IF;
    v_text := v_st.defining_query;
    FOR i IN 1 .. coalesce(array_length(p_old, 1), 0) LOOP
        CONTINUE WHEN p_old[i] IS NULL OR p_new[i] IS NULL OR p_old[i] = p_new[i];
        IF p_old[i] ~ '^[a-z_][a-z0-9_]*$' THEN
            v_text := regexp_replace(v_text, '\m' || p_old[i] || '\M', quote_ident(p_new[i]), 'g');
        ELSE
            v_text := replace(v_text, quote_ident(p_old[i]), quote_ident(p_new[i]));
        END IF;
    END LOOP;
    IF v_text = v_st.defining_query OR NOT pgtrickle._means(v_text, v_path, v_target) THEN
        PERFORM set_config('search_path', v_path, true);
        v_text := pg_get_viewdef(v_st.deps_view, true);
        PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
        v_text := btrim(regexp_replace(btrim(v_text, E' \t\r\n'), ';$', ''), E' \t\r\n');
    END IF;
    -- INITIALIZING: until the new plan's fill, the old plan reads the renamed column as missing, so the
    -- sink keeps the content of the last tick before the rename instead of applying its deltas
    UPDATE pgtrickle.pgt_stream_tables
       SET defining_query = v_text, needs_init = true, init_tick = NULL, engine_ready = false,
           status = CASE WHEN status IN ('ACTIVE', 'ERROR') THEN 'INITIALIZING' ELSE status END,
           last_error = NULL
     WHERE pgt_id = p_id;
    -- stream tables over it are filled anew after its new fill, as refresh_stream_table does
    UPDATE pgtrickle.pgt_stream_tables s
       SET needs_init = true, init_tick = NULL
      FROM pgtrickle._dependents(p_id) d
     WHERE s.pgt_id = d.pgt_id AND s.status NOT IN ('PAUSED', 'ERROR', 'SUSPENDED');
    PERFORM pg_notify('pgtrickle_catalog', p_id::text);
    RETURN true;
END $$;

-- ALTER TABLE / ALTER SCHEMA on a source: the capture's names follow renames (the change topic is
-- named after the table), and each stream table reading it keeps a defining query that means what it
-- meant (see _sync_query). ADD COLUMN and DROP of an unused column change nothing. The names a
-- statement renames are read from its text (RENAME [COLUMN] a TO b) and from the captured names:
-- candidates only, each result is checked against the dependency view.
CREATE FUNCTION pgtrickle._on_ddl_end() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_objs oid[];
    v_old  text[];
    v_new  text[];
    v_id   bigint;
BEGIN
    IF to_regclass('pgtrickle.pgt_stream_tables') IS NULL THEN
        RETURN;
    END IF;
    SELECT array_agg(DISTINCT c.objid) INTO v_objs FROM pg_event_trigger_ddl_commands() c
     WHERE c.classid IN ('pg_class'::regclass, 'pg_namespace'::regclass);
    IF v_objs IS NULL OR NOT EXISTS (
            SELECT 1 FROM pgtrickle.pgt_dependencies d JOIN pg_class c ON c.oid = d.source_relid
             WHERE c.oid = ANY (v_objs) OR c.relnamespace = ANY (v_objs)) THEN
        RETURN;
    END IF;
    SELECT array_agg(CASE WHEN m[1] LIKE '"%' THEN replace(btrim(m[1], '"'), '""', '"') ELSE lower(m[1]) END),
           array_agg(CASE WHEN m[2] LIKE '"%' THEN replace(btrim(m[2], '"'), '""', '"') ELSE lower(m[2]) END)
      INTO v_old, v_new
      FROM regexp_matches(coalesce(current_query(), ''),
                          'rename\s+(?:column\s+)?("(?:[^"]|"")+"|[[:alpha:]_][[:alnum:]_$]*)\s+to\s+("(?:[^"]|"")+"|[[:alpha:]_][[:alnum:]_$]*)',
                          'gi') m;
    SELECT coalesce(v_old, '{}') || coalesce(array_agg(x.old), '{}'), coalesce(v_new, '{}') || coalesce(array_agg(x.new), '{}')
      INTO v_old, v_new
      FROM (SELECT s.source_name AS old, c.relname::text AS new FROM pgtrickle.pgt_sources s JOIN pg_class c ON c.oid = s.source_relid
             WHERE s.source_name <> c.relname
            UNION ALL
            SELECT s.source_schema, n.nspname::text FROM pgtrickle.pgt_sources s JOIN pg_class c ON c.oid = s.source_relid
              JOIN pg_namespace n ON n.oid = c.relnamespace WHERE s.source_schema <> n.nspname) x;
    UPDATE pgtrickle.pgt_sources s SET source_schema = n.nspname, source_name = c.relname
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = s.source_relid AND (c.oid = ANY (v_objs) OR n.oid = ANY (v_objs))
       AND (s.source_schema, s.source_name) IS DISTINCT FROM (n.nspname::text, c.relname::text);
    FOR v_id IN
        SELECT DISTINCT d.pgt_id
          FROM pgtrickle.pgt_dependencies d JOIN pg_class c ON c.oid = d.source_relid
         WHERE c.oid = ANY (v_objs) OR c.relnamespace = ANY (v_objs)
         ORDER BY 1
    LOOP
        IF pgtrickle._sync_query(v_id, v_old, v_new) THEN
            RAISE NOTICE 'stream table % now reads: %', (SELECT format('%I.%I', pgt_schema, pgt_name)
                                                         FROM pgtrickle.pgt_stream_tables WHERE pgt_id = v_id),
                         (SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_id = v_id)
                USING DETAIL = 'Its stored query no longer meant what it holds (a table or column it reads was renamed, '
                               'or * would now take more columns); it is planned and filled anew.';
        END IF;
    END LOOP;
END $$;

-- DROP: a stream table whose table was dropped by hand leaves the catalog; one whose dependency view
-- went (DROP TABLE/COLUMN ... CASCADE of what it reads, or DROP SCHEMA ... CASCADE) is dropped with
-- the stream tables downstream of it, as PostgreSQL drops a dependent view; a dropped source's
-- capture (buffer, catalog row) goes.
CREATE FUNCTION pgtrickle._on_sql_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_dropped oid[];
    v_st      record;
    v_rel     oid;
BEGIN
    IF to_regclass('pgtrickle.pgt_stream_tables') IS NULL THEN
        RETURN;
    END IF;
    SELECT array_agg(o.objid) INTO v_dropped FROM pg_event_trigger_dropped_objects() o
     WHERE o.classid = 'pg_class'::regclass AND o.objsubid = 0;
    IF v_dropped IS NULL THEN
        RETURN;
    END IF;
    FOR v_st IN SELECT pgt_id, pgt_schema, pgt_name FROM pgtrickle.pgt_stream_tables
                 WHERE pgt_relid = ANY (v_dropped) ORDER BY pgt_id LOOP
        RAISE NOTICE 'stream table %.% was dropped with its table', quote_ident(v_st.pgt_schema), quote_ident(v_st.pgt_name);
        PERFORM pgtrickle._drop_with_dependents(v_st.pgt_id);
    END LOOP;
    FOR v_st IN SELECT pgt_id, pgt_schema, pgt_name FROM pgtrickle.pgt_stream_tables
                 WHERE deps_view = ANY (v_dropped) ORDER BY pgt_id LOOP
        CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables WHERE pgt_id = v_st.pgt_id);
        RAISE NOTICE 'drop cascades to stream table %.%', quote_ident(v_st.pgt_schema), quote_ident(v_st.pgt_name);
        PERFORM pgtrickle._drop_with_dependents(v_st.pgt_id);
    END LOOP;
    FOR v_rel IN SELECT source_relid FROM pgtrickle.pgt_sources WHERE source_relid = ANY (v_dropped) LOOP
        -- only stream tables without a dependency view (their query failed at the upgrade) still read it
        UPDATE pgtrickle.pgt_stream_tables
           SET status = 'ERROR', engine_ready = false,
               last_error = format('source table %I.%I was dropped; drop this stream table with pgtrickle.drop_stream_table',
                                   (SELECT source_schema FROM pgtrickle.pgt_sources WHERE source_relid = v_rel),
                                   (SELECT source_name FROM pgtrickle.pgt_sources WHERE source_relid = v_rel))
         WHERE pgt_id IN (SELECT d.pgt_id FROM pgtrickle.pgt_dependencies d WHERE d.source_relid = v_rel);
        PERFORM pg_notify('pgtrickle_catalog', d.pgt_id::text) FROM pgtrickle.pgt_dependencies d WHERE d.source_relid = v_rel;
        DELETE FROM pgtrickle.pgt_dependencies WHERE source_relid = v_rel;
        PERFORM pgtrickle._remove_capture(v_rel);
    END LOOP;
END $$;

-- Event triggers need a superuser; a catalog installed by another role works without them (DDL on a
-- source is then not watched, and a warning says so).
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        CREATE EVENT TRIGGER pgt_ddl_end ON ddl_command_end WHEN TAG IN ('ALTER TABLE', 'ALTER SCHEMA')
            EXECUTE FUNCTION pgtrickle._on_ddl_end();
        CREATE EVENT TRIGGER pgt_sql_drop ON sql_drop EXECUTE FUNCTION pgtrickle._on_sql_drop();
    ELSE
        RAISE WARNING 'the Trickle catalog is installed by % (not a superuser): DDL on source tables is not watched', current_user
            USING HINT = 'Install the catalog as a superuser so that renames and drops of sources are followed.';
    END IF;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Existing installs.
DO $$
DECLARE
    v_src  record;
    v_st   record;
    v_view text;
    v_path text;
    v_trg  text;
    v_saved text := current_setting('search_path');
BEGIN
    -- capture triggers without the buffer argument; captures of sources that are gone removed
    FOR v_src IN SELECT s.source_relid, EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = s.source_relid) AS present,
                        EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = s.source_relid AND t.tgname = 'pgt_cdc_row') AS row_mode
                   FROM pgtrickle.pgt_sources s LOOP
        IF v_src.present THEN
            FOR v_trg IN SELECT tgname FROM pg_trigger WHERE tgrelid = v_src.source_relid AND tgname LIKE 'pgt\_cdc\_%' LOOP
                EXECUTE format('DROP TRIGGER %I ON %s', v_trg, v_src.source_relid::regclass);
            END LOOP;
            PERFORM pgtrickle._create_capture_triggers(v_src.source_relid, CASE WHEN v_src.row_mode THEN 'row' ELSE 'statement' END);
        ELSE
            UPDATE pgtrickle.pgt_stream_tables
               SET status = 'ERROR', engine_ready = false,
                   last_error = 'a source table of it was dropped; drop this stream table with pgtrickle.drop_stream_table'
             WHERE pgt_id IN (SELECT d.pgt_id FROM pgtrickle.pgt_dependencies d WHERE d.source_relid = v_src.source_relid);
            DELETE FROM pgtrickle.pgt_dependencies WHERE source_relid = v_src.source_relid;
            PERFORM pgtrickle._remove_capture(v_src.source_relid);
        END IF;
    END LOOP;
    -- dependency views and guards for existing stream tables
    FOR v_st IN SELECT * FROM pgtrickle.pgt_stream_tables ORDER BY pgt_id LOOP
        IF EXISTS (SELECT 1 FROM pg_class WHERE oid = v_st.pgt_relid) THEN
            PERFORM pgtrickle._add_guard(v_st.pgt_relid);
        END IF;
        v_view := format('%s.%s', v_st.pgt_schema, v_st.pgt_name);
        IF octet_length(v_view) > 63 OR to_regclass(format('pgtrickle.%I', v_view)) IS NOT NULL THEN
            v_view := 'st_' || v_st.pgt_relid;
        END IF;
        v_path := coalesce(nullif((SELECT string_agg(quote_ident(p), ', ') FROM unnest(v_st.search_path) p), ''), '""');
        BEGIN
            IF NOT pgtrickle._one_statement(pgtrickle._normalize_query(v_st.defining_query)) THEN
                RAISE EXCEPTION 'its defining query is more than one statement';
            END IF;
            PERFORM set_config('search_path', v_path, true);
            EXECUTE format('CREATE VIEW pgtrickle.%I AS %s', v_view, pgtrickle._normalize_query(v_st.defining_query));
            PERFORM set_config('search_path', v_saved, true);
            EXECUTE format('REVOKE ALL ON pgtrickle.%I FROM PUBLIC', v_view);
            UPDATE pgtrickle.pgt_stream_tables
               SET deps_view = format('pgtrickle.%I', v_view)::regclass,
                   defining_query = pgtrickle._normalize_query(defining_query)
             WHERE pgt_id = v_st.pgt_id;
        EXCEPTION WHEN OTHERS THEN
            PERFORM set_config('search_path', v_saved, true);
            UPDATE pgtrickle.pgt_stream_tables
               SET status = 'ERROR', engine_ready = false,
                   last_error = format('its defining query no longer works (%s); drop it with pgtrickle.drop_stream_table '
                                       'and create it again', SQLERRM)
             WHERE pgt_id = v_st.pgt_id AND status <> 'ERROR';
        END;
    END LOOP;
END $$;

-- Internal functions, trigger functions and event trigger functions are the catalog owner's only.
-- Every migration that creates functions ends with a call: CREATE FUNCTION grants EXECUTE to PUBLIC.
CREATE FUNCTION pgtrickle._revoke_internal_execute() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_fn regprocedure;
BEGIN
    FOR v_fn IN
        SELECT p.oid::regprocedure FROM pg_proc p
         WHERE p.pronamespace = 'pgtrickle'::regnamespace
           AND (p.proname LIKE '\_%' OR p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype))
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', v_fn);
    END LOOP;
END $$;
SELECT pgtrickle._revoke_internal_execute();
