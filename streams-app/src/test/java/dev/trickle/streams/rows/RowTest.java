package dev.trickle.streams.rows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A row equals its text, and parses each column once per type. */
class RowTest {
    @Test
    void aRowIsItsTextForEqualityHashingAndPrinting() {
        List<String> text = new ArrayList<>(Arrays.asList("1", null, "x"));
        Row row = Row.wrap(new String[] {"1", null, "x"});
        assertEquals(text, row);
        assertEquals(row, text);
        assertEquals(text.hashCode(), row.hashCode());
        assertEquals(text.toString(), row.toString());
        assertEquals(new ZSet<List<String>>().add(text, 2), new ZSet<List<String>>().add(row, 1).add(text, 1));
    }

    @Test
    void aColumnIsParsedOncePerType() throws EvaluationException {
        AtomicInteger parses = new AtomicInteger();
        Row.Parser parser = (text, type) -> {
            parses.incrementAndGet();
            return new BigDecimal(text);
        };
        Row row = Row.of(Arrays.asList("1.50", null));
        Object first = row.parsed(0, PgType.NUMERIC, parser);
        assertSame(first, row.parsed(0, PgType.NUMERIC, parser));
        assertEquals(1, parses.get());
        row.parsed(0, PgType.numeric(10, 2), parser);
        assertEquals(2, parses.get(), "another type parses again");
        assertNull(row.parsed(1, PgType.NUMERIC, parser));
        assertEquals(2, parses.get(), "NULL needs no parse");
    }

    @Test
    void aTextThatDoesNotParseFailsAtEveryReference() {
        AtomicInteger parses = new AtomicInteger();
        Row.Parser parser = (text, type) -> {
            parses.incrementAndGet();
            throw new EvaluationException("invalid input syntax for type integer: \"" + text + "\"");
        };
        Row row = Row.wrap(new String[] {"x"});
        assertThrows(EvaluationException.class, () -> row.parsed(0, PgType.INT4, parser));
        assertThrows(EvaluationException.class, () -> row.parsed(0, PgType.INT4, parser));
        assertEquals(2, parses.get());
    }

    @Test
    void aRowIsReadOnly() {
        Row row = Row.wrap(new String[] {"a"});
        assertThrows(UnsupportedOperationException.class, () -> row.set(0, "b"));
        assertSame(row, Row.of(row));
    }
}
