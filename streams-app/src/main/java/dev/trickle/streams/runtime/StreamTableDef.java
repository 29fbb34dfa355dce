package dev.trickle.streams.runtime;

import java.util.List;

/** A stream table as the catalog describes it; {@code sources} are schema/name pairs. */
public record StreamTableDef(long id, String schema, String name, String query, List<String> searchPath,
                             String refreshMode, String status, boolean engineReady, List<SourceName> sources) {

    public record SourceName(String schema, String name) {
        public String qualified() {
            return schema + "." + name;
        }
    }

    public String displayName() {
        return dev.trickle.core.pg.Sql.qualified(schema, name);
    }
}
