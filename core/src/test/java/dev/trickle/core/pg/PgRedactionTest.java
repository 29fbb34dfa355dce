package dev.trickle.core.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PgRedactionTest {
    @Test
    void passwordParametersLeaveTheUrlAndTheRestStays() {
        assertEquals("jdbc:postgresql://h/db", PgRedaction.redact("jdbc:postgresql://h/db?password=s"));
        assertEquals("jdbc:postgresql://h/db?user=u", PgRedaction.redact("jdbc:postgresql://h/db?password=s&user=u"));
        assertEquals("jdbc:postgresql://h/db?user=u&ssl=true",
                PgRedaction.redact("jdbc:postgresql://h/db?user=u&PASSWORD=s&ssl=true&sslpassword=k"));
        assertEquals("jdbc:postgresql://h:5432/db?user=u", PgRedaction.redact("jdbc:postgresql://h:5432/db?user=u&password="));
        assertEquals("jdbc:postgresql://h/db?passfile=/x/pgpass",
                PgRedaction.redact("jdbc:postgresql://h/db?passfile=/x/pgpass"), "a password file's name is no secret");
    }

    @Test
    void userInfoPasswordsLeaveUrisAndTheUserStays() {
        assertEquals("postgresql://alice@db.example:6543/shop?sslmode=require",
                PgRedaction.redact("postgresql://alice:s%40cret@db.example:6543/shop?sslmode=require"));
        assertEquals("postgres://alice@h/db", PgRedaction.redact("postgres://alice:x@h/db"));
        assertEquals("jdbc:postgresql://alice@h/db", PgRedaction.redact("jdbc:postgresql://alice:x@h/db"));
        assertEquals("postgresql://alice@h/db", PgRedaction.redact("postgresql://alice@h/db"));
        assertEquals("postgresql://h:5432/db", PgRedaction.redact("postgresql://h:5432/db"), "host:port is no user info");
    }

    @Test
    void urlsInsideMessagesAreRedactedToo() {
        String message = "could not connect to postgresql://bob:hunter2@h/db (tried jdbc:postgresql://h/db?password=hunter2 too)";
        String redacted = PgRedaction.redact(message);
        assertFalse(redacted.contains("hunter2"), redacted);
        assertEquals("could not connect to postgresql://bob@h/db (tried jdbc:postgresql://h/db too)", redacted);
        assertTrue(PgRedaction.hasPassword(message));
        assertFalse(PgRedaction.hasPassword(redacted));
        assertEquals("", PgRedaction.redact(null));
    }
}
