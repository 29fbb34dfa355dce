package dev.trickle.streams.sql;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.runtime.CalciteContextException;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlWith;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;

/**
 * A stream table's defining query as relational algebra: parse → check the shape → look up the sources →
 * validate → relational algebra. The front half of compiling a query; {@code plan.QueryCompiler} turns
 * the result into operators (this package knows nothing of operators, so that {@code plan} depends on
 * {@code sql} and never the other way round).
 *
 * @param sources the source tables the query reads, in the order they appear
 * @param columns the stream table's column names, in select-list order
 * @param rel the validated query's relational plan
 */
public record RelationalQuery(List<SourceTable> sources, List<String> columns, RelNode rel) {
    private static final Pattern UNKNOWN_FUNCTION = Pattern.compile("No match found for function signature ([^(]+)\\(");
    private static final Pattern UNTYPED_OPERATOR = Pattern.compile("Cannot apply '([^']+)' to arguments of type '([^']+)'");

    public RelationalQuery {
        sources = List.copyOf(sources);
        columns = List.copyOf(columns);
    }

    /** @param searchPath schemas in order for unqualified table names (e.g. ["public"]) */
    public static RelationalQuery of(String sql, List<String> searchPath, SourceCatalog catalog)
            throws QueryCompileException, UnsupportedQueryException {
        // a trailing semicolon is how people end statements in psql; the parser wants a bare query
        InfixRewrites infix = new InfixRewrites(sql.replaceFirst("[\\s;]+$", ""));
        try {
            return compileRewritten(infix.sql(), searchPath, catalog);
        } catch (QueryCompileException e) {
            throw new QueryCompileException(infix.originalPositions(e.getMessage()), e.getCause());
        } catch (UnsupportedQueryException e) {
            throw new UnsupportedQueryException(e.construct(), infix.originalPositions(e.detail()));
        }
    }

    /** Compiles the query with its infix forms already rewritten (positions are the rewritten text's). */
    private static RelationalQuery compileRewritten(String sql, List<String> searchPath, SourceCatalog catalog)
            throws QueryCompileException, UnsupportedQueryException {
        SqlNode parsed = parse(sql);
        SqlFrontEnd frontEnd = new SqlFrontEnd(searchPath);
        frontEnd.resolveTables(QueryShape.check(parsed), catalog);
        SqlNode validated;
        try {
            validated = validate(frontEnd, parsed.accept(new PgRewrites()), sql);
        } catch (CalciteContextException e) {
            throw unsupportedOrInvalid(e);
        } catch (RuntimeException e) {
            throw new QueryCompileException("invalid query: " + e.getMessage(), e);
        }
        // validation rewrites the tree in place (stars expanded, aliases added): name the columns from a fresh parse
        SqlSelect parsedBody = body(parse(sql));
        List<String> columns = parsedBody == null
                ? frontEnd.validator().getValidatedNodeType(validated).getFieldNames()
                : PgColumnNames.of(sql, parsedBody, body(validated));
        RelNode rel;
        try {
            rel = frontEnd.toRel(validated);
        } catch (RuntimeException e) {
            throw new QueryCompileException("could not plan the query: " + e.getMessage(), e);
        }
        return new RelationalQuery(frontEnd.sources(), columns, rel);
    }

    /**
     * Validates with strict GROUP BY first; only a query that selects columns it does not group (which
     * PostgreSQL takes when they depend on a grouped primary key) is validated again, from a fresh parse
     * (validation rewrites the tree in place), with Calcite's non-strict GROUP BY.
     */
    private static SqlNode validate(SqlFrontEnd frontEnd, SqlNode rewritten, String sql) throws QueryCompileException {
        try {
            return frontEnd.validate(rewritten, true);
        } catch (CalciteContextException e) {
            if (!String.valueOf(e.getMessage()).contains("is not being grouped")) {
                throw e;
            }
            return frontEnd.validate(parse(sql).accept(new PgRewrites()), false);
        }
    }

    /**
     * Calcite rejects some calls PostgreSQL accepts (e.g. {@code date + integer}, functions it does not
     * know): those are reported as unsupported, so the stream table can still be maintained in FULL mode.
     * Unknown columns and tables stay compile errors.
     */
    private static QueryCompileException unsupportedOrInvalid(CalciteContextException e) throws UnsupportedQueryException {
        String cause = e.getCause() == null ? "" : String.valueOf(e.getCause().getMessage());
        Matcher fn = UNKNOWN_FUNCTION.matcher(cause);
        if (fn.find()) {
            throw new UnsupportedQueryException("function " + fn.group(1).toLowerCase(Locale.ROOT) + "()", e.getMessage());
        }
        Matcher op = UNTYPED_OPERATOR.matcher(cause);
        if (op.find()) {
            throw new UnsupportedQueryException("operator " + op.group(1) + " on " + op.group(2), e.getMessage());
        }
        return new QueryCompileException(e.getMessage(), e);
    }

    private static SqlNode parse(String sql) throws QueryCompileException {
        try {
            return SqlParser.create(sql, SqlFrontEnd.PARSER).parseQuery();
        } catch (SqlParseException e) {
            // the first line has the position; the rest lists every token Calcite would have accepted
            String message = e.getMessage() == null ? "syntax error" : e.getMessage().split("\n", 2)[0];
            throw new QueryCompileException("syntax error: " + message, e);
        }
    }

    /** The SELECT whose list names the stream table's columns (a set operation's leftmost); null for {@code TABLE t}. */
    private static SqlSelect body(SqlNode node) {
        if (node instanceof SqlWith with) {
            return body(with.body);
        }
        if (node instanceof SqlOrderBy orderBy) {
            return body(orderBy.query);
        }
        if (node != null && (node.getKind() == SqlKind.UNION || node.getKind() == SqlKind.INTERSECT
                || node.getKind() == SqlKind.EXCEPT)) {
            // a set operation's columns are named by its leftmost query
            return body(((SqlCall) node).operand(0));
        }
        return node instanceof SqlSelect select ? select : null;
    }
}
