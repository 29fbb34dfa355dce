-- Written by hand (issue #3): an UPDATE of a join key together with a delete of its old partner in the
-- same tick leaves no stale row (pg_trickle's long-standing bug).
-- schema
CREATE TABLE t0 (id integer PRIMARY KEY, k integer, s1 text);
CREATE TABLE t1 (id integer PRIMARY KEY, k integer, n1 numeric(8,2));
-- rows
INSERT INTO t0 VALUES (1, 1, 'a');
INSERT INTO t0 VALUES (2, 2, 'b');
INSERT INTO t1 VALUES (10, 1, 1.50);
INSERT INTO t1 VALUES (11, 2, 2.25);
-- round
UPDATE t0 SET k = 2 WHERE id = 1;
DELETE FROM t1 WHERE k = 1;
-- round
UPDATE t0 SET k = 3, id = -id WHERE id = 2;
INSERT INTO t1 VALUES (12, 3, 0.00);
-- query
SELECT a0.id AS c0, a0.s1 AS c1, a1.n1 AS c2 FROM t0 a0 LEFT JOIN t1 a1 ON a0.k = a1.k;
