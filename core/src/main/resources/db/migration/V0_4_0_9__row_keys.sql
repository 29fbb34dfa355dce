-- Stream tables applied by key (issue 10, part 4).
--
-- The streams app derives a stream table's unique key when it plans the query (GROUP BY keys, a source key
-- that passes through, DISTINCT, ...; NULLs count as equal, as GROUP BY groups them) and records it with
-- _set_row_key. A stream table with a key gets a UNIQUE ... NULLS NOT DISTINCT index on it (it enforces the
-- key and lets the sink find a row by key) in place of the whole-row hash index, which only keyless stream
-- tables keep. The sink applies by key only while that index is there and valid; anything else (no key, the
-- index could not be made, a user dropped it) falls back to matching whole rows.
--
-- row_key: the key's column names in the storage table; NULL when none is known, '{}' when the result has at
-- most one row (no index needed). key_index: the index made for it (NULL without one).

ALTER TABLE pgtrickle.pgt_stream_tables ADD COLUMN row_key text[], ADD COLUMN key_index oid;

-- The whole-row hash index of create_stream_table, made again when a stream table loses its key. Returns
-- false (with a warning) where the table's column types have no hash function.
CREATE FUNCTION pgtrickle._ensure_row_hash_index(p_relid oid) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = p_relid AND i.indexprs IS NOT NULL
                  AND pg_get_expr(i.indexprs, i.indrelid) LIKE 'hash_record_extended(%') THEN
        RETURN true;
    END IF;
    BEGIN
        -- the probe of create_stream_table: an empty table would take an index no insert can use
        EXECUTE format('SELECT pg_catalog.hash_record_extended(pg_catalog.jsonb_populate_record(NULL::%s, ''{}''), 0)',
                       p_relid::regclass);
        EXECUTE format('CREATE INDEX ON %s (pg_catalog.hash_record_extended(%I.*, 0))', p_relid::regclass,
                       (SELECT relname FROM pg_class WHERE oid = p_relid));
        RETURN true;
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'stream table % gets no row index: %', p_relid::regclass, SQLERRM
            USING HINT = 'Deletes from it scan the table; columns of hashable types avoid that.';
        RETURN false;
    END;
END $$;

CREATE FUNCTION pgtrickle._drop_row_hash_index(p_relid oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_index regclass;
BEGIN
    FOR v_index IN
        SELECT i.indexrelid::regclass FROM pg_index i WHERE i.indrelid = p_relid AND i.indexprs IS NOT NULL
           AND pg_get_expr(i.indexprs, i.indrelid) LIKE 'hash_record_extended(%'
    LOOP
        EXECUTE format('DROP INDEX %s', v_index);
    END LOOP;
END $$;

-- Records the stream table's key (column names of its storage table; NULL: none; '{}': at most one row) and
-- moves the indexes to it: the key's unique index replaces the whole-row hash index, or the other way round.
-- Does nothing when the key and its index are as asked already (the streams app calls it at every plan).
-- A key that cannot be indexed (a column type without a btree equality, the table's content repeats the key,
-- the caller does not own the table) is recorded as no key, with a warning: the sink then matches whole rows.
-- Returns the key recorded. Locks the catalog row first and the storage table after, as the sink does.
CREATE FUNCTION pgtrickle._set_row_key(p_id bigint, p_key text[]) RETURNS text[]
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_st    record;
    v_index oid;
    v_name  text;
    v_n     int := 0;
BEGIN
    SELECT s.pgt_relid, s.row_key, s.key_index, c.relname, c.relnamespace INTO v_st
      FROM pgtrickle.pgt_stream_tables s JOIN pg_class c ON c.oid = s.pgt_relid
     WHERE s.pgt_id = p_id FOR UPDATE OF s;
    IF NOT FOUND THEN
        RETURN NULL; -- dropped, or its storage table is gone
    END IF;
    IF v_st.row_key IS NOT DISTINCT FROM p_key
       AND (p_key IS NULL OR cardinality(p_key) = 0
            OR EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = v_st.key_index AND i.indrelid = v_st.pgt_relid
                          AND i.indisvalid)) THEN
        RETURN p_key;
    END IF;
    IF v_st.key_index IS NOT NULL AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = v_st.key_index
                                                  AND i.indrelid = v_st.pgt_relid) THEN
        EXECUTE format('DROP INDEX %s', v_st.key_index::regclass);
    END IF;
    IF p_key IS NULL THEN
        PERFORM pgtrickle._ensure_row_hash_index(v_st.pgt_relid);
        UPDATE pgtrickle.pgt_stream_tables SET row_key = NULL, key_index = NULL WHERE pgt_id = p_id;
        RETURN NULL;
    END IF;
    IF cardinality(p_key) = 0 THEN
        -- one row at most: nothing to index
        PERFORM pgtrickle._drop_row_hash_index(v_st.pgt_relid);
        UPDATE pgtrickle.pgt_stream_tables SET row_key = '{}', key_index = NULL WHERE pgt_id = p_id;
        RETURN p_key;
    END IF;
    BEGIN
        IF EXISTS (SELECT 1 FROM unnest(p_key) k(name)
                    WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = v_st.pgt_relid
                                         AND a.attname = k.name AND a.attnum > 0 AND NOT a.attisdropped)) THEN
            RAISE EXCEPTION 'the key names a column the table does not have';
        END IF;
        -- the sink compares whole rows with IS NOT DISTINCT FROM: every column type needs an equality
        EXECUTE format('SELECT r IS NOT DISTINCT FROM r FROM (SELECT pg_catalog.jsonb_populate_record(NULL::%s, ''{}'') r) x',
                       v_st.pgt_relid::regclass);
        v_name := left(v_st.relname, 50) || '_pgt_key';
        WHILE EXISTS (SELECT 1 FROM pg_class WHERE relname = v_name AND relnamespace = v_st.relnamespace) LOOP
            v_n := v_n + 1;
            v_name := left(v_st.relname, 50) || '_pgt_key' || v_n;
        END LOOP;
        EXECUTE format('CREATE UNIQUE INDEX %I ON %s (%s) NULLS NOT DISTINCT', v_name, v_st.pgt_relid::regclass,
                       (SELECT string_agg(quote_ident(k), ', ' ORDER BY o) FROM unnest(p_key) WITH ORDINALITY u(k, o)));
        v_index := format('%I.%I', (SELECT nspname FROM pg_namespace WHERE oid = v_st.relnamespace), v_name)::regclass;
        PERFORM pgtrickle._drop_row_hash_index(v_st.pgt_relid);
        UPDATE pgtrickle.pgt_stream_tables SET row_key = p_key, key_index = v_index WHERE pgt_id = p_id;
        RETURN p_key;
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'stream table % is applied by whole rows, not by its key (%): %', v_st.pgt_relid::regclass,
                array_to_string(p_key, ', '), SQLERRM
            USING HINT = 'A key needs column types with a btree equality, and the table''s owner must be the pipeline''s role.';
    END;
    PERFORM pgtrickle._ensure_row_hash_index(v_st.pgt_relid);
    UPDATE pgtrickle.pgt_stream_tables SET row_key = NULL, key_index = NULL WHERE pgt_id = p_id;
    RETURN NULL;
END $$;

SELECT pgtrickle._revoke_internal_execute();
