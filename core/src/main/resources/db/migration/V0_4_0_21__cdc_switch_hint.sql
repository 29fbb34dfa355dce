-- The hint of a stream table asking for another capture than its already captured source has: since 0.4.0.19 a
-- source can be switched (set_source_cdc_mode, alter_stream_table(cdc_mode =>)); the hint says how. As in 0.4.0.17
-- otherwise.
CREATE OR REPLACE FUNCTION pgtrickle._install_capture(p_relid oid, p_mode text DEFAULT 'statement') RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_buf  text := 'changes_' || p_relid;
    v_mode text := pgtrickle._cdc_trigger_mode(p_mode);
    v_cdc  text;
    v_keys text[];
    v_cols record;
    v_has  text;
BEGIN
    SELECT cdc_mode INTO v_has FROM pgtrickle.pgt_sources WHERE source_relid = p_relid;
    IF v_has IS NOT NULL THEN
        IF nullif(btrim(coalesce(current_setting('pgtrickle.cdc_mode', true), '')), '') IS NOT NULL
           AND lower(btrim(current_setting('pgtrickle.cdc_mode', true))) NOT IN (v_has, 'auto') THEN
            RAISE WARNING 'source table % stays captured by %: it is already a source of other stream tables', p_relid::regclass,
                    CASE v_has WHEN 'wal' THEN 'the WAL' ELSE 'triggers' END
                USING HINT = format('A source is captured one way for all its stream tables: switch it (for all of them, while '
                                    'writers run) with SELECT pgtrickle.set_source_cdc_mode(%L, %L).', p_relid::regclass::text,
                                    lower(btrim(current_setting('pgtrickle.cdc_mode', true))));
        END IF;
        RETURN;
    END IF;
    v_cdc := pgtrickle._cdc_mode();
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
                                       has_primary_key, key_columns, capture_columns, capture_attnums, trigger_mode,
                                       cdc_mode)
    SELECT p_relid, n.nspname, c.relname, v_buf, cardinality(v_keys) > 0, v_keys, v_cols.names, v_cols.attnums, v_mode,
           v_cdc
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = p_relid;
    IF v_cdc = 'wal' THEN
        EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', p_relid::regclass);
        PERFORM pgtrickle._wal_publish(p_relid);
    ELSE
        PERFORM pgtrickle._create_capture_triggers(p_relid, v_mode);
    END IF;
END $$;

SELECT pgtrickle._revoke_internal_execute();
