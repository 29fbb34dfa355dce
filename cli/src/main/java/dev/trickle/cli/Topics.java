package dev.trickle.cli;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trickle topics}: Trickle's topics on the broker, with the stream tables and sources each one serves. */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = {"Lists Trickle's topics on a running stack's broker (./trickle local, the compose stack, or your "
                + "own): the change topic of each captured source, the delta topic of each stream table, and the internal "
                + "topics (the streams app's gather topics and state changelogs, the Connect worker's topics), with the "
                + "stream tables and sources each one serves. A topic the catalog expects but the broker lacks shows "
                + "'-' partitions; one of a dropped stream table or source says so."})
public final class Topics implements Callable<Integer> {
    @Option(names = "--pg-url", required = true, paramLabel = "URL",
            description = "The stack's PostgreSQL, as ./trickle local prints it: postgresql://USER@HOST:PORT/DB")
    String url;

    @Option(names = "--pg-user", paramLabel = "USER", description = "PostgreSQL user (overrides the URL's)")
    String user;

    @Option(names = "--pg-password", paramLabel = "PASSWORD", description = "PostgreSQL password (overrides the URL's)")
    String password;

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT",
            description = "The Kafka broker, as ./trickle local prints it (kafka=...)")
    String bootstrap;

    @Option(names = "--prefix", defaultValue = "trickle",
            description = "The topic prefix (topic.prefix in config/; default: ${DEFAULT-VALUE})")
    String prefix;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "15",
            description = "How long to wait for the broker (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PgUrl pg;
        try {
            pg = PgUrl.parse(url, user, password);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!prefix.matches("[A-Za-z0-9._-]+")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--prefix must be a Kafka topic name part (letters, digits, '.', '_', '-'), not '" + prefix + "'");
        }
        List<TopicMap.StreamTable> streamTables = new ArrayList<>();
        List<TopicMap.Source> sources = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password())) {
            readCatalog(c, streamTables, sources);
        }
        Map<String, Integer> topics = brokerTopics();
        PrintWriter out = spec.commandLine().getOut();
        TopicMap.format(TopicMap.build(prefix, streamTables, sources, topics)).forEach(out::println);
        out.flush();
        return 0;
    }

    /** Stream tables with what they read (sources and upstream stream tables), sources with their readers. */
    static void readCatalog(Connection c, List<TopicMap.StreamTable> streamTables, List<TopicMap.Source> sources)
            throws SQLException {
        try (Statement s = c.createStatement()) {
            if (!s.executeQuery("SELECT 1 FROM pg_namespace WHERE nspname = 'pgtrickle'").next()) {
                throw new IllegalStateException("no Trickle catalog (schema pgtrickle) in this database: is it the stack's "
                        + "PostgreSQL? (install it with: trickle install --pg-url ...)");
            }
            // names as SQL shows them (quote_ident); a stream table reads captured sources and upstream stream tables
            try (ResultSet rs = s.executeQuery("""
                    SELECT st.pgt_id, quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name), st.pgt_schema, st.pgt_name,
                           coalesce((SELECT array_agg(n ORDER BY n) FROM (
                                SELECT coalesce(quote_ident(up.pgt_schema) || '.' || quote_ident(up.pgt_name),
                                                quote_ident(src.source_schema) || '.' || quote_ident(src.source_name)) AS n
                                  FROM pgtrickle.pgt_dependencies d
                                  LEFT JOIN pgtrickle.pgt_stream_tables up ON up.pgt_id = d.upstream_id
                                  LEFT JOIN pgtrickle.pgt_sources src
                                         ON src.source_relid = d.source_relid AND d.upstream_id IS NULL
                                 WHERE d.pgt_id = st.pgt_id) deps WHERE n IS NOT NULL), '{}')
                      FROM pgtrickle.pgt_stream_tables st ORDER BY st.pgt_schema, st.pgt_name""")) {
                while (rs.next()) {
                    streamTables.add(new TopicMap.StreamTable(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            List.of((String[]) rs.getArray(5).getArray())));
                }
            }
            try (ResultSet rs = s.executeQuery("""
                    SELECT quote_ident(src.source_schema) || '.' || quote_ident(src.source_name), src.source_schema,
                           src.source_name,
                           coalesce((SELECT array_agg(quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name)
                                                      ORDER BY st.pgt_schema, st.pgt_name)
                                       FROM pgtrickle.pgt_dependencies d
                                       JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id
                                      WHERE d.source_relid = src.source_relid AND d.upstream_id IS NULL), '{}')
                      FROM pgtrickle.pgt_sources src ORDER BY src.source_schema, src.source_name""")) {
                while (rs.next()) {
                    sources.add(new TopicMap.Source(rs.getString(1), rs.getString(2), rs.getString(3),
                            List.of((String[]) rs.getArray(4).getArray())));
                }
            }
        }
    }

    private Map<String, Integer> brokerTopics() throws InterruptedException {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeoutSeconds * 1000));
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.min(timeoutSeconds, 5) * 1000));
        try (Admin admin = Admin.create(p)) {
            List<String> names = new ArrayList<>(admin.listTopics(new ListTopicsOptions().listInternal(false)).names()
                    .get(timeoutSeconds, TimeUnit.SECONDS));
            Map<String, Integer> topics = new TreeMap<>();
            Map<String, TopicDescription> described = names.isEmpty() ? new LinkedHashMap<>()
                    : admin.describeTopics(names).allTopicNames().get(timeoutSeconds, TimeUnit.SECONDS);
            described.forEach((name, d) -> topics.put(name, d.partitions().size()));
            return topics;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not list the topics of the Kafka broker at " + bootstrap + " ("
                    + Main.message(e.getCause() != null ? e.getCause() : e) + "): is the stack running, and is --bootstrap "
                    + "its kafka= address?", e);
        }
    }
}
