package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgUrlTest {
    @Test
    void libpqUri() {
        PgUrl u = PgUrl.parse("postgresql://alice:s%40cret@db.example:6543/shop?sslmode=disable", null, null);
        assertEquals("jdbc:postgresql://db.example:6543/shop?sslmode=disable", u.jdbcUrl());
        assertEquals("alice", u.user());
        assertEquals("s@cret", u.password());
        assertEquals("postgresql://alice@db.example:6543/shop", u.display());
    }

    @Test
    void jdbcUrlWithCredentialsInTheQuery() {
        PgUrl u = PgUrl.parse("jdbc:postgresql://127.0.0.1:5432/trickle?user=bob&password=pw&ssl=false", null, null);
        assertEquals("jdbc:postgresql://127.0.0.1:5432/trickle?ssl=false", u.jdbcUrl());
        assertEquals("bob", u.user());
        assertEquals("pw", u.password());
    }

    @Test
    void optionsWinOverTheUrl() {
        PgUrl u = PgUrl.parse("postgres://alice@localhost/db", "carol", "x");
        assertEquals("carol", u.user());
        assertEquals("x", u.password());
        assertEquals(5432, u.port());
    }

    @Test
    void otherSchemesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PgUrl.parse("mysql://localhost/db", null, null));
    }

    @Test
    void errorsAndToStringNeverShowThePassword() {
        IllegalArgumentException notPg = assertThrows(IllegalArgumentException.class,
                () -> PgUrl.parse("mysql://root:hunter2@localhost/db", null, null));
        assertFalse(notPg.getMessage().contains("hunter2"), notPg.getMessage());
        IllegalArgumentException malformed = assertThrows(IllegalArgumentException.class,
                () -> PgUrl.parse("postgresql://root:hunter2@local host/db", null, null));
        assertFalse(malformed.getMessage().contains("hunter2"), malformed.getMessage());
        assertTrue(malformed.getMessage().contains("percent-encode"), malformed.getMessage());
        assertFalse(PgUrl.parse("postgresql://a:hunter2@h/db", null, null).toString().contains("hunter2"));
    }

    @Test
    void passfileSuppliesThePasswordAsLibpqDoes(@TempDir Path dir) throws Exception {
        Path pgpass = dir.resolve("my pgpass");
        Files.writeString(pgpass, "# comment\nother:5432:*:alice:no\n127.0.0.1:5433:*:alice:a\\:b\n127.0.0.1:*:*:*:any\n");
        String url = new PgUrl("127.0.0.1", 5433, "shop", "alice", "", null).display(pgpass);
        assertTrue(url.endsWith("?passfile=" + dir.toAbsolutePath().toString().replace(" ", "%20") + "/my%20pgpass"), url);
        PgUrl u = PgUrl.parse(url, null, null);
        assertEquals("a:b", u.password());
        assertEquals("jdbc:postgresql://127.0.0.1:5433/shop", u.jdbcUrl(), "passfile is libpq's, not the driver's");
        assertEquals("any", PgUrl.parse(url.replace(":5433", ":6000"), null, null).password());
        assertEquals("given", PgUrl.parse(url, null, "given").password(), "an explicit password wins");
        assertThrows(IllegalArgumentException.class,
                () -> PgUrl.parse("postgresql://alice@h/db?passfile=" + dir.resolve("missing"), null, null));
    }
}
