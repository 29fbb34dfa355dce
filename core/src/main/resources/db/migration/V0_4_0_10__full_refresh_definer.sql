-- FULL refreshes run their defining query inside a SECURITY DEFINER function owned by the stream
-- table's owner. The source connector switches to the owner (SET LOCAL ROLE, as before: the pipeline
-- must still be allowed to act as the owner) and calls the function; inside it PostgreSQL refuses any
-- role switch ("cannot set parameter "role" within security-definer function"), the same protection
-- REFRESH MATERIALIZED VIEW has. So a function the query calls can no longer RESET ROLE and read with
-- the pipeline's privileges: under a plain SET ROLE it could, since PostgreSQL checks a role switch
-- against the session's login role.
--
-- One function per owner, pgtrickle."_full_as_<owner oid>"(p_query text) RETURNS SETOF record: the query
-- is passed at each call (so the function never falls out of step with a query), and the caller names
-- the columns, those of the stream table's storage table (RETURN QUERY refuses any other shape). Only
-- the owner may execute it; what it runs is what the owner could run anyway. The owner may ALTER its
-- function (SECURITY INVOKER, SET role ...) but not its body: the body checks first that a role switch
-- is refused and runs nothing otherwise. refresh_stream_table makes it again (any INSERT of a stream
-- table, or UPDATE that sets needs_init, does; see the trigger below).

-- The body, the same for every owner: also what _ensure_full_function compares an existing one with.
CREATE FUNCTION pgtrickle._full_function_body() RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
SELECT $body$
BEGIN
    -- Only runs the query where PostgreSQL refuses a role switch, i.e. as SECURITY DEFINER. Names are
    -- schema-qualified and no operator is used: the owner controls the search path.
    BEGIN
        PERFORM pg_catalog.set_config('role', CURRENT_USER::text, true);
    EXCEPTION WHEN insufficient_privilege THEN
        RETURN QUERY EXECUTE p_query;
        RETURN;
    END;
    RAISE EXCEPTION 'the FULL-refresh function of role % was altered and no longer runs as SECURITY DEFINER', CURRENT_USER
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'pgtrickle.refresh_stream_table makes it again.';
END
$body$
$$;

-- Makes (or makes again) the FULL-refresh function of a role. Runs as the catalog's owner, which owns
-- schema pgtrickle and must be a member of the role (docs/operations.md lists that membership). A role
-- may own a function only in a schema where it may create: CREATE on pgtrickle is granted for the
-- ALTER OWNER and revoked at once, in one transaction, so no other session ever sees the grant.
CREATE FUNCTION pgtrickle._ensure_full_function(p_owner oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_name  text := '_full_as_' || p_owner;
    v_fn    regprocedure := to_regprocedure(format('pgtrickle.%I(text)', '_full_as_' || p_owner));
    v_body  text := pgtrickle._full_function_body();
    v_grant boolean;
BEGIN
    IF v_fn IS NOT NULL THEN
        IF EXISTS (SELECT 1 FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
                    WHERE p.oid = v_fn AND p.proowner = p_owner AND p.prosecdef AND p.proconfig IS NULL
                      AND p.prosrc = v_body AND l.lanname = 'plpgsql'
                      AND p.prorettype = 'record'::regtype AND p.proretset) THEN
            RETURN;
        END IF;
        EXECUTE format('DROP FUNCTION %s', v_fn);
    END IF;
    EXECUTE format('CREATE FUNCTION pgtrickle.%I(p_query text) RETURNS SETOF record LANGUAGE plpgsql '
                   'VOLATILE SECURITY DEFINER AS %L', v_name, v_body);
    v_fn := format('pgtrickle.%I(text)', v_name)::regprocedure;
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_fn);
    v_grant := NOT has_schema_privilege(p_owner, 'pgtrickle', 'CREATE');
    IF v_grant THEN
        EXECUTE format('GRANT CREATE ON SCHEMA pgtrickle TO %s', p_owner::regrole);
    END IF;
    EXECUTE format('ALTER FUNCTION %s OWNER TO %s', v_fn, p_owner::regrole);
    IF v_grant THEN
        EXECUTE format('REVOKE CREATE ON SCHEMA pgtrickle FROM %s', p_owner::regrole);
    END IF;
END $$;

-- A new stream table, or one refreshed (needs_init set): its owner gets a sound FULL-refresh function.
-- A failure does not stop the create or the refresh: the FULL refresh then fails with the reason.
CREATE FUNCTION pgtrickle._on_stream_table_full() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_owner oid;
BEGIN
    IF TG_OP = 'DELETE' THEN
        -- the owner's last stream table is gone: so is its function (else DROP ROLE would fail on it)
        SELECT c.relowner INTO v_owner FROM pg_class c WHERE c.oid = OLD.pgt_relid;
        IF v_owner IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM pgtrickle.pgt_stream_tables s JOIN pg_class c ON c.oid = s.pgt_relid
                 WHERE c.relowner = v_owner) THEN
            EXECUTE format('DROP FUNCTION IF EXISTS pgtrickle.%I(text)', '_full_as_' || v_owner);
        END IF;
        RETURN NULL;
    END IF;
    SELECT c.relowner INTO v_owner FROM pg_class c WHERE c.oid = NEW.pgt_relid;
    IF v_owner IS NOT NULL THEN
        BEGIN
            PERFORM pgtrickle._ensure_full_function(v_owner);
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'stream table %.% cannot be refreshed in FULL mode: %', quote_ident(NEW.pgt_schema),
                    quote_ident(NEW.pgt_name), SQLERRM
                USING HINT = 'The pipeline''s role must be a member of the stream table''s owner (docs/operations.md).';
        END;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER pgt_full_function_insert AFTER INSERT ON pgtrickle.pgt_stream_tables
    FOR EACH ROW EXECUTE FUNCTION pgtrickle._on_stream_table_full();
CREATE TRIGGER pgt_full_function_refresh AFTER UPDATE OF needs_init ON pgtrickle.pgt_stream_tables
    FOR EACH ROW WHEN (NEW.needs_init) EXECUTE FUNCTION pgtrickle._on_stream_table_full();
CREATE TRIGGER pgt_full_function_delete AFTER DELETE ON pgtrickle.pgt_stream_tables
    FOR EACH ROW EXECUTE FUNCTION pgtrickle._on_stream_table_full();

-- stream tables made before this migration
DO $$
DECLARE
    v_owner oid;
BEGIN
    FOR v_owner IN SELECT DISTINCT c.relowner FROM pgtrickle.pgt_stream_tables s JOIN pg_class c ON c.oid = s.pgt_relid LOOP
        BEGIN
            PERFORM pgtrickle._ensure_full_function(v_owner);
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'the stream tables of role % cannot be refreshed in FULL mode: %', v_owner::regrole, SQLERRM
                USING HINT = 'Make the pipeline''s role a member of that role, then run pgtrickle.refresh_stream_table.';
        END;
    END LOOP;
END $$;

-- The same as before, leaving out the owners' FULL-refresh functions: they are not the catalog owner's
-- (a REVOKE on one would fail once the pipeline is no longer a member of its owner) and are made
-- without EXECUTE for PUBLIC.
CREATE OR REPLACE FUNCTION pgtrickle._revoke_internal_execute() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_fn regprocedure;
BEGIN
    FOR v_fn IN
        SELECT p.oid::regprocedure FROM pg_proc p
         WHERE p.pronamespace = 'pgtrickle'::regnamespace
           AND (p.proname LIKE '\_%' OR p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype))
           AND p.proname NOT LIKE '\_full\_as\_%'
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', v_fn);
    END LOOP;
END $$;
SELECT pgtrickle._revoke_internal_execute();
