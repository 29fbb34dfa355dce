package dev.trickle.core.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

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
