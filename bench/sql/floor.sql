-- What PostgreSQL alone needs for the work one tick of issue #3's benchmark must do, against REFRESH
-- MATERIALIZED VIEW of the same queries: the floor under any incremental maintainer that keeps its result in
-- a PostgreSQL table (Trickle, pg_trickle or hand-written triggers). See docs/benchmarks.md, "The floor".
-- Run with psql against an empty database of a server with the benchmark's settings (fsync, synchronous_commit
-- and full_page_writes on, shared_buffers=1GB, wal_level=logical):
--   psql -X -d floor -f bench/sql/floor.sql
\set ON_ERROR_STOP on
CREATE EXTENSION IF NOT EXISTS tsm_system_rows;
DROP TABLE IF EXISTS customers, products, orders, st_pk, st_hash, st_filter, buf_jsonb, buf_typed, commit_probe,
  buf_cust, buf_prod CASCADE;
CREATE TABLE customers (id int PRIMARY KEY, name text, nation text, segment text);
CREATE TABLE products (id int PRIMARY KEY, name text, category text, price numeric(10,2));
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int, product_id int, quantity int, amount numeric(12,2),
                     status text, ordered_at date);
INSERT INTO customers SELECT i, 'customer ' || i, 'nation ' || (i % 25), 'segment ' || (i % 5)
  FROM generate_series(1, 100000) i;
INSERT INTO products SELECT i, 'product ' || i, 'category ' || (i % 20), (i % 1000) / 10.0
  FROM generate_series(1, 10000) i;
INSERT INTO orders SELECT i, 1 + (i::bigint * 7919) % 100000, 1 + (i::bigint * 104729) % 10000, 1 + i % 10,
  ((i::bigint * 31) % 100000) / 100.0, (ARRAY['new', 'paid', 'shipped', 'delivered', 'returned'])[1 + i % 5],
  date '2020-01-01' + (i % 1500) FROM generate_series(1, 1000000) i;
CREATE MATERIALIZED VIEW mv_filter AS SELECT id, customer_id, product_id, quantity, amount, ordered_at FROM orders
  WHERE status = 'shipped' AND amount >= 500;
CREATE MATERIALIZED VIEW mv_join AS SELECT o.id, o.quantity, o.amount, c.name AS customer, c.nation,
  p.name AS product, p.category FROM orders o JOIN customers c ON c.id = o.customer_id
  JOIN products p ON p.id = o.product_id;
CREATE MATERIALIZED VIEW mv_agg AS SELECT c.nation, c.segment, count(*) AS order_count, sum(o.amount) AS revenue,
  avg(o.quantity) AS avg_quantity FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.nation, c.segment;
-- the join's result as a maintainer would keep it: keyed by the order id (the cheapest to change), and with
-- Trickle's whole-row hash index (what a maintainer without a key must use)
CREATE TABLE st_pk AS TABLE mv_join;
ALTER TABLE st_pk ADD PRIMARY KEY (id);
CREATE TABLE st_hash AS TABLE mv_join;
CREATE INDEX ON st_hash USING hash ((hash_record_extended(st_hash.*, 0)));
-- the filter's result as Trickle keeps it (whole-row hash index)
CREATE TABLE st_filter AS TABLE mv_filter;
CREATE INDEX ON st_filter USING hash ((hash_record_extended(st_filter.*, 0)));
-- a tick's 1,500 changed order rows, as jsonb (Trickle's change buffers) and as typed columns
CREATE TABLE buf_jsonb (change_id bigserial PRIMARY KEY, op char, row_data jsonb);
INSERT INTO buf_jsonb (op, row_data) SELECT '+', to_jsonb(o.*) FROM orders o TABLESAMPLE SYSTEM_ROWS(1500);
CREATE TABLE buf_typed (change_id bigserial PRIMARY KEY, op char, LIKE orders);
INSERT INTO buf_typed (op, id, customer_id, product_id, quantity, amount, status, ordered_at)
  SELECT '+', o.* FROM orders o TABLESAMPLE SYSTEM_ROWS(1500);
CREATE TABLE commit_probe (i int);
VACUUM ANALYZE;
CHECKPOINT;
\timing on
\echo '== REFRESH MATERIALIZED VIEW, three times each'
REFRESH MATERIALIZED VIEW mv_filter;
REFRESH MATERIALIZED VIEW mv_filter;
REFRESH MATERIALIZED VIEW mv_filter;
REFRESH MATERIALIZED VIEW mv_join;
REFRESH MATERIALIZED VIEW mv_join;
REFRESH MATERIALIZED VIEW mv_join;
REFRESH MATERIALIZED VIEW mv_agg;
REFRESH MATERIALIZED VIEW mv_agg;
REFRESH MATERIALIZED VIEW mv_agg;
\echo '== reading a tick''s 1,500 change rows: jsonb buffer (3x), typed buffer (3x)'
\o /dev/null
SELECT b.op, r.* FROM buf_jsonb b, jsonb_populate_record(NULL::orders, b.row_data) r ORDER BY b.change_id;
SELECT b.op, r.* FROM buf_jsonb b, jsonb_populate_record(NULL::orders, b.row_data) r ORDER BY b.change_id;
SELECT b.op, r.* FROM buf_jsonb b, jsonb_populate_record(NULL::orders, b.row_data) r ORDER BY b.change_id;
SELECT * FROM buf_typed ORDER BY change_id;
SELECT * FROM buf_typed ORDER BY change_id;
SELECT * FROM buf_typed ORDER BY change_id;
\o
\echo '== a one-row commit, three times'
INSERT INTO commit_probe VALUES (1);
INSERT INTO commit_probe VALUES (1);
INSERT INTO commit_probe VALUES (1);
\echo '== the join''s delta of one tick (2,684 rows out, 2,684 in) by key: stage, delete, insert, commit'
BEGIN;
CREATE TEMP TABLE d ON COMMIT DROP AS SELECT id, quantity + 1 AS quantity, amount, customer, nation, product, category
  FROM st_pk TABLESAMPLE SYSTEM_ROWS(2684);
DELETE FROM st_pk s USING d WHERE s.id = d.id;
INSERT INTO st_pk SELECT * FROM d;
COMMIT;
\echo '== the same by whole-row hash: stage, delete, insert, commit'
BEGIN;
CREATE TEMP TABLE d ON COMMIT DROP AS SELECT * FROM st_hash TABLESAMPLE SYSTEM_ROWS(2684);
DELETE FROM st_hash s WHERE hash_record_extended(s.*, 0) IN (SELECT hash_record_extended(d.*, 0) FROM d)
  AND s.id IN (SELECT id FROM d);
INSERT INTO st_hash SELECT id, quantity + 1, amount, customer, nation, product, category FROM d;
COMMIT;
\echo '== the filter''s delta of one tick (76 rows out, 76 in) by whole-row hash: stage, delete, insert, commit'
BEGIN;
CREATE TEMP TABLE d ON COMMIT DROP AS SELECT * FROM st_filter TABLESAMPLE SYSTEM_ROWS(76);
DELETE FROM st_filter s WHERE hash_record_extended(s.*, 0) IN (SELECT hash_record_extended(d.*, 0) FROM d)
  AND s.id IN (SELECT id FROM d);
INSERT INTO st_filter SELECT id, customer_id, product_id, quantity + 1, amount, ordered_at FROM d;
COMMIT;
\echo '== cleaning the tick''s 1,500 rows out of the typed buffer: delete, commit'
BEGIN;
DELETE FROM buf_typed;
COMMIT;
-- Added in session 14: the deltas themselves computed by PostgreSQL, as an in-database maintainer (pg_trickle's
-- delta SQL, hand-written triggers) computes them, so that Trickle's engine can be set beside the same work done
-- by the server. Not part of the floor above (which any maintainer pays whatever computes the delta): what
-- PostgreSQL needs for the computation with the indexes it would need (orders by customer and by product). One
-- tick of the benchmark: 1,500 order change rows, 100 customers and 10 products updated (each a row out and a row
-- in). The terms are the delta rules' (changed orders with the other tables; the orders of changed customers;
-- the orders of changed products), each into a temporary table as a maintainer would stage it.
\timing off
\o /dev/null
CREATE INDEX IF NOT EXISTS orders_customer_id ON orders (customer_id);
CREATE INDEX IF NOT EXISTS orders_product_id ON orders (product_id);
DROP TABLE IF EXISTS buf_cust, buf_prod;
CREATE TABLE buf_cust (change_id bigserial PRIMARY KEY, op char, LIKE customers);
WITH s AS MATERIALIZED (SELECT * FROM customers TABLESAMPLE SYSTEM_ROWS(100))
  INSERT INTO buf_cust (op, id, name, nation, segment)
  SELECT '-', s.* FROM s UNION ALL SELECT '+', s.id, s.name, s.nation, 'segment 9' FROM s;
CREATE TABLE buf_prod (change_id bigserial PRIMARY KEY, op char, LIKE products);
WITH s AS MATERIALIZED (SELECT * FROM products TABLESAMPLE SYSTEM_ROWS(10))
  INSERT INTO buf_prod (op, id, name, category, price)
  SELECT '-', s.* FROM s UNION ALL SELECT '+', s.id, s.name, 'category 99', s.price FROM s;
INSERT INTO buf_typed (op, id, customer_id, product_id, quantity, amount, status, ordered_at)
  SELECT '+', o.* FROM orders o TABLESAMPLE SYSTEM_ROWS(1500);
VACUUM ANALYZE orders, buf_typed, buf_cust, buf_prod;
-- a tick's few thousand rows gain nothing from parallel workers, whose start costs more than the work (15 against
-- 90-190 ms on 2 busy cores); a maintainer would plan its delta queries without them
SET max_parallel_workers_per_gather = 0;
-- each delta query written once, prepared (planned at its first run, the plan kept after, as a maintainer's
-- prepared delta query), then run three times into a temporary table as a maintainer would stage it
PREPARE join_delta AS
  SELECT b.op, b.id, b.quantity, b.amount, c.name AS customer, c.nation, p.name AS product, p.category
    FROM buf_typed b JOIN customers c ON c.id = b.customer_id JOIN products p ON p.id = b.product_id
  UNION ALL SELECT b.op, o.id, o.quantity, o.amount, b.name, b.nation, p.name, p.category
    FROM buf_cust b JOIN orders o ON o.customer_id = b.id JOIN products p ON p.id = o.product_id
  UNION ALL SELECT b.op, o.id, o.quantity, o.amount, c.name, c.nation, b.name, b.category
    FROM buf_prod b JOIN orders o ON o.product_id = b.id JOIN customers c ON c.id = o.customer_id;
PREPARE aggregate_delta AS
  WITH dj AS (SELECT b.op, b.quantity, b.amount, c.nation, c.segment
      FROM buf_typed b JOIN customers c ON c.id = b.customer_id
    UNION ALL SELECT b.op, o.quantity, o.amount, b.nation, b.segment
      FROM buf_cust b JOIN orders o ON o.customer_id = b.id),
  g AS (SELECT nation, segment, sum(CASE op WHEN '+' THEN 1 ELSE -1 END) AS n,
      sum(CASE op WHEN '+' THEN amount ELSE -amount END) AS s,
      sum(CASE op WHEN '+' THEN quantity ELSE -quantity END) AS q FROM dj GROUP BY nation, segment)
  SELECT g.nation, g.segment, m.order_count + g.n AS order_count, m.revenue + g.s AS revenue,
      (m.avg_quantity * m.order_count + g.q) / nullif(m.order_count + g.n, 0) AS avg_quantity
    FROM g LEFT JOIN mv_agg m ON m.nation = g.nation AND m.segment = g.segment;
\o
\timing on
\echo '== the join''s delta computed in PostgreSQL (3x): changed orders, orders of changed customers, of changed products'
BEGIN;
CREATE TEMP TABLE dj ON COMMIT DROP AS EXECUTE join_delta;
ROLLBACK;
BEGIN;
CREATE TEMP TABLE dj ON COMMIT DROP AS EXECUTE join_delta;
ROLLBACK;
BEGIN;
CREATE TEMP TABLE dj ON COMMIT DROP AS EXECUTE join_delta;
SELECT count(*) AS join_delta_rows FROM dj;
ROLLBACK;
\echo '== the aggregate''s delta computed in PostgreSQL (3x): its join''s delta grouped, merged with the 125 groups'' counts and sums'
BEGIN;
CREATE TEMP TABLE da ON COMMIT DROP AS EXECUTE aggregate_delta;
ROLLBACK;
BEGIN;
CREATE TEMP TABLE da ON COMMIT DROP AS EXECUTE aggregate_delta;
ROLLBACK;
BEGIN;
CREATE TEMP TABLE da ON COMMIT DROP AS EXECUTE aggregate_delta;
SELECT count(*) AS aggregate_delta_groups FROM da;
ROLLBACK;
