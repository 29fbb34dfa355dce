package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded PostgreSQL killed like a crash and started again on the same data and port. */
class PostgresTest {
    @TempDir
    Path dir;

    @Test
    void killedServerComesBackOnTheSamePortWithCommittedAndPreparedTransactions() throws Exception {
        Postgres pg = Postgres.startEmbedded(dir.resolve("pg-data"), dir.resolve("postgres.log"), true);
        try {
            int port = pg.pgUrl().port();
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (id int PRIMARY KEY)");
                s.execute("INSERT INTO t VALUES (1)");
                c.setAutoCommit(false);
                s.execute("INSERT INTO t VALUES (2)");
                s.execute("PREPARE TRANSACTION 'survives'");
                c.setAutoCommit(true);
            }
            Connection open = pg.connect();
            open.setAutoCommit(false);
            try (Statement s = open.createStatement()) {
                s.execute("INSERT INTO t VALUES (3)"); // open at the crash: lost
            }
            assertTrue(pg.isRunning());

            pg.kill();
            assertFalse(pg.isRunning());
            assertThrows(SQLException.class, open::commit);
            open.close();
            assertThrows(SQLException.class, () -> DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + port + "/trickle?connectTimeout=2", "postgres", "postgres").close());
            assertTrue(Files.readString(dir.resolve("postgres.log")).contains("PostgreSQL killed"));

            long t0 = System.nanoTime();
            pg.restart(Duration.ofSeconds(60));
            System.out.println("PostgreSQL killed and back in " + Progress.elapsed(t0));
            assertTrue(pg.isRunning());
            assertEquals(port, pg.pgUrl().port());
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                assertEquals("1", one(s, "SELECT string_agg(id::text, ',') FROM t"));
                assertEquals("survives", one(s, "SELECT gid FROM pg_prepared_xacts"));
                s.execute("COMMIT PREPARED 'survives'");
                assertEquals("1,2", one(s, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"));
            }
            // a restart of a running server stops it first
            pg.restart(Duration.ofSeconds(60));
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                assertEquals("2", one(s, "SELECT count(*) FROM t"));
            }
        } finally {
            pg.close();
        }
        assertFalse(pg.isRunning());
        assertFalse(Files.exists(dir.resolve("pg-data")), "data of a clean-at-close server removed");
    }

    @Test
    void embeddedServerAsksEveryClientForTheGeneratedPassword() throws Exception {
        Path data = dir.resolve("pg-data");
        String password;
        int port;
        try (Postgres pg = Postgres.startEmbedded(data, dir.resolve("postgres.log"), false)) { // data kept at close
            port = pg.pgUrl().port();
            password = pg.password();
            assertTrue(password.length() >= 20, "a generated password, not a well-known one");
            for (Path file : new Path[] {dir.resolve("pg-password"), dir.resolve("pgpass")}) {
                assertFalse(PrivateFiles.isShared(file), file + " is readable by others");
                assertTrue(Files.readString(file).contains(password), file.toString());
            }
            for (String wrong : new String[] {"postgres", "", password + "x"}) {
                SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + port + "/trickle", "postgres", wrong).close());
                assertTrue("28P01".equals(e.getSQLState()) || "08004".equals(e.getSQLState()), e.getSQLState() + " " + e);
            }
            String url = pg.url();
            assertEquals("postgresql://postgres@127.0.0.1:" + port + "/trickle?passfile=" + dir.resolve("pgpass"), url);
            assertFalse(url.contains(password));
            assertEquals(password, PgUrl.parse(url, null, null).password(), "--pg-url takes the URL as printed");
            if (Psql.available()) {
                assertEquals("1", Psql.run(url, "SELECT 1").strip(), "psql connects with the URL as printed");
                String withoutPassfile = url.substring(0, url.indexOf('?'));
                assertTrue(Psql.fails(withoutPassfile), "psql without the password file must be refused");
            }
        }
        // kept data: started again, the server takes the password it was created with
        try (Postgres pg = Postgres.startEmbedded(data, dir.resolve("postgres.log"), false)) {
            assertEquals(password, pg.password());
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                assertEquals("1", one(s, "SELECT 1"));
            }
        }
    }

    private static String one(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
