-- Found by FuzzTest (seed 777027, shape aggregate), shrunk in 35 attempts.
-- Replay the original: mvn -B -o -q -pl streams-app -am verify -Dtest=FuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Dtrickle.fuzz.seed=777027 -Dtrickle.fuzz.cases=1
-- The bug: string_agg(x, ',' ORDER BY y) FILTER (WHERE ...) failed validation inside Calcite (it could not type
-- the ORDER BY list while inferring nullability) when x was NOT NULL (a literal, a primary key); fixed in
-- PgValidator. Rows and rounds added by hand so that the FILTER keeps and drops rows.
-- schema
CREATE TABLE t2 (k integer, i0 integer, d1 date, b2 bigint, o3 boolean);
-- rows
INSERT INTO t2 VALUES (1, 1, DATE '2024-01-01', 1000000007::bigint, true);
INSERT INTO t2 VALUES (2, 2, NULL, NULL, false);
INSERT INTO t2 VALUES (NULL, 1, DATE '2024-01-08', 0::bigint, NULL);
INSERT INTO t2 VALUES (1, 3, DATE '2024-01-01', -3000000021::bigint, true);
-- round
UPDATE t2 SET o3 = NOT o3 WHERE k = 1;
-- round
INSERT INTO t2 VALUES (5, 2, NULL, NULL, NULL), (5, 2, NULL, NULL, NULL);
DELETE FROM t2 WHERE i0 = 3;
-- round
DELETE FROM t2 WHERE o3 OR o3 IS NULL;
-- round
UPDATE t2 SET o3 = true WHERE k = 2;
-- query
SELECT string_agg('a', ',' ORDER BY 'a') FILTER (WHERE a0.o3) AS c1 FROM t2 a0 GROUP BY a0.o3;
