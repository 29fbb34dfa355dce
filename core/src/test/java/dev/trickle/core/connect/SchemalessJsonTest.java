package dev.trickle.core.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

/**
 * SchemalessJson must read exactly what JsonConverter without schemas reads (the streams app uses it in the
 * converter's place), and leave to the converter whatever is not a plain JSON object.
 */
class SchemalessJsonTest {
    private static final JsonConverter JSON = new JsonConverter();

    static {
        JSON.configure(Map.of("schemas.enable", "false"), false);
    }

    @Test
    void readsTheConverterValuesOfPlainObjects() {
        for (String doc : new String[] {
            "{}", "{\"a\": null}", "{\"kind\": \"row\", \"tick\": 12, \"weight\": -1, \"row\": {\"id\": 3, \"amount\": \"12.50\"}}",
            "{\"f\": 0.1, \"g\": -0.0, \"h\": 1e300, \"i\": 5e-324, \"j\": 1.2345678901234567890123, \"k\": 1E2}",
            "{\"l\": -9223372036854775808, \"m\": 9223372036854775807, \"n\": true, \"o\": false}",
            "{\"s\": \"tab\\t \\\"q\\\" \\u00e9 \\u2603 \\ud83d\\ude00\", \"e\": \"\"}",
            "{\"arr\": [1, \"x\", null, [2.5, {\"z\": []}], {}], \"dup\": 1, \"dup\": 2}",
            "  {\"spaces\" :\n 1 }  \n"}) {
            assertEquals(JSON.toConnectData("t", bytes(doc)).value(), SchemalessJson.read(bytes(doc)), doc);
        }
    }

    @Test
    void leavesEverythingElseToTheConverter() {
        for (String doc : new String[] {"", "null", "[1]", "\"text\"", "12", "{\"a\": 1} trailing", "{\"a\": 1}{}",
            "{\"a\": 007}", "{\"big\": 9223372036854775808}", "{\"a\": NaN}", "{\"a\": 1", "{\"a\": [1, }", "not json"}) {
            assertSame(SchemalessJson.OTHER, SchemalessJson.read(bytes(doc)), doc);
        }
        assertSame(SchemalessJson.OTHER, SchemalessJson.read(null));
    }

    @Test
    void randomDocumentsReadAsTheConverterReadsThem() {
        Random random = new Random(20261207);
        for (int n = 0; n < 2000; n++) {
            String doc = object(random, 0);
            assertEquals(JSON.toConnectData("t", bytes(doc)).value(), SchemalessJson.read(bytes(doc)), doc);
        }
    }

    @Test
    void stringsNumbersAndUtf8ReadAsTheConverterReadsThem() {
        StringBuilder all = new StringBuilder();
        for (int c = 1; c < 0x800; c++) {
            all.append((char) c);
        }
        String text = all.append("\u2603\uFFFF\uD83D\uDE00\uDBFF\uDFFF").toString();
        for (String doc : new String[] {
            "{\"raw\": \"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replaceAll("[\\x00-\\x1f]", " ") + "\"}",
            "{\"esc\": \"\\b\\f\\n\\r\\t\\/\\\\\\\"\\u0000\\u001F\\uabcd\\uD83D\\uDE00\\uD800 \\uDC00\"}",
            "{\"\\u006eame\": 1, \"\u00e9\u2603\": 2}",
            "{\"n\": [0, -0, 1.5e3, 1E-3, -2.5E+2, 123456789012345678, 0.000001]}"}) {
            assertEquals(JSON.toConnectData("t", bytes(doc)).value(), SchemalessJson.read(bytes(doc)), doc);
        }
    }

    /** Random documents with bytes changed: whatever is read here, the converter reads as the same value. */
    @Test
    void mutatedDocumentsAreReadAsTheConverterReadsThemOrLeftToIt() {
        Random random = new Random(14);
        int read = 0;
        for (int n = 0; n < 20_000; n++) {
            byte[] doc = bytes(object(random, 0));
            for (int k = random.nextInt(3); k >= 0 && doc.length > 0; k--) {
                doc[random.nextInt(doc.length)] = MUTATIONS[random.nextInt(MUTATIONS.length)];
            }
            Object value = SchemalessJson.read(doc);
            if (value != SchemalessJson.OTHER) {
                read++;
                assertEquals(JSON.toConnectData("t", doc).value(), value, new String(doc, StandardCharsets.UTF_8));
            }
        }
        assertTrue(read > 500, read + " documents read"); // the rest has mutations that break it
    }

    private static final byte[] MUTATIONS = {'"', '\\', '{', '}', '[', ']', ',', ':', '0', '-', '.', 'e', 'u', ' ',
        '\n', 0, 0x1f, (byte) 0x80, (byte) 0xC0, (byte) 0xE2, (byte) 0xED, (byte) 0xF4, (byte) 0xF5, (byte) 0xFF, 'n', 't'};

    private static String object(Random r, int depth) {
        StringBuilder b = new StringBuilder("{");
        int fields = r.nextInt(depth == 0 ? 8 : 4);
        for (int i = 0; i < fields; i++) {
            b.append(i == 0 ? "" : ",").append("\"f").append(r.nextInt(6)).append("\":").append(value(r, depth + 1));
        }
        return b.append('}').toString();
    }

    private static String value(Random r, int depth) {
        return switch (r.nextInt(depth > 3 ? 7 : 9)) {
            case 0 -> "null";
            case 1 -> Boolean.toString(r.nextBoolean());
            case 2 -> Long.toString(r.nextLong() >> r.nextInt(64));
            case 3 -> Double.toString(Double.longBitsToDouble(r.nextLong())).replace("Infinity", "1").replace("NaN", "2");
            case 4 -> r.nextInt(1000) + "." + r.nextInt(1000) + (r.nextBoolean() ? "e" + (r.nextInt(600) - 300) : "");
            case 5 -> "\"" + "aé\\n\\u0041☃".substring(0, r.nextInt(9)).replaceAll("\\\\(u\\d{0,3})?$", "") + "\"";
            case 6 -> "-0.0";
            case 7 -> "[" + value(r, depth + 1) + "," + value(r, depth + 1) + "]";
            default -> object(r, depth);
        };
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
