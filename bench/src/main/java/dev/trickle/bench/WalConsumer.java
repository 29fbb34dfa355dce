package dev.trickle.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * A plain pgoutput consumer of the capture matrix's publication: a logical slot made for one measurement, read
 * through pgjdbc's replication stream while the writers run, so that the WAL cell pays what logical decoding costs
 * the server (the walsender decoding every record, next to the writers). It only reads and confirms: the source
 * connector's WAL capture (dev.trickle.source.WalCapture) reads the same stream and then writes the decoded rows
 * into the change buffers, a server cost this consumer leaves out on purpose (the matrix measures what any WAL
 * reader costs the writers' server).
 */
final class WalConsumer implements AutoCloseable {
    private static final String SLOT = "trickle_bench_capture";
    private static final Duration PATIENCE = Duration.ofSeconds(120);

    private final String url;
    private final Properties credentials;
    private final Connection replication;
    private final PGReplicationStream stream;
    private final Thread reader;
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private volatile boolean stopping;
    private volatile String seenMarker = "";
    private volatile Exception failure;

    private WalConsumer(String url, Properties credentials, LogSequenceNumber start) throws SQLException {
        this.url = url;
        this.credentials = credentials;
        Properties props = new Properties();
        props.putAll(credentials);
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        replication = DriverManager.getConnection(url, props);
        stream = replication.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                .withSlotName(SLOT).withStartPosition(start)
                .withSlotOption("proto_version", "1")
                .withSlotOption("publication_names", CaptureTables.PUBLICATION)
                .withSlotOption("messages", "true")
                .withStatusInterval(1, java.util.concurrent.TimeUnit.SECONDS)
                .start();
        reader = new Thread(this::read, "wal-consumer");
        reader.setDaemon(true);
        reader.start();
    }

    /** Makes the slot (at the current WAL position) and starts reading it. */
    static WalConsumer start(String url, Properties credentials) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, credentials);
             PreparedStatement p = c.prepareStatement("SELECT lsn FROM pg_create_logical_replication_slot(?, 'pgoutput')")) {
            p.setString(1, SLOT);
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return new WalConsumer(url, credentials, LogSequenceNumber.valueOf(rs.getString(1)));
            }
        }
    }

    /** The walsender decoding for this consumer (its CPU is the WAL mode's cost on the server). */
    long walsenderPid(Connection c) throws SQLException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            try (PreparedStatement p = c.prepareStatement("SELECT active_pid FROM pg_replication_slots WHERE slot_name = ?")) {
                p.setString(1, SLOT);
                try (ResultSet rs = p.executeQuery()) {
                    if (rs.next() && rs.getObject(1) != null) {
                        return rs.getLong(1);
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("no walsender is streaming slot " + SLOT + " after " + PATIENCE);
            }
            Thread.sleep(5);
        }
    }

    long messages() {
        return messages.get();
    }

    long bytes() {
        return bytes.get();
    }

    private void read() {
        try {
            while (!stopping) {
                ByteBuffer msg = stream.readPending();
                if (msg == null) {
                    LockSupport.parkNanos(200_000);
                    continue;
                }
                messages.incrementAndGet();
                bytes.addAndGet(msg.remaining());
                if (msg.remaining() > 0 && msg.get(msg.position()) == 'M') {
                    byte[] b = new byte[msg.remaining()];
                    msg.get(b);
                    seenMarker = new String(b, StandardCharsets.ISO_8859_1);
                }
                // confirmed as it goes, as a real consumer does: the slot retains nothing it has read
                stream.setAppliedLSN(stream.getLastReceiveLSN());
                stream.setFlushedLSN(stream.getLastReceiveLSN());
            }
        } catch (Exception e) {
            if (!stopping) {
                failure = e;
            }
        }
    }

    /**
     * Waits until the consumer has decoded everything committed so far: a transactional logical message is
     * written and must come out of the stream (outside the timed part; the next cell starts with nothing pending).
     */
    void awaitCaughtUp() throws SQLException, TimeoutException, InterruptedException {
        String marker = "caught-up " + UUID.randomUUID();
        try (Connection c = DriverManager.getConnection(url, credentials);
             PreparedStatement p = c.prepareStatement("SELECT pg_logical_emit_message(true, 'trickle-bench', ?)")) {
            p.setString(1, marker);
            p.execute();
        }
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!seenMarker.contains(marker)) {
            if (failure != null) {
                throw new IllegalStateException("the pgoutput consumer failed: " + failure, failure);
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the pgoutput consumer did not decode up to its marker within " + PATIENCE);
            }
            Thread.sleep(5);
        }
    }

    /** Stops reading and drops the slot (once its walsender has gone: a slot in use cannot be dropped). */
    @Override
    public void close() throws Exception {
        stopping = true;
        reader.join(PATIENCE.toMillis());
        try {
            stream.close();
        } finally {
            replication.close();
        }
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        try (Connection c = DriverManager.getConnection(url, credentials)) {
            while (true) {
                try (PreparedStatement p = c.prepareStatement(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
                    p.setString(1, SLOT);
                    p.execute();
                    return;
                } catch (SQLException stillActive) {
                    if (System.nanoTime() > deadline) {
                        throw stillActive;
                    }
                    Thread.sleep(20);
                }
            }
        }
    }
}
