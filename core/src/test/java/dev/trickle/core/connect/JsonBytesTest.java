package dev.trickle.core.connect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** JsonBytes writes what Jackson's generator writes (the oracle: an ObjectMapper with its defaults). */
class JsonBytesTest {
    private static final ObjectMapper JACKSON = new ObjectMapper();

    @Test
    void everyCharacterOutsideTheSurrogatesIsWrittenAsJacksonWritesIt() throws Exception {
        for (int c = 0; c < 0x10000; c++) {
            if (Character.isSurrogate((char) c)) {
                continue;
            }
            String s = "a" + (char) c + "b";
            assertArrayEquals(JACKSON.writeValueAsBytes(s), string(s), () -> "U+" + Integer.toHexString(s.charAt(1)));
        }
        for (int cp = 0x10000; cp <= 0x10FFFF; cp += 0x1F3) {
            String s = new StringBuilder().appendCodePoint(cp).append('x').appendCodePoint(0x10FFFF).toString();
            assertArrayEquals(JACKSON.writeValueAsBytes(s), string(s),
                    () -> "U+" + Integer.toHexString(s.codePointAt(0)));
        }
    }

    @Test
    void surrogatesPairedOrNotAreWrittenAsJacksonWritesThem() throws Exception {
        for (String s : new String[] {"\uD800", "x\uDC00", "\uD83D\uD83D", "\uDE00\uD83D", "end\uD83D", "\uD83D\uDE00",
            "\uDBFF\uDFFF"}) {
            assertArrayEquals(JACKSON.writeValueAsBytes(s), string(s), s);
        }
    }

    @Test
    void numbersAreWrittenAsJacksonWritesThem() throws Exception {
        Random r = new Random(14);
        double[] special = {0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.1, 1e22, 1e-7,
            5e-324, Double.MAX_VALUE, 123456789012345.0};
        List<Double> doubles = new ArrayList<>();
        Arrays.stream(special).forEach(doubles::add);
        for (int i = 0; i < 2000; i++) {
            doubles.add(Double.longBitsToDouble(r.nextLong()));
        }
        for (double d : doubles) {
            JsonBytes out = new JsonBytes(4);
            out.number(d);
            assertArrayEquals(JACKSON.writeValueAsBytes(d), out.toByteArray(), () -> Double.toString(d));
            float f = (float) d;
            JsonBytes outF = new JsonBytes(4);
            outF.number(f);
            assertArrayEquals(JACKSON.writeValueAsBytes(f), outF.toByteArray(), () -> Float.toString(f));
        }
        for (long l : new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MIN_VALUE, r.nextLong()}) {
            JsonBytes out = new JsonBytes(4);
            out.number(l);
            assertArrayEquals(JACKSON.writeValueAsBytes(l), out.toByteArray());
        }
    }

    @Test
    void aListOfStringsIsWrittenAsAnObjectMapperWritesIt() throws Exception {
        for (List<String> key : List.<List<String>>of(List.of(), List.of("1"),
                Arrays.asList("a\"b", null, "\t\u00e9\u2603\uD83D\uDE00\uD800"),
                Arrays.asList((String) null), List.of("", "\\", "\u0000\u001f\u007f"))) {
            assertEquals(JACKSON.writeValueAsString(key), JsonBytes.stringArray(key), key::toString);
        }
    }

    private static byte[] string(String s) {
        JsonBytes out = new JsonBytes(1);
        out.string(s);
        return out.toByteArray();
    }
}
