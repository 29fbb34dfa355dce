-- Schedules that mean something (issue 13), the mode AUTO resolved to, and alter_stream_table.
--
-- * A schedule is pg_trickle's: a duration ('30s', '5m', '1h30m', '1d', '2w', or PostgreSQL interval text
--   such as '5 minutes'), a cron expression (5 fields, or 6 with seconds first; '@hourly' and the other
--   aliases; evaluated in UTC, as pg_cron does), or 'calculated' (the default, as in pg_trickle: as often as
--   the fastest duration-scheduled stream table that reads it, directly or through others; every tick when
--   none does). The sink holds a stream table's ticks and applies all of them in one transaction when the
--   schedule says so: for a duration d once the data is d old (pg_trickle's staleness rule), for a cron
--   expression at each of its moments. Durations shorter than 1 second (the default tick interval) are refused.
-- * This file is the one place that parses schedules: the sink reads what they mean through
--   pgtrickle._sink_schedules() (a period, or a cron expression's latest moment), never the text itself.
-- * held: suspended by the user (alter_stream_table(status => 'SUSPENDED')). The engine goes on computing the
--   stream table's deltas and the sink holds them, so resuming catches up exactly, without a refill.

-- Existing stream tables keep their schedule, unless it is one no longer allowed (below 1 second).
ALTER TABLE pgtrickle.pgt_stream_tables ALTER COLUMN schedule SET DEFAULT 'calculated';
ALTER TABLE pgtrickle.pgt_stream_tables ADD COLUMN held boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN pgtrickle.pgt_stream_tables.held IS
    'Suspended by the user (alter_stream_table(status => ''SUSPENDED'')): the sink holds its ticks until resumed.';

-- One field of a cron expression: the sorted values it allows. p_names, when given, are the names of the
-- values p_first, p_first + 1, ... (months, weekdays).
CREATE FUNCTION pgtrickle._cron_field(p_field text, p_what text, p_min int, p_max int, p_names text[] DEFAULT NULL,
                                      p_first int DEFAULT 0) RETURNS int[]
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_item  text;
    v_base  text;
    v_step  int;
    v_lo    int;
    v_hi    int;
    v_parts text[];
    v_out   int[] := '{}';
BEGIN
    IF p_field IS NULL OR p_field = '' THEN
        RAISE EXCEPTION 'the % field is missing', p_what;
    END IF;
    FOREACH v_item IN ARRAY string_to_array(p_field, ',') LOOP
        v_parts := string_to_array(v_item, '/');
        IF cardinality(v_parts) > 2 OR v_item = '' THEN
            RAISE EXCEPTION 'the % field has an invalid item %', p_what, quote_literal(v_item);
        END IF;
        v_base := v_parts[1];
        v_step := 1;
        IF cardinality(v_parts) = 2 THEN
            IF v_parts[2] !~ '^[0-9]{1,4}$' OR v_parts[2]::int < 1 THEN
                RAISE EXCEPTION 'the % field has an invalid step %: a step is a whole number of at least 1',
                        p_what, quote_literal(v_parts[2]);
            END IF;
            v_step := v_parts[2]::int;
        END IF;
        IF v_base IN ('*', '?') THEN
            v_lo := p_min;
            v_hi := p_max;
        ELSIF position('-' IN v_base) > 0 THEN
            IF cardinality(string_to_array(v_base, '-')) <> 2 THEN
                RAISE EXCEPTION 'the % field has an invalid range %', p_what, quote_literal(v_base);
            END IF;
            v_lo := pgtrickle._cron_value(split_part(v_base, '-', 1), p_what, p_names, p_first);
            v_hi := pgtrickle._cron_value(split_part(v_base, '-', 2), p_what, p_names, p_first);
        ELSE
            v_lo := pgtrickle._cron_value(v_base, p_what, p_names, p_first);
            v_hi := CASE WHEN cardinality(v_parts) = 2 THEN p_max ELSE v_lo END;
        END IF;
        IF v_lo < p_min OR v_hi > p_max OR v_lo > v_hi THEN
            RAISE EXCEPTION 'the % field allows % to %, not %', p_what, p_min, p_max, quote_literal(v_item);
        END IF;
        v_out := v_out || ARRAY(SELECT generate_series(v_lo, v_hi, v_step));
    END LOOP;
    RETURN ARRAY(SELECT DISTINCT x FROM unnest(v_out) x ORDER BY x);
END $$;

CREATE FUNCTION pgtrickle._cron_value(p_text text, p_what text, p_names text[], p_first int) RETURNS int
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_text ~ '^[0-9]{1,4}$' THEN
        RETURN p_text::int;
    ELSIF p_names IS NOT NULL AND array_position(p_names, p_text) IS NOT NULL THEN
        RETURN array_position(p_names, p_text) - 1 + p_first;
    END IF;
    RAISE EXCEPTION 'the % field has an invalid value %', p_what, quote_literal(p_text);
END $$;

-- A cron expression of 6 fields (seconds first) as the sets of values each field allows. dom_any and
-- dow_any: the day-of-month or day-of-week field is '*' or '?'. When both are restricted, a day matches
-- either (as in Vixie cron and pg_cron).
CREATE FUNCTION pgtrickle._cron_sets(p_cron text, OUT secs int[], OUT mins int[], OUT hours int[], OUT doms int[],
                                     OUT mons int[], OUT dows int[], OUT dom_any boolean, OUT dow_any boolean)
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_f text[] := regexp_split_to_array(lower(btrim(p_cron)), '\s+');
BEGIN
    IF cardinality(v_f) <> 6 THEN
        RAISE EXCEPTION 'a cron expression has 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), not %',
                cardinality(v_f);
    END IF;
    secs := pgtrickle._cron_field(v_f[1], 'seconds', 0, 59);
    mins := pgtrickle._cron_field(v_f[2], 'minute', 0, 59);
    hours := pgtrickle._cron_field(v_f[3], 'hour', 0, 23);
    doms := pgtrickle._cron_field(v_f[4], 'day-of-month', 1, 31);
    mons := pgtrickle._cron_field(v_f[5], 'month', 1, 12,
                                  '{jan,feb,mar,apr,may,jun,jul,aug,sep,oct,nov,dec}', 1);
    -- 7 is Sunday too
    dows := ARRAY(SELECT DISTINCT x % 7 FROM unnest(pgtrickle._cron_field(v_f[6], 'day-of-week', 0, 7,
                                                     '{sun,mon,tue,wed,thu,fri,sat}', 0)) x ORDER BY 1);
    dom_any := v_f[4] IN ('*', '?');
    dow_any := v_f[6] IN ('*', '?');
END $$;

-- The latest moment at or before p_at at which a 6-field cron expression fires (UTC); NULL when it fires
-- on none of the 8 years before (a date that never comes, such as 30 February).
CREATE FUNCTION pgtrickle._cron_prev(p_cron text, p_at timestamptz) RETURNS timestamptz
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c      record;
    v_t    timestamp := date_trunc('second', p_at AT TIME ZONE 'UTC');
    v_day  date := v_t::date;
    v_lim  int := extract(epoch FROM v_t - v_t::date)::int;
    v_h    int;
    v_m    int;
    v_s    int;
BEGIN
    SELECT * INTO c FROM pgtrickle._cron_sets(p_cron);
    FOR i IN 0 .. 366 * 8 LOOP
        -- (in parentheses: PL/pgSQL would end the IF's condition at the CASE's first THEN)
        IF (extract(month FROM v_day)::int = ANY (c.mons)
            AND CASE WHEN c.dom_any AND c.dow_any THEN true
                     WHEN c.dom_any THEN extract(dow FROM v_day)::int = ANY (c.dows)
                     WHEN c.dow_any THEN extract(day FROM v_day)::int = ANY (c.doms)
                     ELSE extract(day FROM v_day)::int = ANY (c.doms) OR extract(dow FROM v_day)::int = ANY (c.dows)
                END) THEN
            FOR v_h IN SELECT x FROM unnest(c.hours) x WHERE x * 3600 <= v_lim ORDER BY x DESC LOOP
                FOR v_m IN SELECT x FROM unnest(c.mins) x WHERE v_h * 3600 + x * 60 <= v_lim ORDER BY x DESC LOOP
                    SELECT max(x) INTO v_s FROM unnest(c.secs) x WHERE v_h * 3600 + v_m * 60 + x <= v_lim;
                    IF v_s IS NOT NULL THEN
                        RETURN (v_day + make_time(v_h, v_m, v_s)) AT TIME ZONE 'UTC';
                    END IF;
                END LOOP;
            END LOOP;
        END IF;
        v_day := v_day - 1;
        v_lim := 86399;
    END LOOP;
    RETURN NULL;
END $$;

-- What a schedule means: kind 'calculated'; 'duration' with its length in seconds; or 'cron' with the
-- expression in 6 fields (aliases spelt out, 5 fields with seconds 0 put first). Refuses anything else with
-- a message that says what is accepted.
CREATE FUNCTION pgtrickle._parse_schedule(p_schedule text, OUT kind text, OUT seconds numeric, OUT cron text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_text   text := lower(btrim(p_schedule));
    v_fields text[];
    v_iv     interval;
    v_hint   text := 'Use a duration such as ''30s'', ''5m'', ''1h30m'' or ''1d'' (at least 1 second), a cron '
                     'expression such as ''*/5 * * * *'', ''0 */10 * * * *'' (seconds first) or ''@hourly'', or ''calculated''.';
BEGIN
    IF v_text IS NULL OR v_text = '' THEN
        RAISE EXCEPTION 'invalid schedule %: it is empty', quote_nullable(p_schedule)
            USING ERRCODE = 'invalid_parameter_value', HINT = v_hint;
    END IF;
    IF v_text = 'calculated' THEN
        kind := 'calculated';
        RETURN;
    END IF;
    IF v_text LIKE '@%' THEN
        cron := CASE v_text WHEN '@yearly' THEN '0 0 0 1 1 *' WHEN '@annually' THEN '0 0 0 1 1 *'
                            WHEN '@monthly' THEN '0 0 0 1 * *' WHEN '@weekly' THEN '0 0 0 * * 0'
                            WHEN '@daily' THEN '0 0 0 * * *' WHEN '@midnight' THEN '0 0 0 * * *'
                            WHEN '@hourly' THEN '0 0 * * * *' END;
        IF cron IS NULL THEN
            RAISE EXCEPTION 'invalid schedule %: unknown cron alias', quote_literal(p_schedule)
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'The aliases are @yearly, @annually, @monthly, @weekly, @daily, @midnight and @hourly.';
        END IF;
        kind := 'cron';
        RETURN;
    END IF;
    v_fields := regexp_split_to_array(v_text, '\s+');
    IF v_text ~ '^([0-9]{1,9}\s*[wdhms]\s*)+$' THEN
        kind := 'duration';
        SELECT sum(m[1]::numeric * CASE m[2] WHEN 'w' THEN 604800 WHEN 'd' THEN 86400 WHEN 'h' THEN 3600
                                             WHEN 'm' THEN 60 ELSE 1 END)
          INTO seconds FROM regexp_matches(v_text, '([0-9]+)\s*([wdhms])', 'g') m;
    -- cron: 5 or 6 fields whose only words are month and weekday names, or anything with cron's punctuation
    -- (PostgreSQL's interval input would read '*/5 * * * *' as 5 seconds, so cron is tried first)
    ELSIF (cardinality(v_fields) IN (5, 6) AND NOT EXISTS (
            SELECT 1 FROM regexp_matches(v_text, '[a-z]+', 'g') w
             WHERE w[1] <> ALL ('{jan,feb,mar,apr,may,jun,jul,aug,sep,oct,nov,dec,sun,mon,tue,wed,thu,fri,sat}'::text[])))
          OR v_text ~ '[*/?,]' THEN
        cron := CASE WHEN cardinality(v_fields) = 5 THEN '0 ' ELSE '' END || array_to_string(v_fields, ' ');
        BEGIN
            PERFORM pgtrickle._cron_sets(cron);
        EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION 'invalid schedule %: %', quote_literal(p_schedule), SQLERRM
                USING ERRCODE = 'invalid_parameter_value', HINT = v_hint;
        END;
        IF pgtrickle._cron_prev(cron, now()) IS NULL THEN
            RAISE EXCEPTION 'invalid schedule %: the cron expression never fires (no such date)', quote_literal(p_schedule)
                USING ERRCODE = 'invalid_parameter_value', HINT = v_hint;
        END IF;
        kind := 'cron';
        RETURN;
    ELSE
        BEGIN
            v_iv := v_text::interval;
        EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION 'invalid schedule %: not a duration, a cron expression or ''calculated''',
                    quote_literal(p_schedule)
                USING ERRCODE = 'invalid_parameter_value', HINT = v_hint;
        END;
        kind := 'duration';
        seconds := extract(epoch FROM v_iv);
    END IF;
    IF seconds < 1 THEN
        RAISE EXCEPTION 'invalid schedule %: % second(s) is below the minimum of 1 second', quote_literal(p_schedule),
                round(seconds, 3)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A stream table cannot be brought up to date more often than ticks are taken (every second by '
                         'default); ''calculated'' (the default) applies every tick.';
    END IF;
END $$;

-- Every write of a schedule goes through here: NULL means 'calculated' (the default), anything invalid is refused.
CREATE FUNCTION pgtrickle._check_schedule() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.schedule := coalesce(NEW.schedule, 'calculated');
    PERFORM pgtrickle._parse_schedule(NEW.schedule);
    RETURN NEW;
END $$;

DO $$
DECLARE
    v record;
BEGIN
    FOR v IN SELECT pgt_id, schedule FROM pgtrickle.pgt_stream_tables LOOP
        BEGIN
            PERFORM pgtrickle._parse_schedule(v.schedule);
        EXCEPTION WHEN OTHERS THEN
            UPDATE pgtrickle.pgt_stream_tables SET schedule = '1s' WHERE pgt_id = v.pgt_id;
        END;
    END LOOP;
END $$;

CREATE TRIGGER pgt_check_schedule BEFORE INSERT OR UPDATE OF schedule ON pgtrickle.pgt_stream_tables
    FOR EACH ROW EXECUTE FUNCTION pgtrickle._check_schedule();

-- The schedule a stream table follows: its own, or for 'calculated' the shortest duration among the stream
-- tables that read it (directly or through others; cron-scheduled readers do not count, as in pg_trickle);
-- kind 'every_tick' when there is none.
CREATE FUNCTION pgtrickle._resolved_schedule(p_id bigint, OUT kind text, OUT seconds numeric, OUT cron text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    SELECT p.kind, p.seconds, p.cron INTO kind, seconds, cron
      FROM pgtrickle.pgt_stream_tables s CROSS JOIN LATERAL pgtrickle._parse_schedule(s.schedule) p
     WHERE s.pgt_id = p_id;
    IF kind = 'calculated' THEN
        SELECT min(p.seconds) INTO seconds
          FROM pgtrickle._dependents(p_id) d
          JOIN pgtrickle.pgt_stream_tables s ON s.pgt_id = d.pgt_id
         CROSS JOIN LATERAL pgtrickle._parse_schedule(s.schedule) p
         WHERE p.kind = 'duration';
        kind := CASE WHEN seconds IS NULL THEN 'every_tick' ELSE 'duration' END;
    END IF;
END $$;

-- Whether an ACTIVE stream table is late by its own schedule: with a duration (or every tick), its data is
-- older than 3 periods and at least 30 s; with a cron expression, a moment of it passed more than 30 s ago
-- and the stream table was not brought up to date since.
CREATE FUNCTION pgtrickle._late(p_id bigint) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r        record;
    v_data   timestamptz;
    v_served timestamptz;
    v_moment timestamptz;
BEGIN
    SELECT s.data_timestamp, greatest(s.data_timestamp, p.updated_at) INTO v_data, v_served
      FROM pgtrickle.pgt_stream_tables s LEFT JOIN pgtrickle.pgt_sink_progress p ON p.pgt_id = s.pgt_id
     WHERE s.pgt_id = p_id;
    IF v_data IS NULL THEN
        RETURN false;
    END IF;
    SELECT * INTO r FROM pgtrickle._resolved_schedule(p_id);
    IF r.kind = 'cron' THEN
        v_moment := pgtrickle._cron_prev(r.cron, clock_timestamp() - interval '30 seconds');
        RETURN v_moment IS NOT NULL AND v_moment > v_served;
    END IF;
    RETURN clock_timestamp() - v_data > greatest(3 * coalesce(r.seconds, 1) * interval '1 second', interval '30 seconds');
END $$;

-- For the sink, about once a second: per stream table what its schedule means now (kind every_tick, duration
-- with period_ms, or cron with its latest moment), the time of its data and of its last apply, and whether
-- the user suspended it. An upstream whose dependent waits for a fill is applied every tick meanwhile: the
-- dependent's fill starts from the upstream's storage table and adds the upstream's later deltas, which the
-- engine has only for the last few ticks.
CREATE FUNCTION pgtrickle._sink_schedules()
RETURNS TABLE (pgt_id bigint, kind text, period_ms bigint, last_moment timestamptz, data_timestamp timestamptz,
               served_at timestamptz, held boolean)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.pgt_id,
           CASE WHEN EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables x
                                 ON x.pgt_id = d.pgt_id
                              WHERE d.upstream_id = s.pgt_id
                                AND (x.status = 'INITIALIZING' OR (x.needs_init AND x.status = 'ACTIVE')))
                THEN 'every_tick' ELSE r.kind END,
           (r.seconds * 1000)::bigint,
           CASE WHEN r.kind = 'cron' THEN pgtrickle._cron_prev(r.cron, clock_timestamp()) END,
           s.data_timestamp, greatest(s.data_timestamp, p.updated_at), s.held
      FROM pgtrickle.pgt_stream_tables s
      LEFT JOIN pgtrickle.pgt_sink_progress p ON p.pgt_id = s.pgt_id
     CROSS JOIN LATERAL pgtrickle._resolved_schedule(s.pgt_id) r
$$;

-- Suspends (held) or resumes a stream table. Resuming one the user suspended applies what the sink held;
-- resuming one the sink SUSPENDED after repeated failures fills it anew (its failed ticks are gone).
-- p_strict: refuse to resume one that is not suspended (resume_stream_table does; alter_stream_table does not).
CREATE FUNCTION pgtrickle._suspend_or_resume(p_id bigint, p_suspend boolean, p_strict boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v record;
BEGIN
    SELECT s.pgt_schema, s.pgt_name, s.status, s.held INTO v FROM pgtrickle.pgt_stream_tables s
     WHERE s.pgt_id = p_id FOR UPDATE;
    IF p_suspend THEN
        IF v.held OR v.status = 'SUSPENDED' THEN
            RETURN;
        END IF;
        IF v.status NOT IN ('ACTIVE', 'INITIALIZING') THEN
            RAISE EXCEPTION 'cannot suspend stream table %.%: it is %', quote_ident(v.pgt_schema), quote_ident(v.pgt_name),
                    v.status
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'A stream table in ERROR is repaired with pgtrickle.refresh_stream_table; a PAUSED one '
                             'waits for its upstream.';
        END IF;
        UPDATE pgtrickle.pgt_stream_tables SET held = true WHERE pgt_id = p_id;
    ELSIF v.held THEN
        UPDATE pgtrickle.pgt_stream_tables SET held = false WHERE pgt_id = p_id;
    ELSIF v.status = 'SUSPENDED' THEN
        UPDATE pgtrickle.pgt_stream_tables SET status = 'ERROR', consecutive_failures = 0 WHERE pgt_id = p_id;
        PERFORM pgtrickle.refresh_stream_table(format('%I.%I', v.pgt_schema, v.pgt_name));
    ELSIF p_strict THEN
        RAISE EXCEPTION 'stream table %.% is not suspended (status %)', quote_ident(v.pgt_schema),
                quote_ident(v.pgt_name), v.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only a SUSPENDED stream table is resumed; pgtrickle.refresh_stream_table fills any stream table anew.';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION pgtrickle.resume_stream_table(name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_saved   text := pg_catalog.current_setting('search_path');
    v_default text := pg_catalog.current_schema();
    v_id      bigint;
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    v_id := pgtrickle._find_stream_table(name, v_default);
    PERFORM pgtrickle._check_owner(v_id, 'resume');
    PERFORM pgtrickle._suspend_or_resume(v_id, false, true);
    PERFORM set_config('search_path', v_saved, true);
END $$;

COMMENT ON FUNCTION pgtrickle.resume_stream_table(text) IS
    'Resumes a suspended stream table: one the user suspended catches up with the ticks held meanwhile; one the sink '
    'SUSPENDED after repeated failures is filled anew at the next tick.';

-- pg_trickle's alter_stream_table, with its argument names. schedule and status take effect at once (the
-- sink reads them about once a second); query, a change of refresh_mode and cdc_mode are refused with what
-- to do instead. Everything is checked before anything changes.
CREATE FUNCTION pgtrickle.alter_stream_table(name text, query text DEFAULT NULL, schedule text DEFAULT NULL,
                                             refresh_mode text DEFAULT NULL, status text DEFAULT NULL,
                                             cdc_mode text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
#variable_conflict use_variable
DECLARE
    v_saved   text := pg_catalog.current_setting('search_path');
    v_default text := pg_catalog.current_schema();
    v_id      bigint;
    v_st      record;
    v_mode    text := pg_catalog.upper(pg_catalog.btrim(refresh_mode));
    v_status  text := pg_catalog.upper(pg_catalog.btrim(status));
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    v_id := pgtrickle._find_stream_table(name, v_default);
    PERFORM pgtrickle._check_owner(v_id, 'alter');
    SELECT s.pgt_schema, s.pgt_name, s.refresh_mode AS mode INTO v_st FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_id = v_id;
    IF query IS NOT NULL THEN
        RAISE EXCEPTION 'alter_stream_table cannot change the defining query of %.% yet', quote_ident(v_st.pgt_schema),
                quote_ident(v_st.pgt_name)
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Changing a query in place comes in a later release. Meanwhile drop the stream table '
                         '(pgtrickle.drop_stream_table) and create it with the new query, then grant again what was '
                         'granted on it. schedule and status can be altered now.';
    END IF;
    IF cdc_mode IS NOT NULL THEN
        RAISE EXCEPTION 'Trickle has no per-stream-table cdc_mode (asked for %)', quote_literal(cdc_mode)
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Change capture is chosen for the whole source connector: set cdc.mode (trigger, wal or auto) '
                         'in its configuration.';
    END IF;
    IF v_mode IS NOT NULL AND v_mode NOT IN ('AUTO', 'FULL', 'DIFFERENTIAL') THEN
        RAISE EXCEPTION 'invalid refresh_mode %', quote_literal(refresh_mode)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use ''AUTO'', ''DIFFERENTIAL'' or ''FULL''.';
    END IF;
    IF v_mode IS NOT NULL AND v_mode <> v_st.mode THEN
        RAISE EXCEPTION 'alter_stream_table cannot change the refresh_mode of %.% (from % to %) yet',
                quote_ident(v_st.pgt_schema), quote_ident(v_st.pgt_name), v_st.mode, v_mode
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'The engine decides a stream table''s mode when it plans its query. Meanwhile drop the stream '
                         'table and create it with the new refresh_mode, then grant again what was granted on it.';
    END IF;
    IF v_status IS NOT NULL AND v_status NOT IN ('ACTIVE', 'SUSPENDED') THEN
        RAISE EXCEPTION 'invalid status %', quote_literal(status)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ''SUSPENDED'' to hold its applies, ''ACTIVE'' to resume them.';
    END IF;
    IF schedule IS NOT NULL THEN
        -- checked by pgtrickle._check_schedule
        UPDATE pgtrickle.pgt_stream_tables s SET schedule = pg_catalog.btrim(alter_stream_table.schedule)
         WHERE s.pgt_id = v_id;
    END IF;
    IF v_status IS NOT NULL THEN
        PERFORM pgtrickle._suspend_or_resume(v_id, v_status = 'SUSPENDED', false);
    END IF;
    PERFORM set_config('search_path', v_saved, true);
END $$;

COMMENT ON FUNCTION pgtrickle.alter_stream_table(text, text, text, text, text, text) IS
    'Changes a stream table in place: schedule (a duration, a cron expression or ''calculated''), status '
    '(''SUSPENDED'' holds its applies, ''ACTIVE'' resumes them). query, a new refresh_mode and cdc_mode are refused.';

-- ---------------------------------------------------------------------------------------------
-- pgt_status(): as pg_trickle's, refresh_mode is the mode in effect (what AUTO resolved to, once the engine
-- has planned the query); the mode asked for is the new last column, requested_mode. status says SUSPENDED
-- for a stream table the user suspended. An ACTIVE stream table that does not advance says STALE, with the
-- reason in last_error: it is late by its own schedule (pgtrickle._late) and it is 10 or more ticks behind
-- the newest tick, or no tick was taken for 30 s. Each role sees the stream tables it may read.
DROP FUNCTION pgtrickle.pgt_status();
CREATE FUNCTION pgtrickle.pgt_status()
RETURNS TABLE (name text, status text, refresh_mode text, schedule text, last_tick bigint,
               data_timestamp timestamptz, staleness interval, last_error text, requested_mode text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('%I.%I', s.pgt_schema, s.pgt_name),
           CASE WHEN v.stale THEN 'STALE'
                WHEN s.held AND s.status IN ('ACTIVE', 'INITIALIZING') THEN 'SUSPENDED' ELSE s.status END,
           coalesce(s.effective_mode, s.refresh_mode), s.schedule, s.last_tick,
           s.data_timestamp, clock_timestamp() - s.data_timestamp,
           CASE WHEN NOT v.stale THEN s.last_error
                WHEN v.ticker_stopped
                THEN format('not advancing: no tick was taken for %s (the source connector is not running or '
                            'is failing); the data is that of tick %s, %s old. See pgtrickle.health_check()',
                            date_trunc('second', clock_timestamp() - n.created_at), s.last_tick, date_trunc('second', v.age))
                ELSE format('not advancing: at tick %s, %s tick(s) behind the newest tick %s, data %s old, late by its '
                            'schedule %s (the streams app or the sink is not applying its ticks). See pgtrickle.health_check()',
                            s.last_tick, n.tick_id - s.last_tick, n.tick_id, date_trunc('second', v.age), s.schedule)
           END,
           s.refresh_mode
      FROM pgtrickle.pgt_stream_tables s
      LEFT JOIN LATERAL (SELECT t.tick_id, t.created_at FROM pgtrickle.pgt_ticks t ORDER BY t.tick_id DESC LIMIT 1) n ON true
      CROSS JOIN LATERAL (SELECT coalesce(clock_timestamp() - n.created_at > interval '30 seconds', false) AS ticker_stopped,
                                 clock_timestamp() - s.data_timestamp AS age) v0
      CROSS JOIN LATERAL (SELECT v0.ticker_stopped, v0.age,
                                 s.status = 'ACTIVE' AND NOT s.held AND s.data_timestamp IS NOT NULL
                                 AND (v0.ticker_stopped OR coalesce(n.tick_id - s.last_tick, 0) >= 10)
                                 AND pgtrickle._late(s.pgt_id) AS stale) v
     WHERE pg_has_role(session_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = 'pgtrickle.pgt_stream_tables'::regclass), 'USAGE')
        OR coalesce(has_table_privilege(session_user, s.pgt_relid, 'SELECT'), false)
     ORDER BY s.pgt_schema, s.pgt_name
$$;

-- ---------------------------------------------------------------------------------------------
-- create_stream_table: pg_trickle's default schedule ('calculated'); the schedule is checked by the trigger
-- on the catalog (so that create and alter accept exactly the same schedules). Otherwise as in 0.4.0.7.
CREATE OR REPLACE FUNCTION pgtrickle.create_stream_table(
    name text, query text, schedule text DEFAULT 'calculated', refresh_mode text DEFAULT 'AUTO',
    initialize boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_ident  text[];
    v_schema text;
    v_name   text;
    v_mode   text := upper(btrim(coalesce(refresh_mode, '')));
    v_query  text;
    v_cursor refcursor;
BEGIN
    IF name IS NULL OR btrim(name) = '' THEN
        RAISE EXCEPTION 'stream table name must not be empty'
            USING ERRCODE = 'invalid_name', HINT = 'Pass a name such as ''order_totals'' or ''sales."Order Totals"''.';
    END IF;
    BEGIN
        v_ident := pg_catalog.parse_ident(name);
    EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION 'invalid stream table name %: %', quote_literal(name), SQLERRM
            USING ERRCODE = 'invalid_name',
                  HINT = 'Double-quote names with spaces, capitals or punctuation, e.g. ''"Order Totals"''.';
    END;
    IF cardinality(v_ident) = 1 THEN
        v_schema := pg_catalog.current_schema();
        v_name := v_ident[1];
        IF v_schema IS NULL THEN
            RAISE EXCEPTION 'no schema to create stream table % in', quote_ident(v_name)
                USING ERRCODE = 'invalid_schema_name', HINT = 'Qualify the name with a schema, e.g. ''public.name''.';
        END IF;
    ELSIF cardinality(v_ident) = 2 THEN
        v_schema := v_ident[1];
        v_name := v_ident[2];
    ELSE
        RAISE EXCEPTION 'invalid stream table name %: expected name or schema.name', quote_literal(name)
            USING ERRCODE = 'invalid_name';
    END IF;
    IF v_schema IN ('pgtrickle', 'pgtrickle_changes') THEN
        RAISE EXCEPTION 'cannot create stream table %.%: schema % is Trickle''s own', quote_ident(v_schema),
                quote_ident(v_name), quote_ident(v_schema)
            USING ERRCODE = 'invalid_schema_name', HINT = 'Create it in a schema of yours, e.g. ''public.name''.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = v_schema) THEN
        RAISE EXCEPTION 'schema % does not exist', quote_ident(v_schema)
            USING ERRCODE = 'invalid_schema_name', HINT = 'Create the schema first, or qualify the name with an existing one.';
    END IF;
    IF pg_catalog.to_regclass(format('%I.%I', v_schema, v_name)) IS NOT NULL THEN
        RAISE EXCEPTION 'relation %.% already exists', quote_ident(v_schema), quote_ident(v_name)
            USING ERRCODE = 'duplicate_table', HINT = 'Choose another name, or drop the existing stream table with pgtrickle.drop_stream_table.';
    END IF;
    IF v_mode NOT IN ('AUTO', 'FULL', 'DIFFERENTIAL') THEN
        RAISE EXCEPTION 'invalid refresh_mode %', quote_literal(refresh_mode)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use ''AUTO'', ''DIFFERENTIAL'' or ''FULL''.';
    END IF;
    -- the schedule is checked where the catalog row is written (pgtrickle._check_schedule)
    v_query := pg_catalog.rtrim(pg_catalog.regexp_replace(pg_catalog.rtrim(query, E' \t\r\n'),
                                                          E'(;[ \\t\\r\\n]*)+(--[^\\n]*)?$', ''), E' \t\r\n');
    IF v_query IS NULL OR v_query = '' THEN
        RAISE EXCEPTION 'the defining query must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_query <> pg_catalog.rtrim(query, E' \t\r\n') THEN
        BEGIN
            OPEN v_cursor FOR EXECUTE v_query;
            CLOSE v_cursor;
        EXCEPTION WHEN syntax_error THEN
            v_query := pg_catalog.rtrim(query, E' \t\r\n'); -- that ';' was inside a literal or comment: keep the text
        END;
    END IF;

    -- Exactly one statement, before anything runs: PostgreSQL opens a cursor on one query only (and
    -- opening it runs nothing). Then a view on it: a view is one SELECT (or VALUES) that changes no data.
    -- Both run with the caller's privileges, so PostgreSQL refuses what the caller may not read.
    IF pg_catalog.to_regclass('pg_temp.__pgt_probe') IS NOT NULL THEN
        DROP VIEW pg_temp.__pgt_probe;
    END IF;
    BEGIN
        OPEN v_cursor FOR EXECUTE v_query;
        CLOSE v_cursor;
        EXECUTE format('CREATE TEMP VIEW __pgt_probe AS %s', v_query);
        EXECUTE 'SELECT * FROM pg_temp.__pgt_probe LIMIT 0';
    EXCEPTION WHEN OTHERS THEN
        IF SQLSTATE = '42501' THEN
            RAISE EXCEPTION 'cannot create stream table %.%: %', quote_ident(v_schema), quote_ident(v_name), SQLERRM
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = format('A stream table shows its query''s result to whoever may read it, so its creator '
                                      '(role %s) must be allowed to read everything the query reads.', current_user),
                      HINT = 'Ask the owner of the table for SELECT on it, or create the stream table as a role that may read it.';
        ELSIF SQLERRM LIKE 'cannot open multi-query plan%' THEN
            RAISE EXCEPTION 'the defining query of %.% must be exactly one SELECT, not several statements',
                    quote_ident(v_schema), quote_ident(v_name)
                USING ERRCODE = 'syntax_error',
                      HINT = 'Remove everything after the query''s end; a trailing semicolon or comment is fine.';
        ELSIF SQLERRM LIKE 'cannot open % query as cursor' THEN
            RAISE EXCEPTION 'the defining query of %.% must be a SELECT: %', quote_ident(v_schema), quote_ident(v_name),
                    SQLERRM
                USING ERRCODE = 'wrong_object_type', HINT = 'A stream table holds the result of one SELECT (or WITH ... SELECT, VALUES).';
        -- A query that names the stream table being created would read itself: say so, not just "does not exist".
        ELSIF SQLSTATE = '42P01' AND (position(format('"%s"', v_name) IN SQLERRM) > 0
                                      OR position(format('"%s.%s"', v_schema, v_name) IN SQLERRM) > 0) THEN
            RAISE EXCEPTION 'stream table %.% cannot read itself (a cycle): %', quote_ident(v_schema), quote_ident(v_name), SQLERRM
                USING ERRCODE = 'invalid_schema_definition',
                      HINT = 'A stream table''s query reads base tables or other, existing stream tables.';
        END IF;
        RAISE EXCEPTION 'invalid defining query for stream table %.%: %', quote_ident(v_schema), quote_ident(v_name), SQLERRM
            USING ERRCODE = SQLSTATE, HINT = 'The query must be one SELECT (or WITH ... SELECT, VALUES) that PostgreSQL can run on its own.';
    END;
    -- which tables it reads, and whether they can be sources: register_stream_table says
    DROP VIEW pg_temp.__pgt_probe;

    EXECUTE format('CREATE TABLE %I.%I AS SELECT * FROM (%s' || E'\n' || ') __pgt_q WITH NO DATA', v_schema, v_name, v_query);
    BEGIN
        -- Lets the sink find the rows a delta deletes without a key (multiset semantics). The
        -- probe hashes an all-NULL row of the table's type first: CREATE INDEX on an empty table
        -- would succeed even for unhashable column types (json, point) and every insert would fail.
        EXECUTE format('SELECT pg_catalog.hash_record_extended(pg_catalog.jsonb_populate_record(NULL::%I.%I, ''{}''), 0)',
                       v_schema, v_name);
        EXECUTE format('CREATE INDEX ON %I.%I (hash_record_extended(%I.*, 0))', v_schema, v_name, v_name);
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'stream table %.% gets no row index: %', quote_ident(v_schema), quote_ident(v_name), SQLERRM
            USING HINT = 'Deletes from it scan the table; columns of hashable types avoid that.';
    END;
    PERFORM pgtrickle.register_stream_table(format('%I.%I', v_schema, v_name)::regclass, v_query,
                                            pg_catalog.current_schemas(false), schedule, v_mode, initialize);
END $$;

-- ---------------------------------------------------------------------------------------------
-- health_check(): stale_stream_tables judges each stream table by its own schedule; otherwise as in 0.4.0.4.
CREATE OR REPLACE FUNCTION pgtrickle.health_check()
RETURNS TABLE (check_name text, severity text, detail text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_sts      bigint;
    v_tick     record;
    v_list     text;
    v_pool     record;
    v_rows     bigint;
BEGIN
    SELECT count(*) INTO v_sts FROM pgtrickle.pgt_stream_tables WHERE status NOT IN ('PAUSED');

    -- stream tables stopped by an error, or suspended after repeated failures
    SELECT string_agg(format('%I.%I (%s): %s', pgt_schema, pgt_name, status, coalesce(last_error, 'no reason recorded')),
                      '; ' ORDER BY pgt_schema, pgt_name)
      INTO v_list FROM pgtrickle.pgt_stream_tables WHERE status IN ('ERROR', 'SUSPENDED');
    check_name := 'error_stream_tables';
    severity := CASE WHEN v_list IS NULL THEN 'OK' ELSE 'ERROR' END;
    detail := coalesce(v_list || ' -- fix the cause, then pgtrickle.resume_stream_table (SUSPENDED) or '
                       'pgtrickle.refresh_stream_table (ERROR)', 'no stream table in ERROR or SUSPENDED');
    RETURN NEXT;

    -- ACTIVE stream tables late by their own schedule (pgtrickle._late)
    SELECT string_agg(format('%I.%I is %s behind (schedule %s)', pgt_schema, pgt_name,
                             date_trunc('second', clock_timestamp() - data_timestamp), schedule),
                      '; ' ORDER BY pgt_schema, pgt_name)
      INTO v_list FROM pgtrickle.pgt_stream_tables
     WHERE status = 'ACTIVE' AND NOT held AND data_timestamp IS NOT NULL AND pgtrickle._late(pgt_id);
    check_name := 'stale_stream_tables';
    severity := CASE WHEN v_list IS NULL THEN 'OK' ELSE 'WARN' END;
    detail := coalesce(v_list, 'every ACTIVE stream table is up to date by its schedule');
    RETURN NEXT;

    -- the source connector takes a tick every tick.interval.ms, even when nothing changed
    SELECT * INTO v_tick FROM pgtrickle.tick_status();
    check_name := 'ticker';
    IF v_tick.current_tick IS NULL THEN
        severity := CASE WHEN v_sts = 0 THEN 'OK' ELSE 'ERROR' END;
        detail := 'no tick taken yet' || CASE WHEN v_sts = 0 THEN '' ELSE ': is the source connector running?' END;
    ELSE
        severity := CASE WHEN v_tick.age > interval '60 seconds' THEN 'ERROR'
                         WHEN v_tick.age > interval '10 seconds' THEN 'WARN' ELSE 'OK' END;
        detail := format('newest tick %s taken %s ago', v_tick.current_tick, date_trunc('second', v_tick.age))
                  || CASE WHEN severity = 'OK' THEN '' ELSE ': is the source connector running?' END;
    END IF;
    RETURN NEXT;

    -- the streams app and the sink report a heartbeat about once a second
    FOR v_pool IN
        SELECT c.component, max(w.heartbeat_at) AS last_seen
          FROM (VALUES ('streams'), ('sink')) c (component)
          LEFT JOIN pgtrickle.pgt_workers w USING (component)
         GROUP BY c.component ORDER BY c.component DESC
    LOOP
        check_name := v_pool.component || '_heartbeat';
        IF v_pool.last_seen IS NULL THEN
            severity := CASE WHEN v_sts = 0 THEN 'OK' ELSE 'ERROR' END;
            detail := format('no heartbeat from the %s yet', CASE WHEN v_pool.component = 'sink' THEN 'sink connector'
                                                                 ELSE 'streams app' END);
        ELSE
            severity := CASE WHEN v_pool.last_seen > now() - pgtrickle._heartbeat_timeout() THEN 'OK'
                             WHEN v_sts = 0 THEN 'WARN' ELSE 'ERROR' END;
            detail := format('last heartbeat %s ago', date_trunc('second', now() - v_pool.last_seen))
                      || CASE WHEN severity = 'OK' THEN '' ELSE ': is it running?' END;
        END IF;
        RETURN NEXT;
    END LOOP;

    -- every sink worker busy with units still waiting: more workers would help
    SELECT * INTO v_pool FROM pgtrickle.worker_pool_status() WHERE component = 'sink';
    check_name := 'worker_pool';
    IF v_pool IS NULL OR NOT coalesce(v_pool.alive, false) THEN
        severity := 'OK';
        detail := 'no live sink task';
    ELSE
        severity := CASE WHEN v_pool.active_workers >= least(v_pool.max_workers, v_pool.per_db_cap)
                           AND v_pool.queued_units > 0 THEN 'WARN' ELSE 'OK' END;
        detail := format('%s of %s worker(s) busy (cap %s per database, mode %s), %s unit(s) queued',
                         v_pool.active_workers, v_pool.max_workers, v_pool.per_db_cap, v_pool.parallel_mode,
                         v_pool.queued_units)
                  || CASE WHEN severity = 'OK' THEN '' ELSE ': the pool is saturated; raise max.dynamic.refresh.workers '
                                                            'or max.concurrent.refreshes' END;
    END IF;
    RETURN NEXT;

    check_name := 'job_queue';
    v_rows := coalesce(v_pool.queued_units, 0);
    severity := CASE WHEN v_rows > greatest(2 * coalesce(least(v_pool.max_workers, v_pool.per_db_cap), 1), 10)
                     THEN 'WARN' ELSE 'OK' END;
    detail := format('%s unit(s) waiting for a worker', v_rows);
    RETURN NEXT;

    -- change buffers hold rows until their tick is in Kafka: many rows mean the source connector lags
    SELECT sum(pending_rows), string_agg(format('%s: %s row(s)', source, pending_rows), '; ' ORDER BY pending_rows DESC)
      INTO v_rows, v_list
      FROM pgtrickle.change_buffer_status() WHERE pending_rows > 100000;
    check_name := 'buffer_growth';
    severity := CASE WHEN v_list IS NULL THEN 'OK' ELSE 'WARN' END;
    detail := coalesce(v_list || ' not yet carried by a tick: is the source connector keeping up?',
                       'no change buffer holds more than 100000 rows');
    RETURN NEXT;
END $$;

COMMENT ON FUNCTION pgtrickle.health_check() IS
    'Checks of the whole pipeline, one row each (OK, WARN, ERROR): stream tables in ERROR or SUSPENDED, stale stream '
    'tables, the ticker, heartbeats of the streams app and the sink, the worker pool, the job queue, change buffers.';

SELECT pgtrickle._revoke_internal_execute();
