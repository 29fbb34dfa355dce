package dev.trickle.source;

import dev.trickle.core.pg.Sql;
import java.util.List;

/**
 * One captured source table as a tick sees it. {@code schema}/{@code name} are the names at capture
 * time (they fix the topic); {@code relation} is the table's quoted name now (it follows renames), or
 * null when the table has been dropped.
 *
 * @param keyColumns primary key columns, empty when the table has none (then the whole row is the key)
 */
record CapturedSource(long relid, String schema, String name, String bufferTable, List<String> keyColumns,
                      String relation) {

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
