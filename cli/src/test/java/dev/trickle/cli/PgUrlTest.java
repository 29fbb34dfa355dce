package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

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
}
