package dev.trickle.streams.operators.expr;

import dev.trickle.streams.rows.EvaluationException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.util.Locale;
import java.util.Map;

/**
 * PostgreSQL's {@code extract} (numeric) and {@code date_part} (double precision) on dates and timestamps, as
 * PostgreSQL 14+ computes them (timestamp.c timestamp_part_common, date.c extract_date): the same units and
 * aliases, BC years without a year 0, ISO weeks, scales (second has 6 fractional digits, milliseconds 3,
 * epoch of a timestamp 6), infinite inputs (NULL for oscillating units, ±Infinity for increasing ones; the
 * engine's numeric has no infinity, so extract raises an error there), and PostgreSQL's error messages.
 */
public final class PgDateParts {
    /** A unit of extract / date_part / date_trunc. */
    public enum Unit {
        MICROSECONDS, MILLISECONDS, SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR, DECADE, CENTURY,
        MILLENNIUM, JULIAN, ISOYEAR, DOW, ISODOW, DOY, EPOCH, TIMEZONE;

        /** Whether the unit grows with time (its value at ±infinity is ±Infinity; others are NULL there). */
        boolean increasing() {
            return switch (this) {
                case YEAR, DECADE, CENTURY, MILLENNIUM, JULIAN, ISOYEAR, EPOCH -> true;
                default -> false;
            };
        }

        /** Whether the unit only exists for a time of day (not supported for dates). */
        boolean ofTime() {
            return this == MICROSECONDS || this == MILLISECONDS || this == SECOND || this == MINUTE || this == HOUR;
        }
    }

    /** PostgreSQL's unit spellings (datetime.c deltatktbl, compared on their first 10 characters). */
    private static final Map<String, Unit> UNITS = Map.ofEntries(
            Map.entry("c", Unit.CENTURY), Map.entry("cent", Unit.CENTURY), Map.entry("centuries", Unit.CENTURY),
            Map.entry("century", Unit.CENTURY), Map.entry("d", Unit.DAY), Map.entry("day", Unit.DAY),
            Map.entry("days", Unit.DAY), Map.entry("dec", Unit.DECADE), Map.entry("decade", Unit.DECADE),
            Map.entry("decades", Unit.DECADE), Map.entry("decs", Unit.DECADE), Map.entry("h", Unit.HOUR),
            Map.entry("hour", Unit.HOUR), Map.entry("hours", Unit.HOUR), Map.entry("hr", Unit.HOUR),
            Map.entry("hrs", Unit.HOUR), Map.entry("m", Unit.MINUTE), Map.entry("microsecon", Unit.MICROSECONDS),
            Map.entry("mil", Unit.MILLENNIUM), Map.entry("millennia", Unit.MILLENNIUM),
            Map.entry("millennium", Unit.MILLENNIUM), Map.entry("millisecon", Unit.MILLISECONDS),
            Map.entry("mils", Unit.MILLENNIUM), Map.entry("min", Unit.MINUTE), Map.entry("mins", Unit.MINUTE),
            Map.entry("minute", Unit.MINUTE), Map.entry("minutes", Unit.MINUTE), Map.entry("mon", Unit.MONTH),
            Map.entry("mons", Unit.MONTH), Map.entry("month", Unit.MONTH), Map.entry("months", Unit.MONTH),
            Map.entry("ms", Unit.MILLISECONDS), Map.entry("msec", Unit.MILLISECONDS),
            Map.entry("millisecond", Unit.MILLISECONDS), Map.entry("mseconds", Unit.MILLISECONDS),
            Map.entry("msecs", Unit.MILLISECONDS), Map.entry("qtr", Unit.QUARTER), Map.entry("quarter", Unit.QUARTER),
            Map.entry("s", Unit.SECOND), Map.entry("sec", Unit.SECOND), Map.entry("second", Unit.SECOND),
            Map.entry("seconds", Unit.SECOND), Map.entry("secs", Unit.SECOND), Map.entry("timezone", Unit.TIMEZONE),
            Map.entry("timezone_h", Unit.TIMEZONE), Map.entry("timezone_m", Unit.TIMEZONE),
            Map.entry("us", Unit.MICROSECONDS), Map.entry("usec", Unit.MICROSECONDS),
            Map.entry("microsecond", Unit.MICROSECONDS), Map.entry("useconds", Unit.MICROSECONDS),
            Map.entry("usecs", Unit.MICROSECONDS), Map.entry("w", Unit.WEEK), Map.entry("week", Unit.WEEK),
            Map.entry("weeks", Unit.WEEK), Map.entry("y", Unit.YEAR), Map.entry("year", Unit.YEAR),
            Map.entry("years", Unit.YEAR), Map.entry("yr", Unit.YEAR), Map.entry("yrs", Unit.YEAR));
    /** Units found by DecodeSpecial (extract and date_part only, not date_trunc). */
    private static final Map<String, Unit> SPECIAL = Map.of("dow", Unit.DOW, "isodow", Unit.ISODOW, "doy", Unit.DOY,
            "isoyear", Unit.ISOYEAR, "epoch", Unit.EPOCH, "j", Unit.JULIAN, "jd", Unit.JULIAN, "julian", Unit.JULIAN);
    private static final long UNIX_EPOCH_JDATE = 2_440_588;
    private static final BigDecimal MICROS_PER_DAY = BigDecimal.valueOf(86_400_000_000L);

    private PgDateParts() {
    }

    /** The unit PostgreSQL reads from {@code text} (case-insensitive); null when it recognizes none. */
    public static Unit unit(String text, boolean special) {
        String lower = text.toLowerCase(Locale.ROOT);
        Unit u = UNITS.get(lower.length() > 10 ? lower.substring(0, 10) : lower);
        return u == null && special ? SPECIAL.get(lower) : u;
    }

    static EvaluationException notSupported(String unit, String type) {
        return new EvaluationException("unit \"" + unit.toLowerCase(Locale.ROOT) + "\" not supported for type " + type);
    }

    static EvaluationException notRecognized(String unit, String type) {
        return new EvaluationException("unit \"" + unit.toLowerCase(Locale.ROOT) + "\" not recognized for type " + type);
    }

    /** {@code extract(unit from date)}: a numeric without fraction; null for an oscillating unit of an infinite date. */
    public static BigDecimal extract(String unitText, LocalDate d) throws EvaluationException {
        Unit unit = unit(unitText, true);
        if (unit == null) {
            throw notRecognized(unitText, "date");
        }
        if (unit.ofTime() || unit == Unit.TIMEZONE) {
            throw notSupported(unitText, "date");
        }
        if (d.equals(LocalDate.MAX) || d.equals(LocalDate.MIN)) {
            return infinite(unit, d.equals(LocalDate.MIN));
        }
        if (unit == Unit.EPOCH) {
            return BigDecimal.valueOf(d.toEpochDay() * 86_400);
        }
        return BigDecimal.valueOf(dateField(unit, d));
    }

    /** {@code extract(unit from timestamp)}: numeric, with PostgreSQL's scale for seconds and epoch. */
    public static BigDecimal extract(String unitText, LocalDateTime t) throws EvaluationException {
        Unit unit = checked(unitText, true);
        if (t.equals(LocalDateTime.MAX) || t.equals(LocalDateTime.MIN)) {
            return infinite(unit, t.equals(LocalDateTime.MIN));
        }
        long micros = microsOfDay(t);
        long secondMicros = micros % 60_000_000L;
        return switch (unit) {
            case MICROSECONDS -> BigDecimal.valueOf(secondMicros);
            case MILLISECONDS -> BigDecimal.valueOf(secondMicros, 3);
            case SECOND -> BigDecimal.valueOf(secondMicros, 6);
            case MINUTE -> BigDecimal.valueOf(t.getMinute());
            case HOUR -> BigDecimal.valueOf(t.getHour());
            case EPOCH -> BigDecimal.valueOf(Math.addExact(Math.multiplyExact(t.toLocalDate().toEpochDay(), 86_400_000_000L),
                    micros), 6);
            case JULIAN -> BigDecimal.valueOf(julian(t.toLocalDate()))
                    .add(PgNumerics.divide(BigDecimal.valueOf(micros), MICROS_PER_DAY));
            default -> BigDecimal.valueOf(dateField(unit, t.toLocalDate()));
        };
    }

    /** {@code date_part(unit, timestamp)} (a date is first converted to a timestamp): double precision. */
    public static Double datePart(String unitText, LocalDateTime t) throws EvaluationException {
        Unit unit = checked(unitText, true);
        if (t.equals(LocalDateTime.MAX) || t.equals(LocalDateTime.MIN)) {
            if (!unit.increasing()) {
                return null;
            }
            return t.equals(LocalDateTime.MIN) ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        long micros = microsOfDay(t);
        long secondMicros = micros % 60_000_000L;
        long seconds = secondMicros / 1_000_000L;
        long fraction = secondMicros % 1_000_000L;
        return switch (unit) {
            case MICROSECONDS -> (double) secondMicros;
            case MILLISECONDS -> seconds * 1000.0 + fraction / 1000.0;
            case SECOND -> seconds + fraction / 1_000_000.0;
            case MINUTE -> (double) t.getMinute();
            case HOUR -> (double) t.getHour();
            case EPOCH -> (t.toLocalDate().toEpochDay() * 86_400_000_000L + micros) / 1_000_000.0;
            case JULIAN -> julian(t.toLocalDate()) + (micros / 1_000_000 + (micros % 1_000_000) / 1_000_000.0) / 86_400.0;
            default -> (double) dateField(unit, t.toLocalDate());
        };
    }

    /** A unit of a timestamp: recognized, and not one of time zones. */
    private static Unit checked(String unitText, boolean special) throws EvaluationException {
        Unit unit = unit(unitText, special);
        if (unit == null) {
            throw notRecognized(unitText, "timestamp without time zone");
        }
        if (unit == Unit.TIMEZONE) {
            throw notSupported(unitText, "timestamp without time zone");
        }
        return unit;
    }

    private static BigDecimal infinite(Unit unit, boolean negative) throws EvaluationException {
        if (!unit.increasing()) {
            return null;
        }
        // PostgreSQL returns numeric ±Infinity, which the engine's numeric cannot hold
        throw new EvaluationException("numeric value " + (negative ? "-Infinity" : "Infinity")
                + " is not supported by the incremental engine");
    }

    /** The fields shared by dates and timestamps (integer results). */
    private static long dateField(Unit unit, LocalDate d) {
        int year = d.getYear();
        return switch (unit) {
            case DAY -> d.getDayOfMonth();
            case MONTH -> d.getMonthValue();
            case QUARTER -> (d.getMonthValue() - 1) / 3 + 1;
            case WEEK -> d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
            // there is no year 0: 1 BC is year 0 in the proleptic calendar, -1 for PostgreSQL
            case YEAR -> year > 0 ? year : year - 1;
            case DECADE -> year >= 0 ? year / 10 : -((8 - (year - 1)) / 10);
            case CENTURY -> year > 0 ? (year + 99) / 100 : -((99 - (year - 1)) / 100);
            case MILLENNIUM -> year > 0 ? (year + 999) / 1000 : -((999 - (year - 1)) / 1000);
            case JULIAN -> julian(d);
            case ISOYEAR -> {
                int iso = d.get(IsoFields.WEEK_BASED_YEAR);
                yield iso <= 0 ? iso - 1 : iso;
            }
            case DOW -> d.getDayOfWeek().getValue() % 7;
            case ISODOW -> d.getDayOfWeek().getValue();
            case DOY -> d.getDayOfYear();
            default -> throw new IllegalArgumentException(unit.name());
        };
    }

    private static long julian(LocalDate d) {
        return d.toEpochDay() + UNIX_EPOCH_JDATE;
    }

    private static long microsOfDay(LocalDateTime t) {
        return t.toLocalTime().toNanoOfDay() / 1000;
    }

    /** {@code date_trunc(unit, timestamp)}: the timestamp with the fields below the unit reset. */
    public static LocalDateTime trunc(String unitText, LocalDateTime t) throws EvaluationException {
        Unit unit = unit(unitText, false);
        if (unit == null) {
            throw notRecognized(unitText, "timestamp without time zone");
        }
        if (t.equals(LocalDateTime.MAX) || t.equals(LocalDateTime.MIN)) {
            return t;
        }
        LocalDate d = t.toLocalDate();
        int year = d.getYear();
        return switch (unit) {
            case MILLENNIUM -> yearStart(year > 0 ? ((year + 999) / 1000) * 1000 - 999 : -((999 - (year - 1)) / 1000) * 1000 + 1);
            case CENTURY -> yearStart(year > 0 ? ((year + 99) / 100) * 100 - 99 : -((99 - (year - 1)) / 100) * 100 + 1);
            case DECADE -> yearStart(year > 0 ? (year / 10) * 10 : -((8 - (year - 1)) / 10) * 10);
            case YEAR -> yearStart(year);
            case QUARTER -> LocalDate.of(year, 3 * ((d.getMonthValue() - 1) / 3) + 1, 1).atStartOfDay();
            case MONTH -> d.withDayOfMonth(1).atStartOfDay();
            // the Monday of the ISO week
            case WEEK -> d.minusDays(d.getDayOfWeek().getValue() - 1L).atStartOfDay();
            case DAY -> d.atStartOfDay();
            case HOUR -> t.truncatedTo(ChronoUnit.HOURS);
            case MINUTE -> t.truncatedTo(ChronoUnit.MINUTES);
            case SECOND -> t.truncatedTo(ChronoUnit.SECONDS);
            case MILLISECONDS -> t.truncatedTo(ChronoUnit.MILLIS);
            case MICROSECONDS -> t;
            default -> throw notSupported(unitText, "timestamp without time zone");
        };
    }

    private static LocalDateTime yearStart(int year) {
        return LocalDate.of(year, 1, 1).atStartOfDay();
    }
}
