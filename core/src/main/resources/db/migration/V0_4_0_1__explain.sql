-- What the engine made of each stream table: the plan and operators it runs, or why it recomputes
-- the query in FULL mode. Written by the streams app; read with pgtrickle.explain_st(name).
ALTER TABLE pgtrickle.pgt_stream_tables ADD COLUMN explain text;

CREATE FUNCTION pgtrickle.explain_st(name text)
RETURNS TABLE (stream_table text, refresh_mode text, effective_mode text, status text, explain text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_id bigint := pgtrickle._find_stream_table(name);
BEGIN
    RETURN QUERY
    SELECT format('%I.%I', s.pgt_schema, s.pgt_name), s.refresh_mode, s.effective_mode, s.status,
           coalesce(s.explain, CASE WHEN s.status = 'ERROR' THEN s.last_error
                                    ELSE 'not planned yet: the streams app plans it at its next catalog poll' END)
      FROM pgtrickle.pgt_stream_tables s
     WHERE s.pgt_id = v_id;
END $$;
