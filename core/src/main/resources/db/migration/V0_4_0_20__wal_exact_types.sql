-- WAL capture through Debezium's embedded engine (issue 11): Debezium moves a time with time zone to UTC and
-- drops the writer's offset, which PostgreSQL's equality keeps, and it does not keep a bit varying's length, so
-- such values cannot be written to the change buffer as the trigger would. A table with a timetz or varbit
-- column (or an array or domain over one) is refused for WAL capture when it is first captured, with a hint to
-- capture it by triggers. As in 0.4.0.19 otherwise (REPLICA IDENTITY set only when not FULL yet).
CREATE OR REPLACE FUNCTION pgtrickle._wal_publish(p_relid oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_col text;
    v_typ text;
BEGIN
    IF (SELECT relkind FROM pg_class WHERE oid = p_relid) <> 'r' THEN
        RAISE EXCEPTION '% cannot be captured from the WAL: only plain tables can (not partitioned tables, views or foreign tables)',
                p_relid::regclass
            USING ERRCODE = 'feature_not_supported', HINT = 'Capture it with cdc_mode => ''trigger''.';
    END IF;
    SELECT a.attname, CASE WHEN 'timetz'::regtype IN (t.oid, t.typbasetype, e.oid, e.typbasetype)
                           THEN 'a time with time zone, which the WAL reader (Debezium) turns into UTC, losing the writer''s offset'
                           ELSE 'a bit varying, whose length the WAL reader (Debezium) does not keep' END
      INTO v_col, v_typ
      FROM pg_attribute a
      JOIN pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
     WHERE a.attrelid = p_relid AND a.attnum > 0 AND NOT a.attisdropped
       AND ('timetz'::regtype IN (t.oid, t.typbasetype, e.oid, e.typbasetype)
            OR 'varbit'::regtype IN (t.oid, t.typbasetype, e.oid, e.typbasetype))
     ORDER BY a.attnum LIMIT 1;
    IF v_col IS NOT NULL THEN
        RAISE EXCEPTION '% cannot be captured from the WAL: its column % is %', p_relid::regclass, quote_ident(v_col), v_typ
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Capture it with cdc_mode => ''trigger'', or store the column as timestamptz or time (for timetz), '
                         'bit(n) (for varbit).';
    END IF;
    -- only when not FULL yet (0.4.0.19): a capture switch holding SHARE ROW EXCLUSIVE must not upgrade its lock
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

SELECT pgtrickle._revoke_internal_execute();
