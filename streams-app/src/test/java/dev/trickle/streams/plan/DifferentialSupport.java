package dev.trickle.streams.plan;

import dev.trickle.core.catalog.CatalogInstaller;
import dev.trickle.core.testing.EmbeddedPg;
import dev.trickle.streams.sql.PgSourceCatalog;
import dev.trickle.streams.sql.QueryCompileException;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Which of PostgreSQL's functions and operators the engine implements, found by compiling probe queries
 * ({@link SupportProbes}) through {@link QueryCompiler}: an entry is supported when PostgreSQL resolved it in a
 * query the engine compiled. The result is the catalog's list ({@code R__engine_support.sql}), by which
 * {@code create_stream_table} refuses refresh_mode DIFFERENTIAL for what the engine would refuse seconds later.
 *
 * <p>Each probe is created as a temporary view, so that PostgreSQL resolves it exactly as a stream table's
 * dependency view, and read back with the catalog's own {@code pgtrickle._query_callees}: the list and the check
 * name things alike. {@link DifferentialSupportTest} compares the shipped file with a fresh run on every build;
 * {@code main} (or the test with {@code -Dtrickle.support.write=true}) writes it.
 */
public final class DifferentialSupport {
    static final Path SHIPPED = Path.of("../core/src/main/resources/db/migration/R__engine_support.sql");
    static final String REGENERATE = "mvn -B -o -pl streams-app -am verify -Djacoco.skip=true "
            + "-Dtest=DifferentialSupportTest -Dsurefire.failIfNoSpecifiedTests=false -Dtrickle.support.write=true";

    private final Connection connection;
    private final PgSourceCatalog catalog;
    private final Set<String> supported = new TreeSet<>();
    private int compiled;
    private int tried;

    private DifferentialSupport(Connection connection) {
        this.connection = connection;
        this.catalog = new PgSourceCatalog(connection);
    }

    /** A fresh C.UTF-8 database with the catalog installed and the probe tables, autocommit off. */
    public static Connection probeDatabase(String hint) throws SQLException {
        String url = EmbeddedPg.freshDatabase(hint);
        String name = "support_" + hint + "_" + System.nanoTime() % 1_000_000;
        try (Connection admin = EmbeddedPg.connect(url); Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + name + " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'");
        }
        String dbUrl = url.replaceAll("/[^/?]+(\\?|$)", "/" + name + "$1");
        CatalogInstaller.install(dbUrl, "postgres", "postgres");
        Connection c = DriverManager.getConnection(dbUrl, "postgres", "postgres");
        try (Statement s = c.createStatement()) {
            s.execute(SupportProbes.tableDdl());
            s.execute(RandomSourceData.DDL);
        }
        c.setAutoCommit(false);
        return c;
    }

    /** The supported entries, as "kind signature" lines, sorted. */
    static Set<String> probe(Connection c) throws SQLException {
        DifferentialSupport run = new DifferentialSupport(c);
        List<SupportProbes.Probe> probes;
        try (Statement s = c.createStatement()) {
            s.execute("SET search_path = pg_catalog, public");
            probes = SupportProbes.all(c);
            s.execute("SET search_path = public");
        }
        long start = System.nanoTime();
        for (SupportProbes.Probe p : probes) {
            run.run(p);
        }
        for (String q : DifferentialQueries.ALL) {
            run.tryQuery(q, null);
        }
        c.rollback();
        System.out.printf("engine support: %d probes, %d queries tried, %d compiled, %d entries supported, %d s%n",
                probes.size(), run.tried, run.compiled, run.supported.size(), (System.nanoTime() - start) / 1_000_000_000L);
        return run.supported;
    }

    private void run(SupportProbes.Probe p) throws SQLException {
        boolean every = p.kind().equals("cast") || p.kind().equals("syntax");
        String target = every ? null : p.kind() + " " + p.signature();
        for (List<String> group : p.groups()) {
            for (String q : group) {
                Outcome o = tryQuery(q, target);
                if (o == Outcome.COMPILED && !every) {
                    return;
                }
                if (o == Outcome.UNKNOWN && q.equals(group.get(0))) {
                    break; // the engine knows no function of these argument types: literals change nothing
                }
            }
        }
    }

    enum Outcome { COMPILED, REFUSED, UNKNOWN, NOT_RESOLVED }

    /** COMPILED when PostgreSQL resolved {@code target} (if any) in {@code q} and the engine compiled it. */
    Outcome tryQuery(String q, String target) throws SQLException {
        tried++;
        List<String> callees = callees(q);
        if (callees == null || target != null && !callees.contains(target)) {
            return Outcome.NOT_RESOLVED;
        }
        try {
            QueryCompiler.compile(q, List.of("public"), catalog);
        } catch (QueryCompileException | UnsupportedQueryException | RuntimeException e) {
            if (Boolean.getBoolean("trickle.support.debug")) {
                System.out.println("DBG " + target + " | " + e.getClass().getSimpleName() + " | "
                        + String.valueOf(e.getMessage()).replace('\n', ' '));
            }
            return String.valueOf(e.getMessage()).contains("No match found for function signature")
                    ? Outcome.UNKNOWN : Outcome.REFUSED;
        } finally {
            connection.rollback();
        }
        compiled++;
        supported.addAll(callees);
        return Outcome.COMPILED;
    }

    /** What PostgreSQL resolves {@code q}'s calls to, or null when PostgreSQL refuses the query. */
    private List<String> callees(String q) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TEMP VIEW support_probe AS " + q);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(
                    "SELECT kind || ' ' || signature FROM pgtrickle._query_callees('support_probe'::regclass)")) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } catch (SQLException e) {
            return null;
        } finally {
            connection.rollback();
        }
    }

    /** The shipped file's content for {@code entries}. */
    static String render(Set<String> entries) {
        String values = entries.stream().map(e -> {
            int space = e.indexOf(' ');
            return "    ('" + e.substring(0, space) + "', '" + e.substring(space + 1).replace("'", "''") + "')";
        }).collect(Collectors.joining(",\n"));
        return """
                -- The PostgreSQL functions and operators the engine of this version implements (catalog 0.4.0.27's
                -- pgt_engine_support): refresh_mode => 'DIFFERENTIAL' is refused at create for a query that calls
                -- anything of pg_catalog not listed here. GENERATED by DifferentialSupport (streams-app tests), which
                -- compiles probe queries through the engine; DifferentialSupportTest fails when this file differs from
                -- what the engine compiles. Do not edit: regenerate with
                --   %s
                -- A repeatable migration: Flyway runs it again whenever its content changes (an upgrade of the engine).
                CREATE TABLE IF NOT EXISTS pgtrickle.pgt_engine_support (
                    kind      text NOT NULL CHECK (kind IN ('function', 'operator')),
                    signature text NOT NULL,
                    PRIMARY KEY (kind, signature)
                );
                REVOKE ALL ON pgtrickle.pgt_engine_support FROM PUBLIC;
                DELETE FROM pgtrickle.pgt_engine_support;
                INSERT INTO pgtrickle.pgt_engine_support (kind, signature) VALUES
                %s;
                """.formatted(REGENERATE, values);
    }

    static Set<String> parse(String shipped) {
        Set<String> out = new TreeSet<>();
        String values = shipped.substring(Math.max(0, shipped.indexOf(" VALUES\n")));
        var m = java.util.regex.Pattern.compile("\\('(function|operator)', '((?:[^']|'')*)'\\)").matcher(values);
        while (m.find()) {
            out.add(m.group(1) + " " + m.group(2).replace("''", "'"));
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        try (Connection c = probeDatabase("main")) {
            Files.writeString(SHIPPED, render(probe(c)));
        }
    }
}
