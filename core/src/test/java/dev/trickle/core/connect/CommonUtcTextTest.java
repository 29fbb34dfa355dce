package dev.trickle.core.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The timestamptz conversions' shortcut for the common form: wherever it answers, its answer is the general
 * conversion's; where the general conversion fails, it does not answer.
 */
class CommonUtcTextTest {
    private static final String[] YEARS = {"0000", "0001", "0999", "1970", "2026", "9999"};
    private static final String[] MONTHS = {"00", "01", "02", "09", "12", "13", "1a"};
    private static final String[] DAYS = {"00", "01", "09", "28", "29", "30", "31", "32"};
    private static final String[] HOURS = {"00", "09", "23", "24", "99"};
    private static final String[] MINUTES_SECONDS = {"00", "05", "59", "60"};
    private static final String[] FRACTIONS = {"", ".", ".0", ".5", ".05", ".50", ".000000", ".123456", ".1234560",
            ".123456789", ".1234567891", ".00001", ".x1"};

    @Test
    void theCommonFormIsTakenAndConvertedAsTheGeneralConversionDoes() {
        assertEquals("2026-12-07 23:24:00.123456+00", CommonUtcText.fromIso("2026-12-07T23:24:00.123456Z"));
        assertEquals("2026-12-07 23:24:00.5+00", CommonUtcText.fromIso("2026-12-07T23:24:00.500Z"));
        assertEquals("2026-12-07 23:24:00+00", CommonUtcText.fromIso("2026-12-07T23:24:00.000Z"));
        assertEquals("2026-12-07T23:24:00.05Z", CommonUtcText.toIso("2026-12-07 23:24:00.05+00"));
        assertEquals("0001-01-01T00:00:00Z", CommonUtcText.toIso("0001-01-01 00:00:00+00"));
        for (String s : List.of("2026-12-29T23:24:00Z", "0000-01-01T00:00:00Z", "+10000-01-01T00:00:00Z",
                "2026-12-07T23:24:00+01:00", "infinity", "2026-12-07T24:00:00Z", "2026-12-07 23:24:00Z")) {
            assertNull(CommonUtcText.fromIso(s), s);
        }
        for (String s : List.of("2026-12-29 23:24:00+00", "2026-12-07 23:24:00.50+00", "2026-12-07 23:24:00+01",
                "2026-12-07 23:24:00+00:30", "0044-03-15 12:00:00+00 BC", "-infinity", "2026-12-07 23:24:00.1234567+00")) {
            assertNull(CommonUtcText.toIso(s), s);
        }
    }

    @Test
    void everyCombinationOfTheFieldsEdgesGivesTheGeneralConversionsAnswerOrNone() {
        int taken = 0;
        for (String y : YEARS) {
            for (String mo : MONTHS) {
                for (String d : DAYS) {
                    for (String h : HOURS) {
                        for (String mi : MINUTES_SECONDS) {
                            for (String f : FRACTIONS) {
                                String date = y + "-" + mo + "-" + d;
                                String time = h + ":" + mi + ":" + mi + f;
                                taken += check(date + "T" + time + "Z", CommonUtcText::fromIso,
                                        PgTemporalText::anyIsoToTimestamptz);
                                taken += check(date + " " + time + "+00", CommonUtcText::toIso,
                                        PgTemporalText::anyTimestamptzToIso);
                            }
                        }
                    }
                }
            }
        }
        // valid: 5 years, 4 months, 3 days, 3 hours, 3 minutes-and-seconds; 11 ISO fractions, 5 of PostgreSQL's
        assertEquals(5 * 4 * 3 * 3 * 3 * (11 + 5), taken,
                "the shortcut answered for every valid combination (years 1..9999, days to 28, times of day; "
                        + "ISO: fractions of up to 9 digits, PostgreSQL's: without trailing zeros)");
    }

    @Test
    void randomTextsAndTheirMutationsGiveTheGeneralConversionsAnswerOrNone() {
        Random random = new Random(20261207);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            long micros = random.nextLong(-62_135_596_800_000_000L, 253_402_300_799_999_999L); // years 1..9999
            micros -= random.nextInt(4) == 0 ? Math.floorMod(micros, 1_000_000L) : 0; // whole seconds too
            String pg = PgTemporalText.formatTimestamp(micros) + "+00";
            String iso = PgTemporalText.anyTimestamptzToIso(pg);
            assertEquals(pg, PgTemporalText.isoToTimestamptz(PgTemporalText.timestamptzToIso(pg)), "round trip");
            texts.add(pg);
            texts.add(iso);
            texts.add(mutate(random, pg));
            texts.add(mutate(random, iso));
        }
        for (String t : texts) {
            check(t, CommonUtcText::fromIso, PgTemporalText::anyIsoToTimestamptz);
            check(t, CommonUtcText::toIso, PgTemporalText::anyTimestamptzToIso);
        }
    }

    private static String mutate(Random random, String s) {
        char[] c = s.toCharArray();
        String alphabet = "0123456789-: T.Z+x";
        c[random.nextInt(c.length)] = alphabet.charAt(random.nextInt(alphabet.length()));
        return new String(c);
    }

    /** 1 when the shortcut answered (then equal to the general conversion, which must not fail), else 0. */
    private static int check(String text, Function<String, String> shortcut, Function<String, String> general) {
        String fast = shortcut.apply(text);
        if (fast == null) {
            return 0;
        }
        String slow;
        try {
            slow = general.apply(text);
        } catch (RuntimeException e) {
            fail("the shortcut answered \"" + fast + "\" for \"" + text + "\", which the general conversion refuses: " + e);
            return 0;
        }
        assertNotNull(slow);
        assertEquals(slow, fast, text);
        return 1;
    }
}
