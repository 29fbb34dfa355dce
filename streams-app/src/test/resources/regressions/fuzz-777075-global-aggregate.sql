-- Found by FuzzTest (seed 777075, shape global-aggregate), shrunk in 12 attempts.
-- Replay the original: mvn -B -o -q -pl streams-app -am verify -Dtest=FuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Dtrickle.fuzz.seed=777075 -Dtrickle.fuzz.cases=1
-- The same bug as fuzz-777027-aggregate.sql, without GROUP BY; rows and rounds added by hand.
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
SELECT string_agg('b', ',' ORDER BY 'b') FILTER (WHERE (a0.i0 BETWEEN 1 AND 2)) AS c0 FROM t2 a0;
