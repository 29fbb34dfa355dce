-- Found by FuzzTest: a CASE outside aggregates in a grouped select list failed validation with a
-- NullPointerException inside Calcite's non-strict GROUP BY check (now validated with strict GROUP BY first).
-- schema
CREATE TABLE t0 (id integer PRIMARY KEY, k integer, o1 boolean, s2 text);
CREATE TABLE t1 (k integer, n1 numeric(8,2), d2 date);
-- rows
INSERT INTO t0 VALUES (1, 1, true, 'a');
INSERT INTO t0 VALUES (2, 2, false, NULL);
INSERT INTO t0 VALUES (3, NULL, NULL, 'b');
INSERT INTO t0 VALUES (4, 2, true, 'ab');
INSERT INTO t1 VALUES (1, 1.50, DATE '2024-01-01');
INSERT INTO t1 VALUES (2, NULL, DATE '2024-01-08');
INSERT INTO t1 VALUES (2, 2.25, NULL);
-- round
INSERT INTO t0 VALUES (5, 3, false, 'zz');
DELETE FROM t1 WHERE k = 1;
-- round
UPDATE t0 SET k = k + 1 WHERE id % 2 = 0;
UPDATE t0 SET id = -id WHERE id > 0 AND k IS NULL;
INSERT INTO t1 VALUES (3, 0.00, DATE '2024-02-01'), (3, 0.00, DATE '2024-02-01');
-- round
TRUNCATE t1;
DELETE FROM t0 WHERE o1;
-- query
SELECT a0.k AS g0, CASE WHEN a0.k > 1 THEN 'big' END AS c0, CASE WHEN a0.o1 THEN a0.id ELSE a0.k END AS g1, count(*) AS c1 FROM t0 a0 GROUP BY a0.k, CASE WHEN a0.o1 THEN a0.id ELSE a0.k END;
