-- Catalog 0.4.0.26: refresh_mode => 'DIFFERENTIAL' is refused in the creating (or altering) transaction for
-- the constructs PostgreSQL itself can name as unmaintainable, in the engine's words.
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

SELECT pgtrickle._revoke_internal_execute();
