-- Found by FuzzTest: a join condition that is always false (x AND NOT true) left an empty VALUES as the
-- join's input, which was refused as VALUES; it is now a relation without rows.
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
SELECT DISTINCT (a1.k % 3) AS c0, a0.id AS c1, a1.n1 AS c2 FROM t0 a0 LEFT JOIN t1 a1 ON a0.k = a1.k AND (NOT true);
