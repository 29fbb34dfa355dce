package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.cli.testing.NoopSourceConnector;
import dev.trickle.cli.testing.PrintingMain;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stack's orchestration with stand-ins for the Trickle connectors and streams app (a no-op source
 * connector and a main that prints its properties), so that it does not depend on those modules.
 */
class LocalStackTest {
    @TempDir
    Path dir;

    private Path configDir() throws IOException {
        Path config = Files.createDirectories(dir.resolve("config"));
        for (String[] c : new String[][] {{"source-connector.json", "test-source"}, {"sink-connector.json", "test-sink"}}) {
            Files.writeString(config.resolve(c[0]), "{\"name\": \"" + c[1] + "\", \"config\": {"
                    + "\"connector.class\": \"" + NoopSourceConnector.class.getName() + "\", \"tasks.max\": \"1\","
                    + "\"pg.url\": \"${pg.url}\", \"pg.password\": \"${pg.password}\", \"topic.prefix\": \"${topic.prefix}\"}}");
        }
        // the real template: every placeholder it has must be known
        Files.copy(Path.of("../config/streams-app.properties"), config.resolve("streams-app.properties"));
        return config;
    }

    private static String awaitLog(Path log, String text) throws Exception {
        return Deadline.in(Duration.ofSeconds(60)).await("'" + text + "' in " + log, () -> {
            try {
                String content = Files.exists(log) ? Files.readString(log) : "";
                return content.contains(text) ? content : null;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void startsEverythingSurvivesKillsAndStopsCleanly() throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        Path workDir = dir.resolve("work");
        LocalStack stack = LocalStack.builder()
                .workDir(workDir)
                .configDir(configDir())
                .streamsMainClass(PrintingMain.class.getName())
                .progress(new PrintStream(progress, true, StandardCharsets.UTF_8))
                .start();
        int pgPort;
        try {
            System.out.print(progress.toString(StandardCharsets.UTF_8));
            String ready = stack.readyLine();
            assertTrue(ready.matches("ready pg=postgresql://postgres@127\\.0\\.0\\.1:\\d+/trickle\\?passfile=\\S+/pgpass "
                    + "kafka=127\\.0\\.0\\.1:\\d+ connect=http://127\\.0\\.0\\.1:\\d+"), ready);
            assertFalse(ready.contains(stack.pgPassword()), ready);
            if (Psql.available()) {
                assertEquals("trickle", Psql.run(stack.pgUrl(), "SELECT current_database()").strip());
            }
            String stored = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(stack.connectUrl() + "/connectors/test-source/config"))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(stored.contains("\"pg.password\":\"${file:"), "a reference, resolved by the worker: " + stored);
            assertFalse(stored.contains(stack.pgPassword()), "Connect's REST API shows no password: " + stored);
            for (Path secret : new Path[] {workDir.resolve("pg-password"), workDir.resolve("pgpass"),
                    workDir.resolve("connector-secrets.properties"), stack.streamsProperties(),
                    workDir.resolve("connect/connect-worker.properties")}) {
                assertTrue(Files.exists(secret), secret.toString());
                assertFalse(PrivateFiles.isShared(secret), secret + " is readable by others");
            }
            assertTrue(progress.toString(StandardCharsets.UTF_8).contains("starting PostgreSQL... done ("));
            pgPort = stack.postgres().pgUrl().port();

            try (Connection c = stack.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM pgtrickle.pgt_status()")) {
                rs.next(); // the catalog is installed
                assertEquals(0, rs.getLong(1));
            }
            assertEquals(List.of("test-sink", "test-source"),
                    stack.connectWorker().connectors().stream().sorted().collect(Collectors.toList()));
            assertEquals(stack.jdbcUrl(), stack.sourceConnector().config().get("pg.url"));
            String props = awaitLog(stack.logDir().resolve("streams.log"), "trickle.pg.url=");
            assertTrue(props.contains("bootstrap.servers=" + stack.bootstrapServers()), props);
            assertTrue(props.contains("trickle.pg.url=" + stack.jdbcUrl()), props);
            assertTrue(props.contains("state.dir=" + workDir.toAbsolutePath().resolve("streams-state")), props);

            long t0 = System.nanoTime();
            stack.killConnect();
            stack.restartConnect();
            System.out.println("Connect killed and back with both connectors running in " + Progress.elapsed(t0));

            long streamsPid = stack.streamsApp().pid();
            stack.killStreams();
            assertFalse(ProcessHandle.of(streamsPid).map(ProcessHandle::isAlive).orElse(false));
            stack.restartStreams();
            assertTrue(stack.streamsApp().isAlive());

            t0 = System.nanoTime();
            stack.killBroker();
            stack.restartBroker();
            System.out.println("broker killed and back in " + Progress.elapsed(t0));
            stack.connectWorker().awaitRunning("test-source", Duration.ofSeconds(120));
        } finally {
            stack.close();
        }
        System.out.print(progress.toString(StandardCharsets.UTF_8));
        List<ProcessHandle> left = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .collect(Collectors.toList());
        assertTrue(left.isEmpty(), ProcessChecks.describe(left));
        assertThrows(SQLException.class, () -> DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + pgPort + "/trickle?connectTimeout=2", "postgres", "postgres").close());
        assertFalse(Files.exists(workDir.resolve("kafka/data")));
        assertFalse(Files.exists(workDir.resolve("pg-data")));
        assertTrue(Files.exists(workDir.resolve("logs/broker.log")));
        assertTrue(Files.exists(workDir.resolve("logs/connect.log")));
        assertTrue(Files.exists(workDir.resolve("logs/streams.log")));
    }

    @Test
    void runsSeveralStreamsInstancesAndConnectWorkersAndStopsThemAll() throws Exception {
        Path workDir = dir.resolve("scaled");
        LocalStack stack = LocalStack.builder()
                .workDir(workDir)
                .configDir(configDir())
                .streamsMainClass(PrintingMain.class.getName())
                .streamsInstances(2)
                .connectWorkers(2)
                .progress(null)
                .start();
        try {
            assertEquals(2, stack.streamsApps().size());
            assertEquals(2, stack.connectWorkers().size());
            for (ConnectWorker w : stack.connectWorkers()) {
                // one Connect cluster: every worker knows the connectors deployed through the first
                assertEquals(List.of("test-sink", "test-source"), w.connectors().stream().sorted().collect(Collectors.toList()));
            }
            String first = awaitLog(stack.logDir().resolve("streams.log"), "client.id=");
            String second = awaitLog(stack.logDir().resolve("streams-2.log"), "client.id=");
            assertTrue(first.contains("client.id=trickle-streams-1"), first);
            assertTrue(second.contains("client.id=trickle-streams-2"), second);
            assertTrue(second.contains("state.dir=" + workDir.toAbsolutePath().resolve("streams-state-2")), second);
            assertTrue(second.contains("application.id=trickle-streams"), second);
            // several instances: a standby replica of each task's state in another instance, in every instance's config
            assertTrue(first.contains("num.standby.replicas=1") && second.contains("num.standby.replicas=1"), first);

            ChildJvm third = stack.addStreamsInstance();
            assertTrue(awaitLog(stack.logDir().resolve("streams-3.log"), "client.id=").contains("trickle-streams-3"));
            stack.removeStreamsInstance(third);
            assertFalse(third.isAlive());
            assertEquals(2, stack.streamsApps().size());
            ConnectWorker second2 = stack.connectWorkers().get(1);
            stack.removeConnectWorker(second2);
            assertFalse(second2.isRunning());
            assertThrows(IllegalArgumentException.class, () -> stack.removeConnectWorker(stack.connectWorker()));
            stack.awaitConnectorsRunning();
        } finally {
            stack.close();
        }
        List<ProcessHandle> left = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .collect(Collectors.toList());
        assertTrue(left.isEmpty(), ProcessChecks.describe(left));
        assertFalse(Files.exists(workDir.resolve("streams-state-2")));
        assertTrue(Files.exists(workDir.resolve("logs/connect-2.log")));
    }
}
