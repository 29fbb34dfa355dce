package dev.trickle.source;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The last read step of a tick: fails it (it is then taken again from a new snapshot) when a table it read was
 * rewritten after its snapshot was taken. PostgreSQL's table-rewriting DDL (ALTER COLUMN TYPE, SET LOGGED/UNLOGGED,
 * TRUNCATE) is not MVCC-safe (VACUUM FULL and CLUSTER keep the rows' visibility, so they are safe, and taking a tick
 * again after one of them is merely needless): a transaction whose snapshot predates the rewrite, reading the table
 * once the rewrite committed, finds it empty. A change buffer is rewritten with its source (the catalog casts
 * its column when the source's type changes), so a tick whose snapshot was taken just before an ALTER COLUMN
 * TYPE and that read the buffer just after would silently read none of its rows, and the next tick, reading
 * by the newer snapshot, would skip them as already read: they would be lost. A fill reading the source table
 * itself would find it empty the same way.
 *
 * <p>Such a rewrite shows as a difference between the table's file node in the snapshot's {@code pg_class} (an
 * SQL read sees the snapshot) and the one the server uses now ({@code pg_relation_filenode} looks in the
 * catalog cache, which is always current). Checking after every read is enough: each read holds its lock on
 * the table until the tick's transaction ends, so no rewrite can happen after it.
 */
final class RewriteCheck implements TickSteps.Step {
    private static final String SQL = "SELECT c.oid::pg_catalog.regclass::text FROM pg_catalog.pg_class c"
            + " WHERE (c.oid = ANY (?::oid[]) OR c.oid IN (SELECT pg_catalog.to_regclass(n) FROM pg_catalog.unnest(?::text[]) n))"
            + " AND c.relfilenode <> pg_catalog.pg_relation_filenode(c.oid)";

    private final Connection connection;
    private final long tick;
    private final List<Long> tables;
    private final List<String> buffers;

    /**
     * @param tables  tables read by oid (sources of fills and FULL refreshes)
     * @param buffers change buffers read, quoted and qualified
     */
    RewriteCheck(Connection connection, long tick, Collection<Long> tables, Collection<String> buffers) {
        this.connection = connection;
        this.tick = tick;
        this.tables = List.copyOf(tables);
        this.buffers = List.copyOf(buffers);
    }

    boolean empty() {
        return tables.isEmpty() && buffers.isEmpty();
    }

    @Override
    public boolean emit(List<SourceRecord> out, int room) throws SQLException {
        List<String> rewritten = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(SQL)) {
            Array oids = connection.createArrayOf("int8", tables.toArray());
            Array names = connection.createArrayOf("text", buffers.toArray());
            ps.setArray(1, oids);
            ps.setArray(2, names);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rewritten.add(rs.getString(1));
                }
            }
        }
        if (!rewritten.isEmpty()) {
            throw new FullRefresh.TickRestart("Tick " + tick + " is taken again: " + String.join(", ", rewritten)
                    + " was rewritten (ALTER COLUMN ... TYPE, SET LOGGED/UNLOGGED, TRUNCATE, VACUUM FULL or CLUSTER) while the tick was read,"
                    + " and a snapshot older than a rewrite cannot see the rewritten rows", null);
        }
        return true;
    }
}
