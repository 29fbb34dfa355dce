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

-- A refresh also brings a stream table back from ERROR: the engine plans it again and the source
-- connector fills it anew at the next tick.
CREATE OR REPLACE FUNCTION pgtrickle.refresh_stream_table(name text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint := pgtrickle._find_stream_table(name);
BEGIN
    UPDATE pgtrickle.pgt_stream_tables
       SET needs_init = true, init_tick = NULL,
           engine_ready = CASE WHEN status IN ('ERROR', 'PAUSED') THEN false ELSE engine_ready END,
           status = CASE WHEN status IN ('PAUSED', 'ERROR') THEN 'INITIALIZING' ELSE status END,
           last_error = NULL
     WHERE pgt_id = v_id;
    PERFORM pg_notify('pgtrickle_catalog', v_id::text);
END $$;
