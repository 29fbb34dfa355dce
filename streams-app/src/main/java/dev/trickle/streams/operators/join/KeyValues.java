package dev.trickle.streams.operators.join;

import dev.trickle.streams.operators.expr.Timestamptz;
import java.math.BigDecimal;

/**
 * The text under which a join key value is indexed: two values of one comparison type get the same text
 * exactly when PostgreSQL's {@code =} says they are equal (numeric 1.0 = 1.00, float -0 = 0 and NaN = NaN,
 * two timestamptz at the same instant written with different offsets). Values arrive already converted to
 * the comparison type of their equality (integer against bigint compares as bigint, and so on), so both
 * sides of a key always have the same Java representation.
 */
final class KeyValues {
    private KeyValues() {
    }

    static String canonical(Object value) {
        if (value instanceof BigDecimal d) {
            // 1.0 and 1.00 are one key; zero is spelled "0" whatever its scale
            return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
        }
        if (value instanceof Double d) {
            return floatKey(d);
        }
        if (value instanceof Float f) {
            return floatKey(f.doubleValue());
        }
        if (value instanceof Timestamptz t) {
            return t.instant().toString();
        }
        // Long, String (text compares code point by code point), Boolean, LocalDate, LocalDateTime:
        // equal exactly when their Java text is
        return value.toString();
    }

    /** PostgreSQL's float equality: NaN equals NaN, -0 equals 0. */
    private static String floatKey(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        return d == 0.0 ? "0" : Double.toString(d);
    }
}
