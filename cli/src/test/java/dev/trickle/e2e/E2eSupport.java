package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.trickle.cli.LocalStack;
import dev.trickle.cli.TicksSeeing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;

/** What every end-to-end test needs: the shared stack, SQL helpers, and the equality oracle. */
abstract class E2eSupport {
    static final long DEADLINE_MS = 90_000;
    static LocalStack stack;

    @BeforeAll
    static void stackUp() throws Exception {
        stack = E2eStack.get();
    }

    static Connection connect() throws SQLException {
        return stack.connect();
    }

    static void exec(String... sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    /** Runs the statements as one transaction. */
    static void commitTogether(List<String> sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (String q : sql) {
                s.execute(q);
            }
            c.commit();
        }
    }

    /** Writes {@code text} to partition 0 of {@code topic} with a plain producer: a record that is not Trickle's. */
    static void produceRaw(String topic, String text) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(topic, 0, null, text.getBytes(StandardCharsets.UTF_8))).get();
        }
    }

    static String one(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static long currentTick() throws SQLException {
        return Long.parseLong(one("SELECT coalesce(max(tick_id), 0) FROM pgtrickle.pgt_ticks"));
    }

    /** Waits until the named stream tables are ACTIVE (filled). */
    static void awaitActive(String... names) throws Exception {
        for (String name : names) {
            await("stream table " + name + " to become ACTIVE", sql(() -> "ACTIVE".equals(status(name))));
        }
    }

    /**
     * Waits until every named stream table applied a tick whose snapshot was taken after this call:
     * the tick after the newest one is the first that may have started before, so wait for two.
     */
    static void awaitCaughtUp(String... names) throws Exception {
        long target = awaitTickAfterNow();
        for (String name : names) {
            await("stream table " + name + " to apply tick " + target, () -> lastTick(name) >= target);
        }
    }

    /**
     * Waits for the first tick whose snapshot sees everything committed before this call, and returns it. Not
     * {@code currentTick() + 2}: while the source task is behind it holds snapshots taken on time and numbers a tick
     * only when it hands it out, so a tick numbered after this call may carry an older snapshot ({@link TicksSeeing}).
     */
    static long awaitTickAfterNow() throws Exception {
        long xid = commitNow();
        long[] tick = {-1};
        await("a tick whose snapshot sees transaction " + xid, sql(() -> (tick[0] = firstTickSeeing(xid)) >= 0));
        return tick[0];
    }

    /** Commits a transaction of its own: its id is after everything committed before this call. */
    static long commitNow() throws SQLException {
        try (Connection c = connect()) {
            return TicksSeeing.commitNow(c);
        }
    }

    /** The first recorded tick whose snapshot sees transaction {@code xid}; -1 while there is none. */
    static long firstTickSeeing(long xid) throws SQLException {
        try (Connection c = connect()) {
            return TicksSeeing.firstTick(c, xid).orElse(-1);
        }
    }

    /** The main oracle: the stream table equals its query run by PostgreSQL (EXCEPT ALL both ways). */
    static void assertMatches(String name, String columns, String query) throws SQLException {
        String st = "SELECT " + columns + " FROM " + name;
        List<String> extra = rows("(" + st + ") EXCEPT ALL (" + query + ")");
        List<String> missing = rows("(" + query + ") EXCEPT ALL (" + st + ")");
        if (!extra.isEmpty() || !missing.isEmpty()) {
            fail("stream table " + name + " differs from its query at tick " + one(
                    "SELECT last_tick FROM pgtrickle.pgt_stream_tables WHERE format('%I.%I', pgt_schema, pgt_name) = '"
                            + name.replace("'", "''") + "'") + ":\n  rows it has too many: " + head(extra)
                    + "\n  rows it lacks: " + head(missing));
        }
        assertEquals(one("SELECT count(*) FROM (" + query + ") q"), one("SELECT count(*) FROM " + name));
    }

    static String status(String name) throws SQLException {
        return value("status", name);
    }

    static long lastTick(String name) {
        try {
            String v = value("last_tick", name);
            return v == null ? -1 : Long.parseLong(v);
        } catch (SQLException e) {
            return -1;
        }
    }

    static String value(String column, String name) throws SQLException {
        try (Connection c = connect();
             PreparedStatement ps = c.prepareStatement("SELECT " + column + "::text FROM pgtrickle.pgt_status() WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    static void await(String what, BooleanSupplier condition) throws Exception {
        await(what, condition, () -> "");
    }

    /** As above; on a timeout the failure also says what {@code observed} saw last (the values compared). */
    static void await(String what, BooleanSupplier condition, java.util.function.Supplier<String> observed) throws Exception {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        long pause = 20;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                String seen = observed.get();
                fail("timed out after " + DEADLINE_MS / 1000 + " s waiting for " + what
                        + (seen.isEmpty() ? "" : " (last seen: " + seen + ")") + "\n" + diagnostics());
            }
            Thread.sleep(pause);
            pause = Math.min(200, pause * 2);
        }
    }

    interface SqlCondition {
        boolean test() throws SQLException;
    }

    static BooleanSupplier sql(SqlCondition c) {
        return () -> {
            try {
                return c.test();
            } catch (SQLException e) {
                return false;
            }
        };
    }

    static String diagnostics() {
        StringBuilder out = new StringBuilder();
        try {
            out.append("pgt_status():\n").append(String.join("\n", rows("SELECT * FROM pgtrickle.pgt_status()")));
            out.append("\nlast tick: ").append(currentTick());
        } catch (SQLException e) {
            out.append("(catalog unreadable: ").append(e.getMessage()).append(')');
        }
        for (String log : new String[] {"connect.log", "streams.log"}) {
            out.append("\n--- tail of ").append(log).append(" ---\n").append(tail(stack.logDir().resolve(log), 40));
        }
        return out.toString();
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    static List<String> rows(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder("(");
                for (int i = 1; i <= n; i++) {
                    row.append(i > 1 ? ", " : "").append(rs.getString(i));
                }
                out.add(row.append(')').toString());
            }
        }
        return out;
    }

    private static String head(List<String> rows) {
        return rows.size() + " " + rows.subList(0, Math.min(10, rows.size()));
    }
}
