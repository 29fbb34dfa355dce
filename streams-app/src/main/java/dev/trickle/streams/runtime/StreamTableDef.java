package dev.trickle.streams.runtime;

import java.util.List;

/**
 * A stream table as the catalog describes it; {@code sources} are schema/name pairs. {@code readyTick}
 * is the tick the engine recorded when it began running the stream table (null before). {@code planGeneration}
 * counts the changes of its query or mode (alter_stream_table): task state of another generation is dropped.
 * {@code timeZone}: the session TimeZone recorded at create (or at an alter of its query), under which its
 * timestamptz values are computed.
 */
public record StreamTableDef(long id, String schema, String name, String query, List<String> searchPath,
                             String refreshMode, String status, boolean engineReady, List<SourceName> sources,
                             Long readyTick, long planGeneration, String timeZone) {

    public StreamTableDef(long id, String schema, String name, String query, List<String> searchPath,
                          String refreshMode, String status, boolean engineReady, List<SourceName> sources,
                          Long readyTick) {
        this(id, schema, name, query, searchPath, refreshMode, status, engineReady, sources, readyTick, 0, "UTC");
    }

    public StreamTableDef(long id, String schema, String name, String query, List<String> searchPath,
                          String refreshMode, String status, boolean engineReady, List<SourceName> sources) {
        this(id, schema, name, query, searchPath, refreshMode, status, engineReady, sources, null);
    }

    /** A source; {@code upstreamId} is set when it is another stream table (then its delta topic is read). */
    public record SourceName(String schema, String name, Long upstreamId) {
        public SourceName(String schema, String name) {
            this(schema, name, null);
        }

        public String qualified() {
            return schema + "." + name;
        }
    }

    public String displayName() {
        return dev.trickle.core.pg.Sql.qualified(schema, name);
    }

    /** The upstream stream table read as source {@code schema.name}, or null when it is a base table. */
    public Long upstreamOf(String schema, String name) {
        return sources.stream().filter(s -> s.schema().equals(schema) && s.name().equals(name))
                .map(SourceName::upstreamId).filter(java.util.Objects::nonNull).findFirst().orElse(null);
    }

    public boolean readsStreamTables() {
        return sources.stream().anyMatch(s -> s.upstreamId() != null);
    }
}
