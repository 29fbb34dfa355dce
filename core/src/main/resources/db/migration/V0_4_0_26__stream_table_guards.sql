-- Catalog 0.4.0.26: stream tables guarded where PostgreSQL alone decides (issue 12).
--   1. refresh_mode => 'DIFFERENTIAL' is refused in the creating (or altering) transaction for the constructs
--      PostgreSQL itself can name as unmaintainable, in the engine's words;
--   2. DROP COLUMN / ALTER COLUMN TYPE / DROP TABLE that a stream table depends on is refused naming the stream
--      tables and what to do, not the internal dependency view;
--   3. drop/alter/refresh/resume check ownership against the role the caller is in (SET ROLE), not session_user.
--
-- The planner runs in the streams app, which sees a stream table only once its create has committed, so the
-- engine's verdict cannot come back in time. What can be decided here, from the dependency view PostgreSQL
-- has just built from the query (the parse tree stored in its rule), is decided here:
--   * a volatile function (random(), clock_timestamp(), nextval(), gen_random_uuid(), ...) and the functions
--     whose value is the time of evaluation (now(), transaction_timestamp(), statement_timestamp(),
--     CURRENT_DATE, CURRENT_TIMESTAMP, LOCALTIMESTAMP, ...): the engine refuses them ("its value changes between
--     evaluations"), as pg_trickle refuses volatile functions in DIFFERENTIAL mode;
--   * a function, aggregate or operator that is not PostgreSQL's own (pg_catalog): the engine knows PostgreSQL's
--     built-in functions only, and one of the same name would compute pg_catalog's, not the user's.
-- The rest (a built-in the engine lacks, e.g. md5(); a type it does not compare, e.g. = on uuid; LATERAL,
-- VALUES, interval values, ...) is still the engine's to refuse, with status ERROR seconds after the commit.

-- The first construct of the query behind dependency view p_view that the engine cannot maintain, as the
-- engine words it (UnsupportedQueryException), or NULL when nothing here says so. Read from the rule's stored
-- parse tree, not pg_depend: PostgreSQL records no dependency on its own (pinned) functions and operators.
CREATE FUNCTION pgtrickle._differential_refusal(p_view oid) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_tree     text := (SELECT r.ev_action::text FROM pg_rewrite r WHERE r.ev_class = p_view AND r.rulename = '_RETURN');
    v_procs    oid[];
    v_ops      oid[];
    v_op       int;
    v_name     text;
    v_detail   text;
    v_tail     constant text := '; use refresh_mode => ''FULL'' (or ''AUTO'') in create_stream_table or alter_stream_table';
    v_changing constant text := 'its value changes between evaluations';
    v_builtin  constant text := 'the engine knows PostgreSQL''s built-in functions and operators only';
BEGIN
    IF v_tree IS NULL THEN
        RETURN NULL;
    END IF;
    -- every function, aggregate, window function and operator the query calls (the operators' functions too)
    v_procs := ARRAY(SELECT DISTINCT m[2]::oid FROM regexp_matches(v_tree, ':(funcid|aggfnoid|winfnoid|opfuncid) (\d+)', 'g') m
                     WHERE m[2] <> '0');
    v_ops := ARRAY(SELECT DISTINCT m[1]::oid FROM regexp_matches(v_tree, ':opno (\d+)', 'g') m WHERE m[1] <> '0');
    -- an operator of the user's is named as such, before the function behind it
    SELECT format('operator %s', o.oid::regoperator) INTO v_name
      FROM pg_operator o
     WHERE o.oid = ANY (v_ops) AND o.oprnamespace <> 'pg_catalog'::regnamespace
     ORDER BY o.oprname LIMIT 1;
    IF v_name IS NOT NULL THEN
        RETURN format('%s is not maintained incrementally yet (%s)%s', v_name, v_builtin, v_tail);
    END IF;
    SELECT CASE WHEN p.pronamespace = 'pg_catalog'::regnamespace THEN p.proname
                ELSE format('function %s', p.oid::regproc) END || '()',
           CASE WHEN p.pronamespace <> 'pg_catalog'::regnamespace THEN v_builtin ELSE v_changing END
      INTO v_name, v_detail
      FROM pg_proc p
     WHERE p.oid = ANY (v_procs)
       AND (p.pronamespace <> 'pg_catalog'::regnamespace OR p.provolatile = 'v'
            OR p.oid IN ('pg_catalog.now()'::regprocedure, 'pg_catalog.transaction_timestamp()'::regprocedure,
                         'pg_catalog.statement_timestamp()'::regprocedure))
     ORDER BY (p.pronamespace = 'pg_catalog'::regnamespace) DESC, p.proname
     LIMIT 1;
    IF v_name IS NOT NULL THEN
        RETURN format('%s is not maintained incrementally yet (%s)%s', v_name, v_detail, v_tail);
    END IF;
    -- CURRENT_DATE, CURRENT_TIMESTAMP, LOCALTIMESTAMP, CURRENT_USER, ... are no function calls in PostgreSQL 15's
    -- parse tree (SQLValueFunction), named by number
    v_op := (regexp_match(v_tree, '\{SQLVALUEFUNCTION :op (\d+)'))[1]::int;
    IF v_op IS NOT NULL THEN
        v_name := (ARRAY['current_date', 'current_time', 'current_time', 'current_timestamp', 'current_timestamp',
                         'localtime', 'localtime', 'localtimestamp', 'localtimestamp', 'current_role', 'current_user',
                         'user', 'session_user', 'current_catalog', 'current_schema'])[v_op + 1];
        RETURN format('%s is not maintained incrementally yet (%s)%s', coalesce(v_name, 'a SQL value function'),
                      v_changing, v_tail);
    END IF;
    RETURN NULL;
END $$;

-- Runs where the row is written: register_stream_table's INSERT (create) and _refill_altered's UPDATE of
-- altered_by, which alter_stream_table makes exactly when the query or the mode changed. Other updates (the
-- pipeline's status, the rename-following of source DDL) never run it: a stream table already in the catalog
-- is not refused again by the DDL of its sources.
CREATE FUNCTION pgtrickle._refuse_unmaintainable() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_why text := pgtrickle._differential_refusal(NEW.deps_view);
BEGIN
    IF v_why IS NOT NULL THEN
        RAISE EXCEPTION 'cannot % stream table %.% with refresh_mode DIFFERENTIAL: %',
                CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'alter' END,
                quote_ident(NEW.pgt_schema), quote_ident(NEW.pgt_name), v_why
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Use refresh_mode => ''AUTO'' (incremental where the engine can, else FULL) or ''FULL'' '
                         '(recomputed by PostgreSQL at each tick), or change the query.';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER pgt_differential_on_create BEFORE INSERT ON pgtrickle.pgt_stream_tables
    FOR EACH ROW WHEN (NEW.refresh_mode = 'DIFFERENTIAL') EXECUTE FUNCTION pgtrickle._refuse_unmaintainable();
CREATE TRIGGER pgt_differential_on_alter BEFORE UPDATE OF altered_by ON pgtrickle.pgt_stream_tables
    FOR EACH ROW WHEN (NEW.refresh_mode = 'DIFFERENTIAL') EXECUTE FUNCTION pgtrickle._refuse_unmaintainable();

-- ---------------------------------------------------------------------------------------------
-- Source DDL that a stream table depends on, refused naming the stream tables. PostgreSQL refuses DROP COLUMN
-- and ALTER COLUMN TYPE of a column a stream table reads, and DROP TABLE of a source, because the stream
-- table's dependency view pgtrickle."<schema>.<name>" depends on it; but its error names that internal view and
-- says nothing of stream tables or what to do. At ddl_command_start, before PostgreSQL's own check, this trigger
-- reads the statement, and when it drops or retypes a column that a dependency view reads (or drops a table
-- one reads) without CASCADE, refuses it itself, naming the stream tables and what to do. It refuses only what
-- PostgreSQL refuses (same SQLSTATEs); a statement it does not recognise (several statements in one string, DDL
-- run inside a function or DO block, ...) is left to PostgreSQL's error. CASCADE is PostgreSQL's: the dependency
-- views go, and pgt_sql_drop drops their stream tables.
--
-- It runs as the user whose DDL fires it, under that user's search_path (to resolve the statement's names as
-- PostgreSQL does), reading only pg_catalog: no SECURITY DEFINER, every name here schema-qualified.
CREATE FUNCTION pgtrickle._refuse_source_ddl() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
    c_ident   constant text := '(?:"(?:[^"]|"")+"|[[:alpha:]_][[:alnum:]_$]*)';
    v_sql     text := pg_catalog.current_query();
    v_m       text[];
    v_rel     oid;
    v_rest    text;
    v_actions text[] := '{}';
    v_action  text;
    v_depth   int := 0;
    v_quoted  boolean := false;
    v_start   int := 1;
    v_ch      text;
    v_col     text;
    v_att     smallint;
    v_sts     text;
    v_n       int;
BEGIN
    -- a statement this reading trips over (a syntax it does not know, a name to_regclass refuses) is left to
    -- PostgreSQL: only the refusals raised below leave this block, never an error of the reading itself
    BEGIN
        IF v_sql IS NULL THEN
            RETURN;
        END IF;
        -- string literals and comments out of the way, then the first statement only
        v_sql := pg_catalog.regexp_replace(v_sql, '''(?:[^'']|'''')*''', '''''', 'g');
        v_sql := pg_catalog.regexp_replace(v_sql, '--[^\n]*', ' ', 'g');
        v_sql := pg_catalog.regexp_replace(v_sql, '/\*.*?\*/', ' ', 'g');
        v_sql := pg_catalog.split_part(v_sql, ';', 1);

        IF TG_TAG = 'DROP TABLE' THEN
            v_m := pg_catalog.regexp_match(v_sql, '^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(.*)$', 'i');
            IF v_m IS NULL OR v_m[1] ~* '\mCASCADE\s*$' THEN
                RETURN;
            END IF;
            FOR v_col IN SELECT pg_catalog.btrim(t) FROM pg_catalog.regexp_split_to_table(
                             pg_catalog.regexp_replace(v_m[1], '\s+RESTRICT\s*$', '', 'i'), ',') t LOOP
                v_rel := pg_catalog.to_regclass(v_col);
                CONTINUE WHEN v_rel IS NULL;
                SELECT pg_catalog.string_agg(DISTINCT CASE WHEN v.relname ~ '^st_[0-9]+$'
                                                           THEN (SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_class c
                                                                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                                                                  WHERE c.oid = pg_catalog.substr(v.relname, 4)::oid)
                                                           ELSE v.relname::text END, ', '),
                       pg_catalog.count(DISTINCT v.oid)
                  INTO v_sts, v_n
                  FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
                       JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
                 WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
                   AND d.refobjid = v_rel AND v.oid <> v_rel AND v.relkind = 'v'
                   AND v.relnamespace = 'pgtrickle'::regnamespace;
                IF v_n > 0 THEN
                    RAISE EXCEPTION 'cannot drop table % because stream table% % read%', v_rel::regclass,
                            CASE WHEN v_n > 1 THEN 's' ELSE '' END, v_sts, CASE WHEN v_n > 1 THEN '' ELSE 's' END || ' it'
                        USING ERRCODE = 'dependent_objects_still_exist',
                              DETAIL = 'Trickle keeps a stream table equal to its query, and that query reads the table.',
                              HINT = 'Drop the stream table first (SELECT pgtrickle.drop_stream_table(''name'')) or change '
                                     'its query (pgtrickle.alter_stream_table(''name'', query => ...)); DROP TABLE ... CASCADE '
                                     'drops the stream tables with the table.';
                END IF;
            END LOOP;
            RETURN;
        END IF;

        -- ALTER TABLE [IF EXISTS] [ONLY] name [*] action [, ...]
        v_m := pg_catalog.regexp_match(v_sql, '^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(' || c_ident
                                              || '(?:\s*\.\s*' || c_ident || ')?)\s*\*?\s+(.*)$', 'i');
        IF v_m IS NULL THEN
            RETURN;
        END IF;
        v_rel := pg_catalog.to_regclass(v_m[1]);
        IF v_rel IS NULL OR NOT EXISTS (
                SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
                         JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
                 WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
                   AND d.refobjid = v_rel AND v.relnamespace = 'pgtrickle'::regnamespace AND v.relkind = 'v') THEN
            RETURN; -- not read by any stream table: the common case, decided without parsing further
        END IF;
        -- the actions, split at the commas outside parentheses and quoted names (types such as numeric(10,2))
        v_rest := v_m[2];
        FOR i IN 1 .. pg_catalog.length(v_rest) LOOP
            v_ch := pg_catalog.substr(v_rest, i, 1);
            IF v_ch = '"' THEN
                v_quoted := NOT v_quoted;
            ELSIF NOT v_quoted AND v_ch = '(' THEN
                v_depth := v_depth + 1;
            ELSIF NOT v_quoted AND v_ch = ')' THEN
                v_depth := v_depth - 1;
            ELSIF NOT v_quoted AND v_depth = 0 AND v_ch = ',' THEN
                v_actions := v_actions || pg_catalog.substr(v_rest, v_start, i - v_start);
                v_start := i + 1;
            END IF;
        END LOOP;
        v_actions := v_actions || pg_catalog.substr(v_rest, v_start);

        FOREACH v_action IN ARRAY v_actions LOOP
            v_m := pg_catalog.regexp_match(v_action, '^\s*DROP\s+(COLUMN\s+)?(?:IF\s+EXISTS\s+)?(' || c_ident
                                                     || ')\s*(CASCADE|RESTRICT)?\s*$', 'i');
            IF v_m IS NOT NULL AND (v_m[1] IS NOT NULL OR pg_catalog.lower(v_m[2]) <> 'constraint')
               AND pg_catalog.upper(coalesce(v_m[3], '')) <> 'CASCADE' THEN
                v_col := v_m[2];
                v_n := 1; -- a drop
            ELSE
                v_m := pg_catalog.regexp_match(v_action, '^\s*ALTER\s+(?:COLUMN\s+)?(' || c_ident
                                                         || ')\s+(?:SET\s+DATA\s+)?TYPE\M', 'i');
                CONTINUE WHEN v_m IS NULL;
                v_col := v_m[1];
                v_n := 2; -- a change of type
            END IF;
            v_col := CASE WHEN pg_catalog.left(v_col, 1) = '"'
                          THEN pg_catalog.replace(pg_catalog.substr(v_col, 2, pg_catalog.length(v_col) - 2), '""', '"')
                          ELSE pg_catalog.lower(v_col) END;
            v_att := (SELECT a.attnum FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = v_rel AND a.attname = v_col AND a.attnum > 0 AND NOT a.attisdropped);
            CONTINUE WHEN v_att IS NULL;
            SELECT pg_catalog.string_agg(DISTINCT CASE WHEN v.relname ~ '^st_[0-9]+$'
                                                       THEN (SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_class c
                                                                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                                                                  WHERE c.oid = pg_catalog.substr(v.relname, 4)::oid)
                                                       ELSE v.relname::text END, ', ')
              INTO v_sts
              FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
                   JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
             WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
               AND d.refobjid = v_rel AND d.refobjsubid = v_att AND v.relkind = 'v'
               AND v.relnamespace = 'pgtrickle'::regnamespace;
            CONTINUE WHEN v_sts IS NULL;
            IF v_n = 1 THEN
                RAISE EXCEPTION 'cannot drop column % of table % because stream table% % read%', pg_catalog.quote_ident(v_col),
                        v_rel::regclass, CASE WHEN v_sts LIKE '%, %' THEN 's' ELSE '' END, v_sts,
                        CASE WHEN v_sts LIKE '%, %' THEN '' ELSE 's' END || ' it'
                    USING ERRCODE = 'dependent_objects_still_exist',
                          DETAIL = 'Trickle keeps a stream table equal to its query, and that query reads the column.',
                          HINT = 'Change the stream table''s query to one without the column first '
                                 '(SELECT pgtrickle.alter_stream_table(''name'', query => ...)) or drop it '
                                 '(pgtrickle.drop_stream_table(''name'')); ALTER TABLE ... DROP COLUMN ... CASCADE drops the '
                                 'stream tables with the column.';
            END IF;
            RAISE EXCEPTION 'cannot alter type of column % of table % because stream table% % read%', pg_catalog.quote_ident(v_col),
                    v_rel::regclass, CASE WHEN v_sts LIKE '%, %' THEN 's' ELSE '' END, v_sts,
                    CASE WHEN v_sts LIKE '%, %' THEN '' ELSE 's' END || ' it'
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = 'Trickle keeps a stream table equal to its query, and that query reads the column.',
                      HINT = 'Change the stream table''s query to one without the column first '
                             '(SELECT pgtrickle.alter_stream_table(''name'', query => ...)) or drop it '
                             '(pgtrickle.drop_stream_table(''name'')), alter the column, then create the stream table again.';
        END LOOP;
    EXCEPTION
        WHEN dependent_objects_still_exist OR feature_not_supported THEN
            RAISE;
        WHEN OTHERS THEN
            RETURN;
    END;
END $$;

-- Event triggers need a superuser; a catalog installed by another role keeps PostgreSQL's own errors.
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        CREATE EVENT TRIGGER pgt_ddl_start ON ddl_command_start WHEN TAG IN ('ALTER TABLE', 'DROP TABLE')
            EXECUTE FUNCTION pgtrickle._refuse_source_ddl();
    END IF;
END $$;

-- ---------------------------------------------------------------------------------------------
-- 3. Ownership as PostgreSQL checks it. drop/alter/refresh/resume run as the catalog's owner (SECURITY DEFINER),
-- so current_user inside them is not the caller's; they checked session_user, which ignored SET ROLE (a superuser
-- session after SET ROLE mallory could drop another role's stream table; a NOINHERIT member after SET ROLE to the
-- owning role could not). The role a call comes from is the one SET ROLE chose, else the session user: what
-- current_user is outside every SECURITY DEFINER function.
CREATE FUNCTION pgtrickle._caller_role() RETURNS oid
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT r.oid FROM pg_roles r
     WHERE r.rolname = CASE WHEN current_setting('role') = 'none' THEN session_user ELSE current_setting('role') END
$$;

-- Only the owner of a stream table's storage table (a member of the owning role with its privileges, or a
-- superuser) may drop, alter, refresh or resume it: pg_has_role(<the caller's role>, owner, 'USAGE'), the test
-- ALTER TABLE makes. A SECURITY DEFINER function of the user's that calls these is checked as the role the
-- session is in, not as its own owner (PostgreSQL shows a SECURITY DEFINER function no caller's current_user):
-- never more than the session itself may do.
CREATE OR REPLACE FUNCTION pgtrickle._check_owner(p_id bigint, p_action text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_st    record;
BEGIN
    SELECT s.pgt_schema, s.pgt_name, c.relowner INTO v_st
      FROM pgtrickle.pgt_stream_tables s LEFT JOIN pg_class c ON c.oid = s.pgt_relid
     WHERE s.pgt_id = p_id;
    IF NOT coalesce(pg_has_role(pgtrickle._caller_role(),
                                coalesce(v_st.relowner, (SELECT c.relowner FROM pg_class c
                                                          WHERE c.oid = 'pgtrickle.pgt_stream_tables'::regclass)),
                                'USAGE'), false) THEN
        RAISE EXCEPTION 'permission denied to % stream table %.%: must be its owner', p_action,
                quote_ident(v_st.pgt_schema), quote_ident(v_st.pgt_name)
            USING ERRCODE = 'insufficient_privilege',
                  HINT = format('Only the owner of the stream table (%s, a member of that role, or a superuser) may do this; '
                                'the check is on the current role (%s), as for ALTER TABLE.',
                                coalesce(pg_get_userbyid(v_st.relowner), 'the catalog''s owner'),
                                pg_get_userbyid(pgtrickle._caller_role()));
    END IF;
END $$;


-- register_stream_table as in catalog 0.4.0.7, except that the storage table must be the caller's by the same
-- rule as drop/alter/refresh (the role SET ROLE chose, not session_user): what create_stream_table creates as
-- the current role, it registers for the current role.
CREATE OR REPLACE FUNCTION pgtrickle.register_stream_table(
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
    IF NOT coalesce(pg_has_role(pgtrickle._caller_role(), v_rel.relowner, 'USAGE'), false) THEN
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

SELECT pgtrickle._revoke_internal_execute();
