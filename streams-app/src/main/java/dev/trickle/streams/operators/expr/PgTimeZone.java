package dev.trickle.streams.operators.expr;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * PostgreSQL's time zones as the engine uses them: a zone name (the session's TimeZone recorded with a stream
 * table, or the zone argument of {@code AT TIME ZONE} / {@code date_trunc}) resolved to Java's copy of the IANA
 * database, and PostgreSQL's rules for turning local times into instants (DetermineTimeZoneOffset: a local time
 * skipped by a spring-forward transition takes the offset before it, an ambiguous one in a fall-back
 * transition the offset after it).
 *
 * <p>Only IANA region names (and the database's own aliases such as UTC, Etc/GMT+5, EST5EDT) are accepted,
 * case-insensitively as PostgreSQL does. Abbreviations (EST), numeric offsets and POSIX strings ('UTC+5' is
 * five hours WEST in PostgreSQL but east in Java) are not: {@link #of} returns null for them.
 */
public final class PgTimeZone {
    private static final Map<String, String> NAMES = new HashMap<>();

    static {
        for (String id : ZoneId.getAvailableZoneIds()) {
            // Java's SystemV/* zones are not in PostgreSQL's database
            if (!id.startsWith("SystemV/")) {
                NAMES.put(id.toLowerCase(Locale.ROOT), id);
            }
        }
    }

    private PgTimeZone() {
    }

    /** The zone PostgreSQL means by {@code name}, or null when the engine cannot be sure to agree with it. */
    public static ZoneId of(String name) {
        if (name == null) {
            return null;
        }
        String id = NAMES.get(name.trim().toLowerCase(Locale.ROOT));
        return id == null ? null : ZoneId.of(id);
    }

    /** The instant of local time {@code t} in {@code zone}, by PostgreSQL's rule for skipped and repeated times. */
    public static Instant resolve(LocalDateTime t, ZoneId zone) {
        ZoneRules rules = zone.getRules();
        ZoneOffsetTransition transition = rules.getTransition(t);
        if (transition == null) {
            return t.toInstant(rules.getOffset(t));
        }
        return t.toInstant(transition.isGap() ? transition.getOffsetBefore() : transition.getOffsetAfter());
    }

    /** The local time of {@code i} in {@code zone}. */
    public static LocalDateTime local(Instant i, ZoneId zone) {
        return LocalDateTime.ofInstant(i, zone);
    }

    public static ZoneOffset offset(Instant i, ZoneId zone) {
        return zone.getRules().getOffset(i);
    }

    /** PostgreSQL's ISO text of an offset: {@code +00}, {@code -04}, {@code +05:30}, {@code -04:56:02}. */
    public static String formatOffset(ZoneOffset offset) {
        int seconds = offset.getTotalSeconds();
        int abs = Math.abs(seconds);
        StringBuilder b = new StringBuilder(9).append(seconds < 0 ? '-' : '+');
        b.append(String.format(Locale.ROOT, "%02d", abs / 3600));
        if (abs % 3600 != 0) {
            b.append(String.format(Locale.ROOT, ":%02d", abs % 3600 / 60));
            if (abs % 60 != 0) {
                b.append(String.format(Locale.ROOT, ":%02d", abs % 60));
            }
        }
        return b.toString();
    }
}
