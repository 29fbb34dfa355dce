package dev.trickle.streams.plan;

import dev.trickle.streams.sql.QueryCompileException;
import dev.trickle.streams.sql.RelationalQuery;
import dev.trickle.streams.sql.SourceCatalog;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.List;
import java.util.Optional;
import org.apache.calcite.plan.RelOptUtil;

/**
 * Compiles a stream table's defining query into an incremental pipeline: the query as relational
 * algebra ({@link RelationalQuery}), then its operators.
 */
public final class QueryCompiler {
    private QueryCompiler() {
    }

    /** @param searchPath schemas in order for unqualified table names (e.g. ["public"]); the TimeZone is UTC */
    public static CompiledQuery compile(String sql, List<String> searchPath, SourceCatalog catalog)
            throws QueryCompileException, UnsupportedQueryException {
        return compile(sql, searchPath, "UTC", catalog);
    }

    /**
     * @param searchPath schemas in order for unqualified table names (e.g. ["public"])
     * @param timeZone   the session TimeZone the query is evaluated under (PostgreSQL's name, e.g. America/New_York)
     */
    public static CompiledQuery compile(String sql, List<String> searchPath, String timeZone, SourceCatalog catalog)
            throws QueryCompileException, UnsupportedQueryException {
        try {
            return SessionZone.during(timeZone, () -> compileInZone(sql, searchPath, catalog));
        } catch (QueryCompileException | UnsupportedQueryException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static CompiledQuery compileInZone(String sql, List<String> searchPath, SourceCatalog catalog)
            throws QueryCompileException, UnsupportedQueryException {
        RelationalQuery query = RelationalQuery.of(sql, searchPath, catalog);
        // read before the translation: a failure to read it is the catalog's, not an unexpected plan shape
        String databaseCollation = catalog.databaseCollation();
        RelTranslator.Translation t;
        try {
            t = RelTranslator.translate(query.rel(), databaseCollation);
        } catch (RuntimeException e) {
            // a plan shape the translator did not expect: refuse the query rather than fail the caller
            throw new UnsupportedQueryException("query plan " + query.rel().getRelTypeName(), String.valueOf(e));
        }
        OperatorPipeline pipeline = new OperatorPipeline(t.node());
        List<String> columns = query.columns();
        // the stream table's columns are the plan's output, one for one
        Optional<List<Integer>> key = query.rel().getRowType().getFieldCount() == columns.size()
                ? UniqueKeys.of(query.rel()) : Optional.empty();
        String explain = "Relational plan:\n" + RelOptUtil.toString(query.rel()) + "Incremental operators:\n"
                + pipeline.describe() + "Unique key: " + key.map(k -> k.isEmpty() ? "() (at most one row)"
                        : "(" + String.join(", ", k.stream().map(columns::get).toList()) + ")")
                        .orElse("none (rows are told apart whole)") + "\n";
        return new CompiledQuery(query.sources(), columns, pipeline, explain, key);
    }
}
