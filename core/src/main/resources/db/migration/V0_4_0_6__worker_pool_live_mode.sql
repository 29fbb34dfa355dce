-- worker_pool_status(): the mode, cap and instance figures come from the live heartbeats only. A
-- component restarted with another parallel.refresh.mode left its old rows behind (they age out after a
-- day), and counting them showed the mode as 'mixed' for an hour after every restart. With no live
-- instance, the figures are those of the newest heartbeat, and alive says false.
CREATE OR REPLACE FUNCTION pgtrickle.worker_pool_status()
RETURNS TABLE (active_workers integer, max_workers integer, per_db_cap integer, parallel_mode text,
               component text, instances integer, queued_units integer, alive boolean, last_heartbeat timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(w.active_workers) FILTER (WHERE w.alive), 0)::integer,
           coalesce(sum(w.max_workers) FILTER (WHERE w.alive), 0)::integer,
           coalesce(max(w.per_db_cap) FILTER (WHERE w.alive), (array_agg(w.per_db_cap ORDER BY w.heartbeat_at DESC))[1]),
           CASE WHEN bool_or(w.alive) THEN
                     CASE WHEN count(DISTINCT w.parallel_mode) FILTER (WHERE w.alive) = 1
                          THEN min(w.parallel_mode) FILTER (WHERE w.alive) ELSE 'mixed' END
                ELSE (array_agg(w.parallel_mode ORDER BY w.heartbeat_at DESC))[1] END,
           w.component,
           (count(*) FILTER (WHERE w.alive))::integer,
           coalesce(sum(w.queued_units) FILTER (WHERE w.alive), 0)::integer,
           bool_or(w.alive),
           max(w.heartbeat_at)
      FROM (SELECT p.*, p.heartbeat_at > now() - pgtrickle._heartbeat_timeout() AS alive
              FROM pgtrickle.pgt_workers p
             WHERE p.heartbeat_at > now() - interval '1 hour') w
     GROUP BY w.component
     ORDER BY w.component DESC
$$;
