package dev.trickle.streams.operators.expr;

import dev.trickle.streams.operators.expr.PgDateParts.Unit;
import dev.trickle.streams.rows.EvaluationException;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * timestamp with time zone as PostgreSQL computes it under a TimeZone (timestamp.c): conversions from and to
 * date and timestamp, date_trunc, extract / date_part, {@code + interval} and the text output. The zone is the
 * session's (recorded with the stream table) or the one a query names.
 *
 * <p>Values the engine makes carry their text in UTC ({@code 2024-03-10 07:00:00+00}), the form in which the
 * source connector captures timestamptz and the sink's record converter expects it; {@link #format} gives the
 * text PostgreSQL prints in a zone, which is what a cast to text yields.
 */
public final class PgTimestamptz {
    private static final String TYPE = "timestamp with time zone";
    /** PostgreSQL's range: 4714-11-24 00:00:00+00 BC to 294276-12-31 23:59:59.999999+00. */
    private static final Instant MIN = LocalDate.of(-4713, 11, 24).atStartOfDay().toInstant(ZoneOffset.UTC);
    private static final Instant END = LocalDate.of(294_277, 1, 1).atStartOfDay().toInstant(ZoneOffset.UTC);

    private PgTimestamptz() {
    }

    /** The value at {@code i}, with its text in UTC. */
    public static Timestamptz of(Instant i) {
        return new Timestamptz(i, format(i, ZoneOffset.UTC));
    }

    private static boolean infinite(Timestamptz t) {
        return t.instant().equals(Instant.MAX) || t.instant().equals(Instant.MIN);
    }

    private static Timestamptz checked(Instant i) throws EvaluationException {
        if (i.isBefore(MIN) || !i.isBefore(END)) {
            throw new EvaluationException("timestamp out of range");
        }
        return of(i);
    }

    /** {@code timestamp::timestamptz}: the local time in {@code zone}. */
    public static Timestamptz fromTimestamp(LocalDateTime t, ZoneId zone) throws EvaluationException {
        if (t.equals(LocalDateTime.MAX) || t.equals(LocalDateTime.MIN)) {
            return of(t.equals(LocalDateTime.MAX) ? Instant.MAX : Instant.MIN);
        }
        return checked(PgTimeZone.resolve(t, zone));
    }

    /** {@code date::timestamptz}: midnight of the date in {@code zone}. */
    public static Timestamptz fromDate(LocalDate d, ZoneId zone) throws EvaluationException {
        return fromTimestamp(PgDateTime.toTimestamp(d), zone);
    }

    /** {@code timestamptz::timestamp} (and {@code AT TIME ZONE}): the local time in {@code zone}. */
    public static LocalDateTime toTimestamp(Timestamptz t, ZoneId zone) {
        if (infinite(t)) {
            return t.instant().equals(Instant.MAX) ? LocalDateTime.MAX : LocalDateTime.MIN;
        }
        return PgTimeZone.local(t.instant(), zone);
    }

    public static LocalDate toDate(Timestamptz t, ZoneId zone) {
        return PgDateTime.toDate(toTimestamp(t, zone));
    }

    /** Text input: with an offset it is that instant, without one a local time in {@code zone}. */
    public static Timestamptz parse(String text, ZoneId zone) throws EvaluationException {
        Timestamptz t = PgDateTime.parseTimestamptz(text, zone);
        return infinite(t) ? of(t.instant()) : checked(t.instant());
    }

    /** PostgreSQL's text of {@code t} in {@code zone} (DateStyle ISO): {@code 2024-03-10 03:00:00-04}. */
    public static String format(Timestamptz t, ZoneId zone) {
        return format(t.instant(), zone);
    }

    private static String format(Instant i, ZoneId zone) {
        if (i.equals(Instant.MAX)) {
            return "infinity";
        }
        if (i.equals(Instant.MIN)) {
            return "-infinity";
        }
        ZoneOffset offset = PgTimeZone.offset(i, zone);
        String local = PgDateTime.formatTimestamp(LocalDateTime.ofInstant(i, offset));
        String zoneText = PgTimeZone.formatOffset(offset);
        // the offset comes before a BC suffix: 0044-03-15 12:00:00+00 BC
        return local.endsWith(" BC") ? local.substring(0, local.length() - 3) + zoneText + " BC" : local + zoneText;
    }

    /**
     * {@code date_trunc(unit, timestamptz)} in {@code zone} (timestamptz_trunc_internal): the local time is
     * truncated; for units of a day and more the offset is determined anew, for smaller ones the original
     * offset stays (so truncating to the hour inside a repeated hour keeps that hour's offset).
     */
    public static Timestamptz trunc(String unitText, Timestamptz t, ZoneId zone) throws EvaluationException {
        Unit unit = PgDateParts.unit(unitText, false);
        if (unit == null) {
            throw PgDateParts.notRecognized(unitText, TYPE);
        }
        if (unit == Unit.TIMEZONE) {
            throw PgDateParts.notSupported(unitText, TYPE);
        }
        if (infinite(t)) {
            return t;
        }
        ZoneOffset offset = PgTimeZone.offset(t.instant(), zone);
        LocalDateTime truncated = PgDateParts.trunc(unitText, LocalDateTime.ofInstant(t.instant(), offset));
        boolean redo = switch (unit) {
            case MILLENNIUM, CENTURY, DECADE, YEAR, QUARTER, MONTH, WEEK, DAY -> true;
            default -> false;
        };
        return checked(redo ? PgTimeZone.resolve(truncated, zone) : truncated.toInstant(offset));
    }

    /** {@code extract(unit FROM timestamptz)}: fields of the local time in {@code zone}; epoch and zone units of the instant. */
    public static BigDecimal extract(String unitText, Timestamptz t, ZoneId zone) throws EvaluationException {
        Unit unit = unit(unitText);
        if (infinite(t)) {
            boolean negative = t.instant().equals(Instant.MIN);
            return unit == Unit.TIMEZONE ? null
                    : PgDateParts.extract(unitText, negative ? LocalDateTime.MIN : LocalDateTime.MAX);
        }
        if (unit == Unit.EPOCH) {
            return BigDecimal.valueOf(epochMicros(t), 6);
        }
        if (unit == Unit.TIMEZONE) {
            return BigDecimal.valueOf(zoneField(unitText, PgTimeZone.offset(t.instant(), zone)));
        }
        return PgDateParts.extract(unitText, PgTimeZone.local(t.instant(), zone));
    }

    /** {@code date_part(text, timestamptz)}: as {@link #extract}, in double precision. */
    public static Double datePart(String unitText, Timestamptz t, ZoneId zone) throws EvaluationException {
        Unit unit = unit(unitText);
        if (infinite(t)) {
            boolean negative = t.instant().equals(Instant.MIN);
            return unit == Unit.TIMEZONE ? null
                    : PgDateParts.datePart(unitText, negative ? LocalDateTime.MIN : LocalDateTime.MAX);
        }
        if (unit == Unit.EPOCH) {
            return epochMicros(t) / 1_000_000.0;
        }
        if (unit == Unit.TIMEZONE) {
            return (double) zoneField(unitText, PgTimeZone.offset(t.instant(), zone));
        }
        return PgDateParts.datePart(unitText, PgTimeZone.local(t.instant(), zone));
    }

    private static Unit unit(String unitText) throws EvaluationException {
        Unit unit = PgDateParts.unit(unitText, true);
        if (unit == null) {
            throw PgDateParts.notRecognized(unitText, TYPE);
        }
        return unit;
    }

    private static long epochMicros(Timestamptz t) {
        Instant i = t.instant();
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1000);
    }

    /** timezone (seconds east of UTC), timezone_hour, timezone_minute (both signed, truncated like C's division). */
    private static long zoneField(String unitText, ZoneOffset offset) {
        int seconds = offset.getTotalSeconds();
        String lower = unitText.toLowerCase(Locale.ROOT);
        if (lower.startsWith("timezone_h")) {
            return seconds / 3600;
        }
        if (lower.startsWith("timezone_m")) {
            return seconds / 60 % 60;
        }
        return seconds;
    }

    /**
     * {@code timestamptz + interval} in {@code zone} (timestamptz_pl_interval): the months are added to the local
     * time (the day clamped to the month's end) and the offset determined anew, then the days the same way, then
     * the time part to the instant: {@code + interval '1 day'} keeps the wall-clock time across a DST change,
     * {@code + interval '24 hours'} does not. Infinite values stay.
     */
    public static Timestamptz plusInterval(Timestamptz t, long months, long days, long micros, ZoneId zone)
            throws EvaluationException {
        if (infinite(t)) {
            return t;
        }
        try {
            Instant i = t.instant();
            if (months != 0) {
                i = checked(PgTimeZone.resolve(PgTimeZone.local(i, zone).plusMonths(months), zone)).instant();
            }
            if (days != 0) {
                i = checked(PgTimeZone.resolve(PgTimeZone.local(i, zone).plusDays(days), zone)).instant();
            }
            return checked(i.plus(micros, ChronoUnit.MICROS));
        } catch (DateTimeException | ArithmeticException e) {
            throw new EvaluationException("timestamp out of range");
        }
    }
}
