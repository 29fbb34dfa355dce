package dev.trickle.streams.rows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The ordered key encoding of texts: byte order is code point order, prefix-free, and it reads back. */
class KeyTextsTest {
    private static final Comparator<String> CODE_POINTS = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    @Test
    void keysCompareBytewiseAsTheirTextsByCodePoint() {
        List<String> texts = new ArrayList<>(List.of("", "\u0000", "\u0001", "\u0002", "a", "a\u0000", "a\u0001b", "ab",
                "b", "é", "\uFFFD", "𝄞", "\uE000", "z\u0000z", "10", "9"));
        Random random = new Random(7);
        String alphabet = "\u0000\u0001\u0002ab\u00e9\uE000\uD834\uDD1E";
        for (int n = 0; n < 300; n++) {
            StringBuilder b = new StringBuilder();
            for (int k = random.nextInt(5); k > 0; k--) {
                int at = random.nextInt(alphabet.length() - 1);
                if (Character.isHighSurrogate(alphabet.charAt(at))) {
                    b.append(alphabet, at, at + 2);
                } else if (!Character.isLowSurrogate(alphabet.charAt(at))) {
                    b.append(alphabet.charAt(at));
                }
            }
            texts.add(b.toString());
        }
        for (String x : texts) {
            for (String y : texts) {
                byte[] kx = KeyTexts.encode(List.of(x));
                byte[] ky = KeyTexts.encode(List.of(y));
                assertEquals(Integer.signum(CODE_POINTS.compare(x, y)), Integer.signum(KeyTexts.compare(kx, ky)),
                        () -> "order of " + Arrays.toString(x.toCharArray()) + " and " + Arrays.toString(y.toCharArray()));
                // prefix-free: one text's key never begins another's
                assertEquals(x.equals(y), KeyTexts.startsWith(ky, kx), () -> x + " / " + y);
                assertEquals(List.of(x), KeyTexts.readAll(new ByteReader(kx)));
            }
        }
    }

    @Test
    void nullIsAfterTheEmptyTextAndBeforeEveryOther() {
        byte[] empty = KeyTexts.encode(List.of(""));
        byte[] nul = KeyTexts.encode(Arrays.asList((String) null));
        byte[] zero = KeyTexts.encode(List.of("\u0000"));
        assertTrue(KeyTexts.compare(empty, nul) < 0);
        assertTrue(KeyTexts.compare(nul, zero) < 0);
        assertEquals(Arrays.asList(null, "", "x", null), KeyTexts.readAll(new ByteReader(
                KeyTexts.encode(Arrays.asList(null, "", "x", null)))));
    }

    @Test
    void listsArePrefixFreeSoAPrefixScanFindsExactlyOneList() {
        byte[] ab = KeyTexts.encode(List.of("a", "b"));
        byte[] a = KeyTexts.encode(List.of("a"));
        byte[] abc = KeyTexts.encode(List.of("ab", "c"));
        assertTrue(KeyTexts.startsWith(ab, a));
        assertFalse(KeyTexts.startsWith(abc, a), "\"ab\" does not begin with the key of \"a\"");
    }

    @Test
    void truncatedOrMalformedKeysAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ByteReader(new byte[] {'a', 'b'}).readKeyText());
        assertThrows(IllegalArgumentException.class, () -> new ByteReader(new byte[] {1, 7, 0}).readKeyText());
    }

    @Test
    void signedVarintsRoundTrip() {
        for (long v : new long[] {0, 1, -1, 63, -64, 64, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40, -(1L << 40)}) {
            ByteReader in = new ByteReader(new ByteWriter().writeSignedVarint(v).toByteArray());
            assertEquals(v, in.readSignedVarint());
            assertFalse(in.hasMore());
        }
        assertEquals(1, new ByteWriter().writeSignedVarint(-3).toByteArray().length);
    }
}
