package dev.trickle.streams.plan;

import java.util.List;

/** The differential test's queries over {@code src}: together they use every supported construct. */
final class DifferentialQueries {
    private DifferentialQueries() {
    }

    static final List<String> ALL = List.of(
            // pass-through, projection, filtering, derived tables, CTEs, duplicates
            "SELECT * FROM src",
            "SELECT id, a, t FROM src WHERE a > 5",
            "SELECT a FROM src",
            "SELECT t, v FROM src WHERE t = v OR t IS NULL",
            "SELECT id, u, n, f, r, c, d, ts, tz, uid FROM src",
            "SELECT x, y FROM (SELECT a + 1 AS x, t AS y FROM src WHERE a > 0) sub WHERE x < 10",
            "WITH w AS (SELECT id, a * 2 AS a2 FROM src WHERE ok) SELECT id, a2 FROM w WHERE a2 > 0",
            "SELECT s.id, s.a FROM src s WHERE s.b IS NOT NULL",
            "SELECT id, tz, uid FROM src WHERE uid IS NOT NULL AND tz > '2010-01-01 00:00:00+00'",
            // integer arithmetic
            "SELECT id, a + b AS x, a - b AS y, a * b AS z FROM src",
            "SELECT id, a / NULLIF(b, 0) AS q, a % NULLIF(b, 0) AS r FROM src",
            "SELECT id, -a AS neg, abs(a) AS ab, s + s AS ss, s * 100 AS s100, s - s AS sms, s / 7 AS s7 FROM src",
            "SELECT id, big * 3 AS b3, big / 7 AS b7, big + a AS ba, big % 1000 AS bm FROM src",
            "SELECT id, a / 2 AS h, -7 / 2 AS c, 7 / -2 AS d2, a::numeric / 2 AS nh, 1 / 3.0 AS third FROM src",
            "SELECT id, '5'::int + a AS c1, a + '5' AS c2, n * '2' AS c3 FROM src",
            // numeric and float arithmetic
            "SELECT id, n + 1 AS n1, n * n AS nn, n / 3 AS n3, n / 7.0 AS n7, u / 3 AS u3, n % 3 AS nm FROM src",
            "SELECT id, u * n AS un, u + n AS upn, n - u AS nmu, u / NULLIF(n, 0) AS ud, -u AS neg FROM src",
            "SELECT id, f * 2 AS f2, f + a AS fa, f / 3 AS f3, r * 2 AS r2, r + 1 AS r1, f - n AS fn, -f AS nf FROM src",
            "SELECT id, (n * 100)::int AS cents, (n / 0.3)::numeric(12,3) AS q, n * 1.5e2 AS e FROM src",
            // comparisons
            "SELECT id, a = b AS e, a <> b AS ne, a < b AS lt, a <= b AS le, a > b AS gt, a >= b AS ge FROM src",
            "SELECT id, n = a AS e1, f < n AS e2, u >= a AS e3, s = big AS e4, f = r AS e5, r < 1.5 AS e6 FROM src",
            "SELECT id, t < v AS lt, t = v AS eq, t > 'm' AS gm, t >= 'Hello' AS ge, c = 'ab' AS ce, c < v AS cl FROM src",
            "SELECT id FROM src WHERE n > 100.5 AND a < 0 OR ok",
            "SELECT id FROM src WHERE a = '3' OR t = 'b' OR d = '2024-01-01'",
            "SELECT id, d = ts AS e, d < DATE '2024-01-01' AS lt, ts >= TIMESTAMP '2020-01-01 00:00:00' AS ge FROM src",
            "SELECT id FROM src WHERE d > '2020-01-01' AND ts < '2025-06-01 12:00:00'",
            // timestamptz under the session's TimeZone: date_trunc of a date and of a timestamptz, extract, + interval, AT TIME ZONE
            "SELECT date_trunc('month', d) AS m, count(*) AS n, sum(a) AS sa FROM src GROUP BY date_trunc('month', d)",
            "SELECT date_trunc('week', tz) AS w, date_trunc('hour', tz) AS h, count(*) AS n FROM src GROUP BY date_trunc('week', tz),"
                    + " date_trunc('hour', tz)",
            "SELECT id, extract(hour FROM tz) AS h, extract(epoch FROM tz) AS ep, date_part('dow', tz) AS dw, tz + interval '1 mon 1 day' AS later,"
                    + " tz AT TIME ZONE 'Asia/Kolkata' AS kolkata, ts AT TIME ZONE 'America/New_York' AS ny, tz::text AS txt, tz::date AS day,"
                    + " d::timestamptz AS midnight FROM src",
            // boolean logic and IS predicates
            "SELECT id, ok AND a > 0 AS x, ok OR a > 0 AS y, NOT ok AS z, (a > 0) AND (b > 0) OR ok AS w FROM src",
            "SELECT id, a IS NULL AS n1, t IS NOT NULL AS n2, ok IS TRUE AS t1, ok IS NOT TRUE AS t2, ok IS FALSE AS t3,"
                    + " ok IS NOT FALSE AS t4, ok IS UNKNOWN AS t5 FROM src",
            "SELECT id, a IS DISTINCT FROM b AS d1, a IS NOT DISTINCT FROM b AS d2, t IS DISTINCT FROM v AS d3 FROM src",
            "SELECT id FROM src WHERE (a > 0) IS NOT TRUE AND uid IS NOT NULL",
            // LIKE, IN, BETWEEN
            "SELECT id, t FROM src WHERE t LIKE 'a%'",
            "SELECT id, t LIKE '%\\%%' AS p, t LIKE '%!_%' ESCAPE '!' AS u, t NOT LIKE '_b%' AS nl, t ILIKE 'A%' AS il,"
                    + " t NOT ILIKE '%B' AS nil, v LIKE t ESCAPE '' AS vt FROM src",
            "SELECT id, c LIKE 'ab%' AS l1, c LIKE 'ab' AS l2, c || '|' AS cc, length(c) AS lc, c::text AS ct FROM src",
            "SELECT id, a IN (1, 2, 3) AS i1, a NOT IN (1, 2) AS i2, a IN (1, NULL) AS i3, a NOT IN (1, NULL) AS i4,"
                    + " t IN ('a', 'b') AS i5 FROM src",
            "SELECT id FROM src WHERE a BETWEEN -5 AND 5 AND b NOT BETWEEN 0 AND 3",
            "SELECT id, n BETWEEN a AND b AS bw, a IN (b, s) AS ab FROM src",
            "SELECT id FROM src WHERE a IN (1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 0, -1)",
            // CASE, COALESCE, NULLIF, GREATEST, LEAST
            "SELECT id, CASE WHEN a > 0 THEN 'pos' WHEN a < 0 THEN 'neg' ELSE 'zero' END AS sign,"
                    + " CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' END AS word FROM src",
            "SELECT id, CASE WHEN ok THEN a ELSE n END AS mixed, CASE WHEN ok THEN f ELSE a END AS fm,"
                    + " CASE WHEN b <> 0 THEN a / b END AS safe FROM src",
            "SELECT id, COALESCE(a, b, 0) AS c1, COALESCE(n, a) AS c2, COALESCE(t, v, 'none') AS c3,"
                    + " COALESCE(u, 1.5) AS c4, COALESCE(tz, '2000-01-01 00:00:00+00') AS c5 FROM src",
            "SELECT id, NULLIF(a, b) AS n1, NULLIF(t, 'a') AS n2, NULLIF(n, a) AS n3 FROM src",
            "SELECT id, GREATEST(a, b, 0) AS g, LEAST(a, b) AS l, GREATEST(n, a) AS gn, LEAST(t, v) AS lt,"
                    + " GREATEST(d, ts) AS gd, LEAST(f, a, n) AS lf FROM src",
            "SELECT id, CASE WHEN t LIKE '%a%' THEN upper(t) ELSE lower(t) END AS x FROM src",
            // the first string type wins: char(n) then text is char, text then char(n) is text
            "SELECT id, COALESCE(c, t) AS ct, COALESCE(t, c) AS tc, CASE WHEN a > 0 THEN c ELSE v END AS cv, COALESCE(c, 'zz') AS cz,"
                    + " GREATEST(c, t) AS g, COALESCE(c, t) || '|' AS ctb, CASE WHEN ok THEN v ELSE c END || '|' AS vcb FROM src",
            // strings
            "SELECT id, t || v AS tv, t || a AS ta, n || '' AS ns, c || t AS ct, 'it''s ' || v AS q FROM src",
            "SELECT id, upper(t) AS up, lower(v) AS lo, length(t) AS len, char_length(v) AS cl FROM src",
            "SELECT id, substring(t from 2 for 2) AS s1, substring(t from 3) AS s2, substr(v, 0, 3) AS s3,"
                    + " substr(t, -1, 3) AS s4, substr(t, 2) AS s5 FROM src",
            "SELECT id, trim(t) AS t1, trim(both 'a' from t) AS t2, trim(leading from v) AS t3, trim(trailing 'b ' from t) AS t4,"
                    + " btrim(t, 'ab') AS t5, ltrim(t) AS t6, rtrim(v, 'x') AS t7 FROM src",
            "SELECT id, replace(t, 'a', 'XY') AS r1, position('b' in t) AS p1, strpos(v, 'a') AS p2, left(t, 2) AS l1,"
                    + " right(t, -1) AS r2, left(v, -1) AS l2, right(v, 3) AS r3 FROM src",
            "SELECT id, concat(t, a, ok, n, NULL, d) AS c1, concat('x', v) AS c2 FROM src",
            "SELECT id FROM src WHERE upper(t) LIKE '%A%' AND length(v) > 2",
            // math functions
            "SELECT id, round(n) AS r0, round(n, 1) AS r1, round(u, 2) AS r2, round(n, -1) AS r3, round(f) AS rf,"
                    + " round(a) AS ra, round(a, 2) AS ra2 FROM src",
            "SELECT id, trunc(n) AS t0, trunc(n, 1) AS t1, trunc(f) AS tf, floor(n) AS fl, ceil(n) AS ce, ceiling(f) AS cf,"
                    + " floor(a) AS fa FROM src",
            "SELECT id, mod(a, 3) AS m1, mod(n, 3) AS m2, power(a, 2) AS p, sqrt(abs(a)) AS sq, abs(n) AS an, abs(f) AS af,"
                    + " power(f, 2) AS pf FROM src",
            // casts
            "SELECT id, a::text AS at, n::text AS nt, f::text AS ft, ok::text AS okt, d::text AS dt, ts::text AS tst,"
                    + " r::text AS rt, u::text AS ut FROM src",
            "SELECT id, t::varchar(2) AS v2, v::char(3) AS c3, a::numeric(6,2) AS an, n::int AS ni, n::numeric(6,1) AS n1,"
                    + " f::numeric AS fn, f::int AS fi, u::float8 AS uf FROM src",
            "SELECT id, CAST(a AS bigint) AS ab, CAST(s AS integer) AS si, CAST(n AS double precision) AS nd,"
                    + " CAST(ok AS integer) AS oi, r::float8 AS rd, f::real AS fr, a::smallint AS sa FROM src",
            "SELECT id, d::timestamp AS dts, ts::date AS tsd, ts::timestamp(0) AS ts0, ts::timestamp(2) AS ts2 FROM src",
            "SELECT id, ok::int + a AS s1, (a > 0)::text AS bt, v::text AS vt, c::varchar AS cv, '12'::int AS i12 FROM src",
            "SELECT id, '1.50'::numeric AS lit1, 1.50 AS lit2, 1e3 AS lit3, 2.5e-3 AS lit4, 2147483648 AS lit5,"
                    + " 'abc' AS lit6, true AS lit7, NULL::int AS lit8, DATE '2024-02-29' AS lit9, -1.0 AS lit10 FROM src WHERE id < 5",
            // more edges: mixed-type IN lists, symmetric BETWEEN, unicode case folding, float text, NULL propagation
            "SELECT id, a IN (1, 2.5) AS i1, n IN (1, 2.50, a) AS i2, f IN (0.1, 1.5) AS i3 FROM src",
            "SELECT id FROM src WHERE a BETWEEN SYMMETRIC 5 AND -5",
            "SELECT id, t ILIKE '%Ü%' AS il, upper(t) = upper(v) AS uu, lower(t) < lower(v) AS ll, t < 'é' AS lt FROM src",
            "SELECT id, 'x' || f AS xf, concat(f, r, '|', big) AS cf, t || NULL AS tn, COALESCE(a::text, 'none') AS ca,"
                    + " CASE WHEN a IS NULL THEN NULL ELSE a END AS cn FROM src",
            "SELECT id, a::bool AS ab, NOT ok IS TRUE AS nt, 't'::bool AND ok AS tb, -n AS nn, +a AS pa, a * 1.0 / 3 AS ad,"
                    + " n / u AS nu, u / 7 AS u7, 1.000 * a AS s3 FROM src WHERE u <> 0",
            "SELECT \"Mixed Case\" + 1 AS \"Plus One\", \"with space\", \"Odd Table\".id FROM \"Odd Table\""
                    + " WHERE \"with space\" IS NOT NULL",
            "SELECT * FROM public.\"Odd Table\" o WHERE o.\"Mixed Case\" > 0",
            // :: binds tighter than every operator (Calcite's babel parser would apply it to everything on its left)
            "SELECT id, 1 + a::numeric * 2 AS x, a::text || b::text AS y, - n::int AS z, t::varchar(3)::text AS w"
                    + " FROM src WHERE a > 0 AND b::text <> '1' OR d::timestamp > ts",
            // COLLATE: code point collations order as the engine; under LC_CTYPE C case mapping is ASCII only
            "SELECT id, t COLLATE \"C\", t COLLATE \"C\" < v AS lt, upper(t COLLATE \"C\") AS up, lower(v COLLATE \"POSIX\") AS lo,"
                    + " t ILIKE 'é%' COLLATE \"C\" AS il, greatest(t, v COLLATE \"C\") AS g, t::varchar(3) COLLATE \"C\" AS tc"
                    + " FROM src WHERE t COLLATE ucs_basic BETWEEN 'a' AND 'z' OR c COLLATE pg_catalog.\"C\" > 'a'",
            // aggregates with FILTER are named after the aggregate
            "SELECT count(*) FILTER (WHERE a > 0), sum(a) FILTER (WHERE b > 0), count(*) AS n FROM src",
            // dates and timestamps: extract (numeric), date_part (double precision), date_trunc, date arithmetic, intervals
            "SELECT id, extract(year from d) AS y, extract(quarter from d) AS q, extract(doy from d) AS doy, extract(epoch from d) AS e,"
                    + " extract(julian from d) AS j, extract(week from d) AS w, extract(isoyear from d) AS iy, extract(decade from d) AS dc,"
                    + " extract(century from d) AS c, extract(millennium from d) AS ml FROM src WHERE d <> 'infinity'",
            "SELECT id, extract(month from d) AS m, extract(day from d) AS dd, extract(dow from d) AS dw, extract(isodow from d) AS idw,"
                    + " extract(week from d) AS w, extract(DOY FROM d) AS doy, EXTRACT(QUARTER FROM d) AS q FROM src",
            "SELECT id, extract(second from ts) AS s, extract(millisecond from ts) AS ms, extract(microsecond from ts) AS us,"
                    + " extract(minute from ts) AS mi, extract(hour from ts) AS h, extract(epoch from ts) AS e, extract(julian from ts) AS j,"
                    + " extract(year from ts) AS y, extract(dow from ts) AS dw, extract(century from ts) AS c FROM src",
            "SELECT id, date_part('year', ts) AS y, date_part('second', ts) AS s, date_part('epoch', ts) AS e, date_part('julian', ts) AS j,"
                    + " date_part('dow', d) AS dw, date_part('epoch', d) AS de, date_part('Hours', d) AS h, date_part('msec', ts) AS ms,"
                    + " date_part('year', d) AS dy, date_part('microseconds', ts) AS us FROM src",
            "SELECT id, date_trunc('month', ts) AS m, date_trunc('week', ts) AS w, date_trunc('quarter', ts) AS q,"
                    + " date_trunc('millennium', ts) AS ml, date_trunc('century', ts) AS c, date_trunc('decade', ts) AS dc,"
                    + " date_trunc('hour', ts) AS h, date_trunc('milliseconds', ts) AS ms, date_trunc('DAY', d::timestamp) AS dd,"
                    + " date_trunc('year', ts) AS y, date_trunc('minute', ts) AS mi, date_trunc('second', ts) AS s FROM src",
            "SELECT id, d + 1 AS p, 7 + d AS q, d - 30 AS m, d + s AS ds, d - a AS da FROM src WHERE a BETWEEN -1000 AND 1000",
            "SELECT id, d - DATE '2000-01-01' AS diff, d - '2010-06-15' AS du, DATE '2030-01-01' - d AS until FROM src WHERE d <> 'infinity'",
            "SELECT id, d + INTERVAL '1' MONTH AS m, ts - INTERVAL '3' DAY AS t3, ts + INTERVAL '1-2' YEAR TO MONTH AS ym,"
                    + " INTERVAL '36' HOUR + d AS h, ts + INTERVAL '2 03:04:05' DAY TO SECOND AS dts, d - INTERVAL '13' MONTH AS m13 FROM src",
            "SELECT id, d FROM src WHERE d >= DATE '2005-01-01' AND d < DATE '2005-01-01' + INTERVAL '1' YEAR OR ts < d - 100",
            "SELECT extract(year from d) AS y, count(*) AS n FROM src WHERE d <> 'infinity' GROUP BY extract(year from d)",
            // WITH RECURSIVE over src as a graph (id → a): cycles stop under UNION; UNION ALL with a depth limit
            "WITH RECURSIVE r(id, a) AS (SELECT id, a FROM src WHERE id <= 5 UNION SELECT s.id, s.a FROM r JOIN src s ON s.id = r.a)"
                    + " SELECT id, a FROM r",
            "WITH RECURSIVE r(id, a, depth) AS (SELECT id, a, 0 FROM src WHERE id < 20 UNION ALL SELECT s.id, s.a, r.depth + 1"
                    + " FROM r JOIN src s ON s.id = r.a WHERE r.depth < 3) SELECT depth, count(*) AS n, sum(a) AS sa FROM r GROUP BY depth",
            "WITH RECURSIVE r(x, t) AS (SELECT a, t FROM src WHERE a BETWEEN 0 AND 2 UNION SELECT s.b, s.t FROM r JOIN src s"
                    + " ON s.a = r.x WHERE s.t IS NOT NULL) SELECT x, t FROM r",
            // errors: both PostgreSQL and the engine must fail, with the same message
            "SELECT id, d - DATE '2000-01-01' AS diff FROM src",
            "SELECT id, date_part('fortnight', ts) AS f FROM src",
            "SELECT id, date_trunc('dow', ts) AS f FROM src",
            "SELECT id, extract(epoch from d + 2000000000) AS e FROM src WHERE d <> 'infinity'",
            "SELECT id, a + 2147483647 AS ovf FROM src WHERE a > 0",
            "SELECT id, a / (b - b) AS z FROM src",
            "SELECT id, t::int AS ti FROM src",
            "SELECT id, s * s::smallint AS sq FROM src",
            "SELECT id, big * big AS bb FROM src",
            "SELECT id, f * 1e300 AS fo FROM src",
            "SELECT id, n::numeric(4,2) AS small FROM src",
            "SELECT id, substr(t, 1, a) AS neg FROM src",
            "SELECT id, sqrt(a) AS sq FROM src",
            "SELECT id, power(0, a) AS pz FROM src",
            "SELECT id, t::numeric AS tn FROM src",
            "SELECT id, (t || '-01-01')::date AS td FROM src",
            "SELECT id, f / (a - a) AS fz FROM src",
            "SELECT id, n / (a - a) AS nz FROM src",
            "SELECT id, t LIKE 'a\\' AS bad FROM src");
}
