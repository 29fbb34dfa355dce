package dev.trickle.core.pg;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class PgTransientErrorsTest {
    @Test
    void connectionServerAndConflictErrorsAreRetried() {
        for (String state : new String[] {"08006", "08001", "53300", "53100", "57P01", "57P03", "57014", "40001",
                "40P01", "40003", "55P03", "58030"}) {
            assertTrue(PgTransientErrors.isTransient(new SQLException("x", state)), state);
        }
    }

    @Test
    void errorsTheSameWorkWouldHitAgainAreNot() {
        for (String state : new String[] {"42501", "42601", "23505", "23503", "40002", "22012", "42P01", "3D000",
                "28P01", "XX000"}) {
            assertFalse(PgTransientErrors.isTransient(new SQLException("x", state)), state);
        }
        assertFalse(PgTransientErrors.isTransient(new SQLException("no state")));
        assertFalse(PgTransientErrors.isTransientState(null));
    }

    @Test
    void aCauseDecidesWhenTheErrorItselfSaysNothing() {
        assertTrue(PgTransientErrors.isTransient(new SQLException("batch failed", null, new SQLException("lost", "08006"))));
        assertTrue(PgTransientErrors.isTransient(new SQLException("I/O", null, new EOFException())));
    }
}
