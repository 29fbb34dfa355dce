package dev.trickle.streams.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.trickle.core.testing.EmbeddedPg;
import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.rows.ZSet;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Collations on a real PostgreSQL: the catalog reports the database's and each column's, and a query that
 * orders text under a collation other than code point order is refused, while the same query with
 * {@code COLLATE "C"} gives PostgreSQL's rows. The embedded server's databases use C.UTF-8 and it has no
 * other libc locale, so the non-C collation is a column's (ICU if the build has it).
 */
class PgCollationTest {
    private static final List<String> WORDS = List.of("a", "B", "z", "Zed", "é", "É", "m", "ab", "Ünï");

    private static String url;
    private static Connection connection;
    /** A collation that does not order by code point, or null when this PostgreSQL has none. */
    private static String other;

    @BeforeAll
    static void schema() throws Exception {
        url = EmbeddedPg.freshDatabase("collations");
        connection = EmbeddedPg.connect(url);
        other = firstNonCodePointCollation();
        try (Statement s = connection.createStatement()) {
            String otherColumn = other == null ? "" : ", other text COLLATE " + quote(other);
            s.execute("CREATE TABLE words (id int, plain text, c text COLLATE \"C\", v varchar(5) COLLATE \"POSIX\"" + otherColumn + ")");
            for (int i = 0; i < WORDS.size(); i++) {
                String w = "'" + WORDS.get(i) + "'";
                s.execute("INSERT INTO words VALUES (" + i + ", " + w + ", " + w + ", left(" + w + ", 5)" + (other == null ? "" : ", " + w) + ")");
            }
            s.execute("INSERT INTO words (id) VALUES (99)");
        }
    }

    @AfterAll
    static void close() throws Exception {
        connection.close();
    }

    /** ICU's English if present, else any other collation that is neither C nor POSIX. */
    private static String firstNonCodePointCollation() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("""
                SELECT collname FROM pg_collation
                 WHERE collencoding IN (-1, pg_char_to_encoding('UTF8')) AND collisdeterministic
                   AND collname NOT IN ('default', 'C', 'POSIX', 'ucs_basic', 'C.utf8', 'C.UTF-8', 'pg_c_utf8')
                 ORDER BY collname <> 'en-x-icu', collprovider <> 'i', collname LIMIT 1""")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static String quote(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static void assumeOtherCollation() {
        assumeTrue(other != null, "this PostgreSQL has no collation besides C and POSIX: nothing to refuse");
    }

    private static CompiledQuery compile(String sql) throws Exception {
        return QueryCompiler.compile(sql, List.of("public"), new PgSourceCatalog(connection));
    }

    @Test
    void theCatalogReportsTheDatabasesAndEachColumnsCollation() throws Exception {
        PgSourceCatalog catalog = new PgSourceCatalog(connection);
        List<SourceColumn> columns = catalog.find("public", "words").orElseThrow().columns();
        assertEquals(new SourceColumn("plain", "text"), columns.get(1));
        assertEquals(new SourceColumn("c", "text", "C"), columns.get(2));
        assertEquals(new SourceColumn("v", "character varying(5)", "POSIX"), columns.get(3));
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT datcollate FROM pg_database WHERE datname = current_database()")) {
            rs.next();
            assertEquals(rs.getString(1), catalog.databaseCollation());
        }
        if (other != null) {
            assertEquals(new SourceColumn("other", "text", other), columns.get(4));
        }
    }

    @Test
    void aNondeterministicCollationIsReportedAsSuch() throws Exception {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE COLLATION IF NOT EXISTS case_blind (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
            s.execute("CREATE TABLE blind (w text COLLATE case_blind)");
        } catch (SQLException e) {
            assumeTrue(false, "no ICU in this PostgreSQL build: " + e.getMessage());
        }
        assertEquals(List.of(new SourceColumn("w", "text", "public.case_blind", false)),
                new PgSourceCatalog(connection).find("public", "blind").orElseThrow().columns());
        UnsupportedQueryException e = assertThrows(UnsupportedQueryException.class, () -> compile("SELECT w FROM blind WHERE w = 'A'"));
        assertEquals("text comparison w = 'A' under nondeterministic collation \"public.case_blind\"", e.construct());
    }

    @Test
    void orderingUnderAnotherCollationIsRefusedBecausePostgresqlAnswersDifferently() throws Exception {
        assumeOtherCollation();
        assertNotEquals(rows("SELECT id FROM words WHERE other > 'm'"), rows("SELECT id FROM words WHERE other COLLATE \"C\" > 'm'"),
                "collation " + other + " orders like C: the refusal would not be needed");
        UnsupportedQueryException e = assertThrows(UnsupportedQueryException.class, () -> compile("SELECT id FROM words WHERE other > 'm'"));
        assertEquals("text comparison other > 'm' under collation \"" + other + "\"", e.construct());
        assertTrue(e.getMessage().contains("COLLATE \"C\""), e.getMessage());
    }

    @Test
    void withCollateCTheEngineGivesPostgresqlsRows() throws Exception {
        String sql = "SELECT id, upper(c) AS u, lower(v) AS l, c ILIKE 'é%' AS il, plain > 'm' AS gt, greatest(c, 'm') AS g,"
                + " plain BETWEEN 'a' AND 'z' AS bw FROM words WHERE c >= 'Z' OR v < 'b' OR plain COLLATE \"C\" IN ('m')";
        if (other != null) {
            sql = sql.replace(" FROM words WHERE", ", other = 'É' AS eq, other COLLATE \"C\" > 'm' AS ogt FROM words WHERE"
                    + " other COLLATE \"C\" BETWEEN 'Z' AND 'é' OR");
        }
        Map<List<String>, Long> expected = rows(sql);
        assertTrue(expected.size() > 3, "too few rows to compare: " + expected);
        assertEquals(expected, engineRows(compile(sql)));
    }

    @Test
    void aDatabaseWhoseDefaultCollationIsIcuOrdersNoTextByItsDefault() throws Exception {
        String name = "icu_default_" + System.nanoTime() % 100_000;
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE DATABASE " + name + " TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'"
                    + " LOCALE_PROVIDER icu ICU_LOCALE 'en-US'");
        } catch (SQLException e) {
            assumeTrue(false, "this PostgreSQL cannot create an ICU database: " + e.getMessage());
        }
        try (Connection icu = DriverManager.getConnection(url.replaceAll("/[^/?]+(\\?|$)", "/" + name + "$1"), "postgres", "postgres");
             Statement s = icu.createStatement()) {
            s.execute("CREATE TABLE t (name text)");
            PgSourceCatalog catalog = new PgSourceCatalog(icu);
            assertEquals("en-US (ICU)", catalog.databaseCollation());
            UnsupportedQueryException e = assertThrows(UnsupportedQueryException.class,
                    () -> QueryCompiler.compile("SELECT name FROM t WHERE name > 'm'", List.of("public"), catalog));
            assertEquals("text comparison name > 'm' under collation \"en-US (ICU)\"", e.construct());
            QueryCompiler.compile("SELECT name FROM t WHERE name COLLATE \"C\" > 'm' AND name = 'x'", List.of("public"), catalog);
        }
    }

    /** PostgreSQL's result as text, with multiplicities. */
    private static Map<List<String>, Long> rows(String sql) throws SQLException {
        Map<List<String>, Long> out = new HashMap<>();
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.add(rs.getString(i));
                }
                out.merge(row, 1L, Long::sum);
            }
        }
        return out;
    }

    /** The engine's result for every row of {@code words} inserted, as PostgreSQL's text reaches it. */
    private static Map<List<String>, Long> engineRows(CompiledQuery q) throws Exception {
        ZSet<Map<String, String>> in = new ZSet<>();
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM words")) {
            while (rs.next()) {
                Map<String, String> row = new HashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.put(rs.getMetaData().getColumnName(i), rs.getString(i));
                }
                in.add(row, 1);
            }
        }
        return q.pipeline().apply(Map.of("public.words", in)).asMap();
    }
}
