-- Catalog 0.4.0.27: refresh_mode => 'DIFFERENTIAL' refused at create for the PostgreSQL functions and operators
-- the engine does not implement (issue 12, item 5), not only for the volatile and foreign ones (0.4.0.26).
--
-- The planner runs in the streams app and sees a stream table only after its create has committed, so its verdict
-- cannot come back in time. Its build knows, though, which of PostgreSQL's functions and operators it implements:
-- a test of the streams app (DifferentialSupport) compiles probe queries through the engine, for every function,
-- aggregate, window function, cast and operator of pg_catalog over the types the engine reads, with columns and
-- with literals, and lists each one that PostgreSQL resolved in a query the engine compiled. That list is shipped
-- with the catalog (the repeatable migration R__engine_support.sql, regenerated and checked by the same test on
-- every build, and replaced on upgrade whenever it changes), and the create's own transaction refuses what a
-- query calls that is not on it, from the parse tree of the stream table's dependency view, as 0.4.0.26 does.
-- A function on the list is accepted whatever its arguments: where the engine needs a literal (a time zone, a
-- date part), a column there is still the engine's to refuse, seconds after the commit. Also refused here: a
-- VALUES list, LATERAL, and a stream table read that runs in FULL mode.

-- (also created by R__engine_support.sql, which Flyway may run before this one when told a target version)
CREATE TABLE IF NOT EXISTS pgtrickle.pgt_engine_support (
    kind      text NOT NULL CHECK (kind IN ('function', 'operator')),
    -- regprocedure / regoperator text with search_path = pg_catalog: abs(integer), +(integer,integer)
    signature text NOT NULL,
    PRIMARY KEY (kind, signature)
);
REVOKE ALL ON pgtrickle.pgt_engine_support FROM PUBLIC;

-- Every function (aggregates, window functions and the functions behind operators included) and operator of
-- pg_catalog that the query behind dependency view p_view calls, as regprocedure / regoperator text. Read from
-- the rule's stored parse tree, as _differential_refusal does; DifferentialSupport reads its probes with it too,
-- so that the list and the check name things alike.
CREATE FUNCTION pgtrickle._query_callees(p_view oid) RETURNS TABLE (kind text, signature text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH tree AS (SELECT r.ev_action::text AS t FROM pg_rewrite r WHERE r.ev_class = p_view AND r.rulename = '_RETURN')
    SELECT 'function', p.oid::regprocedure::text
      FROM tree, regexp_matches(tree.t, ':(funcid|aggfnoid|winfnoid|opfuncid) (\d+)', 'g') m
      JOIN pg_proc p ON p.oid = m[2]::oid
     WHERE p.pronamespace = 'pg_catalog'::regnamespace
    UNION
    SELECT 'operator', o.oid::regoperator::text
      FROM tree, regexp_matches(tree.t, ':opno (\d+)', 'g') m
      JOIN pg_operator o ON o.oid = m[1]::oid
     WHERE o.oprnamespace = 'pg_catalog'::regnamespace
$$;
REVOKE ALL ON FUNCTION pgtrickle._query_callees(oid) FROM PUBLIC;

CREATE OR REPLACE FUNCTION pgtrickle._differential_refusal(p_view oid) RETURNS text
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
    -- a stream table the query reads that runs in FULL mode (asked for, or AUTO resolved so) has no delta to
    -- follow: refused as the engine refuses it (an AUTO upstream not yet planned is still the engine's to judge)
    SELECT format('"%s"."%s"', replace(st.pgt_schema, '"', '""'), replace(st.pgt_name, '"', '""')) INTO v_name
      FROM pg_depend d
      JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
      JOIN pgtrickle.pgt_stream_tables st ON st.pgt_relid = d.refobjid
     WHERE r.ev_class = p_view AND d.refclassid = 'pg_class'::regclass AND st.refresh_mode = 'FULL'
     ORDER BY 1
     LIMIT 1;
    IF v_name IS NOT NULL THEN
        RETURN format('it reads stream table %s, which is refreshed in FULL mode: each of its refreshes replaces its '
                      'whole content, so there is no delta to maintain this one from%s', v_name, v_tail);
    END IF;
    -- a PostgreSQL function, aggregate or operator the engine does not implement (for any argument it was tried
    -- with): the list the engine's own build produced (R__engine_support.sql); an operator first, as the user
    -- wrote it, rather than the function behind it. Without a list (a catalog installed without it) nothing is
    -- refused here: the engine refuses later, as before.
    IF EXISTS (SELECT FROM pgtrickle.pgt_engine_support) THEN
        SELECT format('%s %s', c.kind, c.signature) INTO v_name
          FROM pgtrickle._query_callees(p_view) c
         WHERE NOT EXISTS (SELECT FROM pgtrickle.pgt_engine_support s
                            WHERE s.kind = c.kind AND s.signature = c.signature)
         ORDER BY c.kind DESC, c.signature
         LIMIT 1;
        IF v_name IS NOT NULL THEN
            RETURN format('%s is not maintained incrementally yet (the engine does not implement it)%s', v_name, v_tail);
        END IF;
    END IF;
    -- a VALUES list in FROM (RTE_VALUES, rtekind 5 in PostgreSQL's RangeTblEntry) and LATERAL, which the engine
    -- does not maintain in any form
    IF v_tree ~ ':rtekind 5 ' THEN
        RETURN format('a VALUES list is not maintained incrementally yet%s', v_tail);
    END IF;
    IF v_tree ~ ':lateral true ' THEN
        RETURN format('LATERAL is not maintained incrementally yet%s', v_tail);
    END IF;
    RETURN NULL;
END $$;
