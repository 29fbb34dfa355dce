package dev.trickle.streams.plan;

import dev.trickle.streams.operators.expr.PgTimeZone;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.Callable;

/**
 * The TimeZone a query is being compiled under (the one recorded with its stream table). Expressions that
 * depend on it (timestamptz casts, date_trunc, extract, + interval, text output) read it while they are
 * compiled and keep it in the code they produce; nothing reads it at run time.
 *
 * <p>Held per thread for the duration of one compilation rather than passed through every translator: the
 * zone matters to a handful of expression families, and the translators' signatures stay as they are.
 */
final class SessionZone {
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    private SessionZone() {
    }

    /**
     * The zone of the compilation in progress (UTC outside one: expression tests). A query that does not depend
     * on the zone compiles whatever it is; one that does is refused when the engine does not know the zone.
     */
    static ZoneId current() throws UnsupportedQueryException {
        String name = CURRENT.get();
        if (name == null) {
            return ZoneOffset.UTC;
        }
        ZoneId zone = PgTimeZone.of(name);
        if (zone == null) {
            throw new UnsupportedQueryException("a timestamp with time zone computation under TimeZone '" + name + "'",
                    "the engine knows the IANA zone names (e.g. 'UTC', 'Europe/Berlin'), not abbreviations, offsets"
                            + " or POSIX zone strings; create the stream table in a session with SET TimeZone to such a name");
        }
        return zone;
    }

    static <T> T during(String zone, Callable<T> compilation) throws Exception {
        String before = CURRENT.get();
        CURRENT.set(zone);
        try {
            return compilation.call();
        } finally {
            if (before == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(before);
            }
        }
    }
}
