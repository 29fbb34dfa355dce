package dev.trickle.sink;

import dev.trickle.core.pg.Sql;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The statements that change a stream table from the delta in its session's temporary table. Every name in
 * them is quoted (they come from the catalog) and functions are qualified with pg_catalog so that look-alikes
 * in a user schema cannot stand in.
 */
final class DeltaSql {
    private DeltaSql() {
    }

    /**
     * The temporary table and its three extra columns, named so that no stream table column can clash: the row's
     * ordinal, its weight, and for an update line of a keyed delta ({@link KeyedDelta}) the old row as a record
     * literal (text, cast to the storage table's row type where it is compared: a column of that row type would
     * make the storage table's DDL depend on the sink's session).
     */
    record Target(String table, List<String> columns, String rowCol, String weightCol, String oldCol) {

        static Target of(StreamTableShape st) {
            return new Target("pg_temp." + Sql.ident(tableName(st)), st.columns(), unusedName(st, "__pgt_row"),
                    unusedName(st, "__pgt_weight"), unusedName(st, "__pgt_old"));
        }

        /** The temporary table's name without its schema (CREATE TEMP TABLE takes no schema). */
        static String tableName(StreamTableShape st) {
            return "__pgt_delta_" + st.relid();
        }

        /** The stream table's columns followed by ", " (empty for a stream table without columns). */
        String columnsSql() {
            return columns.isEmpty() ? "" : String.join(", ", columns) + ", ";
        }

        private static String unusedName(StreamTableShape st, String base) {
            String name = base;
            while (st.columns().contains(Sql.ident(name))) {
                name = name + "_";
            }
            return Sql.ident(name);
        }
    }

    /**
     * One statement for a delta on top of the current content: deletes |w| copies of each row with weight
     * w &lt; 0 and inserts w copies of each row with w &gt; 0, and returns how many rows it deleted and inserted
     * (one round trip; the caller compares the deletes with the sum of |w|: fewer means the stream table
     * diverged from its query). Both see the content before the statement, so an insert is never deleted again.
     */
    static String change(StreamTableShape st, Target t) {
        return "WITH " + victims(st, t)
                + ", del AS (DELETE FROM " + st.storage() + " t USING victims v"
                + " WHERE t.tableoid = v.toid AND t.ctid = v.tid RETURNING 1)"
                + ", ins AS (" + insert(st, t) + " RETURNING 1)"
                + " SELECT (SELECT count(*) FROM del), (SELECT count(*) FROM ins)";
    }

    /**
     * CTEs ending in {@code victims (toid, tid)}: the rows that |w| copies of each row with weight w &lt; 0 name.
     * The delta rows are distinct, so the copies each one takes are disjoint.
     *
     * <p>With the whole-row hash index, each delta row's hash is computed once, the rows are sorted by it (the
     * index is then walked in order, not at random), and a LATERAL subquery takes at most |w| matching rows
     * from the index (the equality check only guards against hash collisions). No sort or window over the
     * matches is needed, as with row_number(), and a stream table holding many copies of a row gives up
     * exactly |w| of them. tableoid with ctid names a row also in a partitioned table.
     *
     * <p>Without the index (a column type without a hash function), rows are matched by record image
     * equality, which works for every type; row_number() picks |w| of several identical rows.
     */
    private static String victims(StreamTableShape st, Target t) {
        String row = "ROW(" + st.columns().stream().map(c -> "d." + c).collect(Collectors.joining(", ")) + ")::"
                + st.storage();
        if (!st.hashed()) {
            return "victims AS (SELECT m.toid, m.tid FROM ("
                    + " SELECT t.tableoid AS toid, t.ctid AS tid,"
                    + " pg_catalog.row_number() OVER (PARTITION BY d." + t.rowCol() + " ORDER BY t.ctid) AS rn,"
                    + " -d." + t.weightCol() + " AS n"
                    + " FROM " + st.storage() + " t JOIN " + t.table() + " d ON t.* *= " + row
                    + " WHERE d." + t.weightCol() + " < 0) m WHERE m.rn <= m.n)";
        }
        return "gone AS MATERIALIZED ("
                + " SELECT r.r, pg_catalog.hash_record_extended(r.r, 0) AS h, r.n"
                + " FROM (SELECT " + row + " AS r, -d." + t.weightCol() + " AS n FROM " + t.table() + " d"
                + " WHERE d." + t.weightCol() + " < 0) r ORDER BY 2),"
                + " victims AS (SELECT m.toid, m.tid FROM gone g CROSS JOIN LATERAL ("
                + " SELECT t.tableoid AS toid, t.ctid AS tid FROM " + st.storage() + " t"
                + " WHERE pg_catalog.hash_record_extended(t.*, 0) = g.h AND t.* IS NOT DISTINCT FROM g.r"
                + " LIMIT g.n) m)";
    }

    /**
     * Deletes, by the stream table's key, the row each delta row with weight &lt; 0 names, and returns how many
     * it deleted; a stored row goes only when its whole value is the delta row's (IS NOT DISTINCT FROM), so that
     * a row that differs, like a missing one, shows as a delete short (divergence). A stored row matches at most
     * one delta row (the delta's rows are distinct), and a delta row at most one stored row (the key is unique).
     *
     * <p>One DELETE joins the stream table to the delta directly, with no second pass over the rows it found (a
     * LATERAL subquery naming them by ctid, then a self-join by ctid, took three to four times as long). The
     * caller makes the join a nested loop over the key's unique index ({@link #nestedLoopOnly}): the planner
     * cannot estimate the temporary table, and from a few thousand rows on it takes a merge join that reads the
     * whole index. A NULL in a key column matches a stored NULL (the key is NULLS NOT DISTINCT); {@code =} would
     * not, and IS NOT DISTINCT FROM cannot use the index, so each pattern of NULL key columns in the delta (bit i
     * set: key column i is NULL) gets its own DELETE with IS NULL there, which the index serves too; the rows
     * they delete are disjoint.
     */
    static String deleteByKey(StreamTableShape st, Target t, Collection<Long> nullPatterns) {
        List<String> keys = st.key().stream().map(i -> st.columns().get(i)).toList();
        String row = "ROW(" + st.columns().stream().map(c -> "d." + c).collect(Collectors.joining(", ")) + ")::"
                + st.storage();
        List<Long> patterns = nullPatterns.stream().sorted().toList();
        List<String> ctes = new ArrayList<>();
        List<String> counts = new ArrayList<>();
        for (int i = 0; i < patterns.size(); i++) {
            ctes.add("del" + i + " AS (DELETE FROM " + st.storage() + " t USING " + t.table() + " d WHERE d."
                    + t.weightCol() + " < 0 AND " + keyMatch(keys, patterns.get(i)) + " AND t.* IS NOT DISTINCT FROM "
                    + row + " RETURNING 1)");
            counts.add("(SELECT count(*) FROM del" + i + ")");
        }
        return "WITH " + String.join(", ", ctes) + " SELECT " + String.join(" + ", counts);
    }

    /**
     * Applies the update lines of a keyed delta ({@link KeyedDelta}) and returns how many rows it changed: the stored
     * row with the line's key is set to the line's values where it equals the old row whole (IS NOT DISTINCT FROM,
     * as {@link #deleteByKey} checks), so that a row that differs, like a missing one, shows as a delete short. The
     * key columns are not set (they are the same), so PostgreSQL may update the row in its page (HOT) without a new
     * index entry. Run under {@link #nestedLoopOnly}, as the DELETE is; update lines have no NULL in their key.
     */
    static String updateByKey(StreamTableShape st, Target t) {
        List<String> keys = st.key().stream().map(i -> st.columns().get(i)).toList();
        String set = st.columns().stream().filter(c -> !keys.contains(c)).map(c -> c + " = d." + c)
                .collect(Collectors.joining(", "));
        return "WITH upd AS (UPDATE " + st.storage() + " t SET " + set + " FROM " + t.table() + " d WHERE d."
                + t.oldCol() + " IS NOT NULL AND " + keyMatch(keys, 0) + " AND t.* IS NOT DISTINCT FROM d." + t.oldCol()
                + "::" + st.storage() + " RETURNING 1) SELECT count(*) FROM upd";
    }

    /**
     * The statements around one that must join by nested loops ({@link #deleteByKey}): SET LOCAL, so that a
     * failure rolls them back with the transaction, and back to the defaults (the server's, database's or role's
     * setting) right after, so that nothing else this transaction runs (a verification's query) is planned so.
     */
    static String nestedLoopOnly(String statement) {
        return "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; " + statement
                + "; SET LOCAL enable_hashjoin TO DEFAULT; SET LOCAL enable_mergejoin TO DEFAULT";
    }

    /**
     * The stored row's key equals the delta row's, with both NULL where the pattern has the delta's NULLs (a delta
     * row NULL in other key columns matches nothing here: it belongs to another pattern's DELETE).
     */
    private static String keyMatch(List<String> keys, long nullPattern) {
        List<String> terms = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i);
            terms.add((nullPattern & (1L << i)) != 0 ? "t." + k + " IS NULL AND d." + k + " IS NULL"
                    : "t." + k + " = d." + k);
        }
        return String.join(" AND ", terms);
    }

    /** Inserts w copies of each row with weight w &gt; 0 (one copy without generate_series, the usual case). */
    static String insert(StreamTableShape st, Target t) {
        return insert(st, t, true);
    }

    /**
     * As {@link #insert(StreamTableShape, Target)}; without {@code copies} (no weight above 1 in the delta, as the
     * caller knows) only the usual case's SELECT, with nothing more to plan and scan.
     */
    static String insert(StreamTableShape st, Target t, boolean copies) {
        String target = st.columns().isEmpty() ? "" : " (" + String.join(", ", st.columns()) + ")";
        String values = st.columns().stream().map(c -> "d." + c).collect(Collectors.joining(", "));
        String once = "INSERT INTO " + st.storage() + target + " SELECT " + values + " FROM " + t.table() + " d"
                + " WHERE d." + t.weightCol() + " = 1";
        return !copies ? once : once + " UNION ALL SELECT " + values + " FROM " + t.table() + " d"
                + " CROSS JOIN LATERAL pg_catalog.generate_series(1, d." + t.weightCol() + ") WHERE d."
                + t.weightCol() + " > 1";
    }
}
