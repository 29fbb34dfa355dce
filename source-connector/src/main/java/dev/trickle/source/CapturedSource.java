package dev.trickle.source;

import dev.trickle.core.pg.Sql;
import java.util.List;

/**
 * One source table as a tick sees it. {@code schema}/{@code name} are the names at capture time (they
 * fix the topic); {@code relation} is the table's quoted name now (it follows renames), or null when the
 * table has been dropped.
 *
 * <p>An upstream stream table read by other stream tables is a source too ({@code streamTable} is its
 * id): it has no change buffer (its changes are its delta topic), but its topic carries the fills of
 * its dependents and an end marker per tick like any other.
 *
 * @param keyColumns primary key columns, empty when the table has none (then the whole row is the key)
 */
record CapturedSource(long relid, String schema, String name, String bufferTable, List<String> keyColumns,
                      String relation, Long streamTable) {

    CapturedSource(long relid, String schema, String name, String bufferTable, List<String> keyColumns,
                   String relation) {
        this(relid, schema, name, bufferTable, keyColumns, relation, null);
    }

    /** The storage table of an upstream stream table: no capture, no buffer. */
    boolean upstream() {
        return streamTable != null;
    }

    boolean dropped() {
        return relation == null;
    }

    /** The change buffer, quoted. */
    String buffer() {
        return Sql.qualified("pgtrickle_changes", bufferTable);
    }

    /** For messages: schema.name as the user wrote it at capture time. */
    String displayName() {
        return schema + "." + name;
    }
}
