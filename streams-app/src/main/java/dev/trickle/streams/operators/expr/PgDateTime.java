package dev.trickle.streams.operators.expr;

import dev.trickle.streams.rows.EvaluationException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL's date and timestamp text forms (DateStyle ISO): dates as {@link LocalDate}, timestamps as
 * {@link LocalDateTime} (proleptic Gregorian, like PostgreSQL), {@code infinity} as MAX/MIN.
 * Input accepts the ISO forms ({@code 2024-01-15}, {@code 2024-01-15 10:30[:00[.123456]]}, {@code T}
 * separator, {@code BC} suffix); PostgreSQL's other input styles are rejected with its error message.
 */
public final class PgDateTime {
    private static final Pattern DATE_TIME = Pattern.compile(
            "(\\d{4,})-(\\d{1,2})-(\\d{1,2})"
                    + "(?:[ T](\\d{1,2}):(\\d{1,2})(?::(\\d{1,2})(\\.\\d*)?)?)?"
                    + "\\s*(?:(Z|[+-]\\d{1,2}(?::?\\d{2}(?::?\\d{2})?)?))?"
                    + "(\\s+BC)?");
    private static final LocalDateTime EPOCH_2000 = LocalDateTime.of(2000, 1, 1, 0, 0);
    /** PostgreSQL's range of dates (4714-11-24 BC to 5874897-12-31) and timestamps (to 294276 AD). */
    private static final LocalDate MIN_DATE = LocalDate.of(-4713, 11, 24);
    private static final LocalDate MAX_DATE = LocalDate.of(5_874_897, 12, 31);
    private static final LocalDateTime MIN_TIMESTAMP = MIN_DATE.atStartOfDay();
    private static final LocalDateTime END_TIMESTAMP = LocalDateTime.of(294_277, 1, 1, 0, 0);

    private PgDateTime() {
    }

    public static LocalDate parseDate(String text) throws EvaluationException {
        String t = text.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "infinity", "+infinity": return LocalDate.MAX;
            case "-infinity": return LocalDate.MIN;
            case "epoch": return LocalDate.of(1970, 1, 1);
            default: break;
        }
        Matcher m = match(text, "date");
        try {
            return LocalDate.of(year(m), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
        } catch (DateTimeException | NumberFormatException e) {
            throw new EvaluationException("date/time field value out of range: \"" + text + "\"");
        }
    }

    public static LocalDateTime parseTimestamp(String text) throws EvaluationException {
        String t = text.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "infinity", "+infinity": return LocalDateTime.MAX;
            case "-infinity": return LocalDateTime.MIN;
            case "epoch": return LocalDateTime.of(1970, 1, 1, 0, 0);
            default: break;
        }
        Matcher m = match(text, "timestamp without time zone");
        return localDateTime(m, text);
    }

    /** A timestamptz as captured (its offset is always in the text PostgreSQL printed). */
    public static Timestamptz parseTimestamptz(String text) throws EvaluationException {
        return parseTimestamptz(text, null);
    }

    /** Whether {@code text} is a date and time with an offset (or infinity): its instant does not depend on a zone. */
    public static boolean hasOffset(String text) {
        Matcher m = DATE_TIME.matcher(text.trim());
        return m.matches() ? m.group(8) != null : !text.trim().isEmpty() && text.trim().toLowerCase(Locale.ROOT).endsWith("infinity");
    }

    /** A timestamptz from text: a local time without an offset is one in {@code zone} (none: an error). */
    public static Timestamptz parseTimestamptz(String text, java.time.ZoneId zone) throws EvaluationException {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("infinity") || t.equals("+infinity")) {
            return new Timestamptz(Instant.MAX, text);
        }
        if (t.equals("-infinity")) {
            return new Timestamptz(Instant.MIN, text);
        }
        Matcher m = match(text, "timestamp with time zone");
        LocalDateTime local = localDateTime(m, text);
        if (m.group(8) == null && zone != null) {
            return new Timestamptz(PgTimeZone.resolve(local, zone), text);
        }
        return new Timestamptz(local.toInstant(offset(m.group(8), text)), text);
    }

    private static Matcher match(String text, String typeName) throws EvaluationException {
        Matcher m = DATE_TIME.matcher(text.trim());
        if (!m.matches()) {
            throw new EvaluationException("invalid input syntax for type " + typeName + ": \"" + text + "\"");
        }
        return m;
    }

    private static int year(Matcher m) {
        int y = Integer.parseInt(m.group(1));
        // PostgreSQL has no year 0: 1 BC is proleptic year 0
        return m.group(9) != null ? 1 - y : y;
    }

    private static LocalDateTime localDateTime(Matcher m, String text) throws EvaluationException {
        try {
            LocalDate date = LocalDate.of(year(m), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
            if (m.group(4) == null) {
                return date.atStartOfDay();
            }
            int h = Integer.parseInt(m.group(4));
            int min = Integer.parseInt(m.group(5));
            int s = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
            long micros = 0;
            if (m.group(7) != null && m.group(7).length() > 1) {
                // PostgreSQL rounds fractional seconds to microseconds with rint (half to even)
                micros = new BigDecimal("0" + m.group(7)).movePointRight(6).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
            }
            if (h == 24 && min == 0 && s == 0 && micros == 0) {
                return date.plusDays(1).atStartOfDay();
            }
            return LocalDateTime.of(date, LocalTime.of(h, min, s)).plus(micros, ChronoUnit.MICROS);
        } catch (DateTimeException | NumberFormatException | ArithmeticException e) {
            throw new EvaluationException("date/time field value out of range: \"" + text + "\"");
        }
    }

    private static ZoneOffset offset(String zone, String text) throws EvaluationException {
        if (zone == null) {
            throw new EvaluationException("timestamp with time zone without offset: \"" + text + "\"");
        }
        if (zone.equals("Z")) {
            return ZoneOffset.UTC;
        }
        String digits = zone.substring(1).replace(":", "");
        int h = Integer.parseInt(digits.substring(0, Math.min(2, digits.length())));
        int m = digits.length() >= 4 ? Integer.parseInt(digits.substring(2, 4)) : 0;
        int s = digits.length() >= 6 ? Integer.parseInt(digits.substring(4, 6)) : 0;
        int sign = zone.charAt(0) == '-' ? -1 : 1;
        return ZoneOffset.ofTotalSeconds(sign * (h * 3600 + m * 60 + s));
    }

    public static String formatDate(LocalDate d) {
        if (d.equals(LocalDate.MAX)) {
            return "infinity";
        }
        if (d.equals(LocalDate.MIN)) {
            return "-infinity";
        }
        int y = d.getYear();
        boolean bc = y <= 0;
        return String.format(Locale.ROOT, "%04d-%02d-%02d%s", bc ? 1 - y : y, d.getMonthValue(), d.getDayOfMonth(),
                bc ? " BC" : "");
    }

    public static String formatTimestamp(LocalDateTime t) {
        if (t.equals(LocalDateTime.MAX)) {
            return "infinity";
        }
        if (t.equals(LocalDateTime.MIN)) {
            return "-infinity";
        }
        int y = t.getYear();
        boolean bc = y <= 0;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%04d-%02d-%02d %02d:%02d:%02d",
                bc ? 1 - y : y, t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond()));
        int micros = t.getNano() / 1000;
        if (micros != 0) {
            String frac = String.format(Locale.ROOT, "%06d", micros);
            b.append('.').append(frac.replaceAll("0+$", ""));
        }
        return b.append(bc ? " BC" : "").toString();
    }

    /** Applies a {@code timestamp(p)} modifier: rounds to p fractional digits, half away from 2000-01-01 like PostgreSQL. */
    public static LocalDateTime roundToPrecision(LocalDateTime t, int precision) {
        if (precision < 0 || precision >= 6 || t.equals(LocalDateTime.MAX) || t.equals(LocalDateTime.MIN)) {
            return t;
        }
        long micros = ChronoUnit.MICROS.between(EPOCH_2000, t);
        long scale = (long) Math.pow(10, 6 - precision);
        long offset = scale / 2;
        long rounded = micros >= 0 ? ((micros + offset) / scale) * scale : -(((-micros) + offset) / scale) * scale;
        return EPOCH_2000.plus(rounded, ChronoUnit.MICROS);
    }

    /** {@code date + integer} (and {@code date - integer} with the days negated): infinite dates stay. */
    public static LocalDate plusDays(LocalDate d, long days) throws EvaluationException {
        if (d.equals(LocalDate.MAX) || d.equals(LocalDate.MIN)) {
            return d;
        }
        try {
            LocalDate r = d.plusDays(days);
            if (!r.isBefore(MIN_DATE) && !r.isAfter(MAX_DATE)) {
                return r;
            }
        } catch (DateTimeException e) {
            // beyond Java's range: beyond PostgreSQL's too
        }
        throw new EvaluationException("date out of range");
    }

    /** {@code date - date}: the days between them, an integer. */
    public static long daysBetween(LocalDate a, LocalDate b) throws EvaluationException {
        if (a.equals(LocalDate.MAX) || a.equals(LocalDate.MIN) || b.equals(LocalDate.MAX) || b.equals(LocalDate.MIN)) {
            throw new EvaluationException("cannot subtract infinite dates");
        }
        return b.until(a, ChronoUnit.DAYS);
    }

    /**
     * {@code timestamp + interval} for an interval of {@code months}, {@code days} and {@code micros}
     * (PostgreSQL's timestamp_pl_interval: months first, the day clamped to the month's last, then days, then
     * the time); infinite timestamps stay.
     */
    public static LocalDateTime plusInterval(LocalDateTime t, long months, long days, long micros) throws EvaluationException {
        if (t.equals(LocalDateTime.MAX) || t.equals(LocalDateTime.MIN)) {
            return t;
        }
        try {
            LocalDateTime r = checkTimestamp(t.plusMonths(months));
            r = checkTimestamp(r.plusDays(days));
            return checkTimestamp(r.plus(micros, ChronoUnit.MICROS));
        } catch (DateTimeException | ArithmeticException e) {
            throw new EvaluationException("timestamp out of range");
        }
    }

    private static LocalDateTime checkTimestamp(LocalDateTime t) throws EvaluationException {
        if (t.isBefore(MIN_TIMESTAMP) || !t.isBefore(END_TIMESTAMP)) {
            throw new EvaluationException("timestamp out of range");
        }
        return t;
    }

    public static LocalDateTime toTimestamp(LocalDate d) {
        if (d.equals(LocalDate.MAX)) {
            return LocalDateTime.MAX;
        }
        return d.equals(LocalDate.MIN) ? LocalDateTime.MIN : d.atStartOfDay();
    }

    public static LocalDate toDate(LocalDateTime t) {
        if (t.equals(LocalDateTime.MAX)) {
            return LocalDate.MAX;
        }
        return t.equals(LocalDateTime.MIN) ? LocalDate.MIN : t.toLocalDate();
    }
}
