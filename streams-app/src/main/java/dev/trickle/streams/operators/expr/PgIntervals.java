package dev.trickle.streams.operators.expr;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL's interval input in its own style ({@code '1 day'}, {@code '@ 1 year 2 mons ago'},
 * {@code '1.5 hours'}, {@code '1 day 04:05:06.5'}) as months, days and microseconds, with DecodeInterval's
 * rules for fractions: a fraction of a year becomes months (rounded), of a month 30-day days, of a week or a
 * day days and then microseconds, of the smaller units microseconds (rounded). Other input styles (ISO
 * 8601 {@code P1D}, SQL standard {@code '1-2'}) give null: the caller refuses them.
 */
public final class PgIntervals {
    /** An interval's fields; they are added to a timestamp in this order. */
    public record Interval(long months, long days, long micros) {
        public Interval negate() {
            return new Interval(-months, -days, -micros);
        }
    }

    private static final Pattern FIELD = Pattern.compile(
            "\\s*(?:([+-]?\\d+):(\\d+)(?::(\\d+(?:\\.\\d*)?))?|([+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+))\\s*([a-z]*))\\s*");
    private static final long USECS_PER_DAY = 86_400_000_000L;

    private PgIntervals() {
    }

    /** The interval {@code text} denotes, or null when it is not in PostgreSQL's own input style. */
    public static Interval parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("@")) {
            t = t.substring(1);
        }
        boolean ago = t.endsWith(" ago") || t.equals("ago");
        if (ago) {
            t = t.substring(0, t.length() - 3);
        }
        long[] fields = new long[3];
        Matcher m = FIELD.matcher(t);
        int at = 0;
        boolean any = false;
        while (at < t.length()) {
            if (!m.find(at) || m.start() != at || m.end() == at) {
                return null;
            }
            if (!(m.group(1) != null ? time(m, fields) : unit(m.group(4), m.group(5), fields))) {
                return null;
            }
            any = true;
            at = m.end();
        }
        if (!any) {
            return null;
        }
        Interval i = new Interval(fields[0], fields[1], fields[2]);
        return ago ? i.negate() : i;
    }

    /** {@code [-]h:mm[:ss[.fff]]}: the sign applies to the whole time. */
    private static boolean time(Matcher m, long[] fields) {
        long hours = Long.parseLong(m.group(1));
        long minutes = Long.parseLong(m.group(2));
        double seconds = m.group(3) == null ? 0 : Double.parseDouble(m.group(3));
        long micros = Math.abs(hours) * 3_600_000_000L + minutes * 60_000_000L + (long) Math.rint(seconds * 1_000_000);
        fields[2] += m.group(1).startsWith("-") ? -micros : micros;
        return true;
    }

    /** A number and its unit (a bare number is seconds). */
    private static boolean unit(String number, String unitText, long[] fields) {
        double value = Double.parseDouble(number);
        long whole = (long) value;
        double fraction = value - whole;
        PgDateParts.Unit unit = unitText.isEmpty() ? PgDateParts.Unit.SECOND : PgDateParts.unit(unitText, false);
        if (unit == null) {
            return false;
        }
        switch (unit) {
            case MICROSECONDS -> fields[2] += micros(whole, fraction, 1);
            case MILLISECONDS -> fields[2] += micros(whole, fraction, 1_000);
            case SECOND -> fields[2] += micros(whole, fraction, 1_000_000);
            case MINUTE -> fields[2] += micros(whole, fraction, 60_000_000L);
            case HOUR -> fields[2] += micros(whole, fraction, 3_600_000_000L);
            case DAY -> fractionalDays(whole, fraction, 1, fields);
            case WEEK -> fractionalDays(whole * 7, fraction, 7, fields);
            case MONTH -> {
                fields[0] += whole;
                fractionalDays(0, fraction, 30, fields);
            }
            case YEAR -> years(whole, fraction, 1, fields);
            case DECADE -> years(whole, fraction, 10, fields);
            case CENTURY -> years(whole, fraction, 100, fields);
            case MILLENNIUM -> years(whole, fraction, 1000, fields);
            default -> {
                return false;
            }
        }
        return true;
    }

    private static long micros(long whole, double fraction, long scale) {
        return whole * scale + (long) Math.rint(fraction * scale);
    }

    /** PostgreSQL's AdjustFractDays: whole days, then the rest of the day as microseconds. */
    private static void fractionalDays(long days, double fraction, int scale, long[] fields) {
        double f = fraction * scale;
        long extra = (long) f;
        fields[1] += days + extra;
        fields[2] += (long) Math.rint((f - extra) * USECS_PER_DAY);
    }

    /** PostgreSQL's AdjustFractYears: a fraction of a year is a rounded number of months. */
    private static void years(long whole, double fraction, int scale, long[] fields) {
        fields[0] += whole * scale * 12 + (long) Math.rint(fraction * scale * 12);
    }
}
