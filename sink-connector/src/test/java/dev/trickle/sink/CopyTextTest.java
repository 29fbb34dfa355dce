package dev.trickle.sink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CopyTextTest {
    @Test
    void escapesWhatCopyInterprets() {
        CopyText text = new CopyText();
        byte[] line = text.line(Arrays.asList("a\tb", "c\\d", "e\nf\rg", null, "\\N", "ü"), 7, -2);
        assertArrayEquals("a\\tb\tc\\\\d\te\\nf\\rg\t\\N\t\\\\N\tü\t7\t-2\n".getBytes(StandardCharsets.UTF_8), line);
    }

    @Test
    void anEmptyStringIsNotNull() {
        assertEquals("\t1\t1\n", new String(new CopyText().line(List.of(""), 1, 1), StandardCharsets.UTF_8));
        assertEquals("1\t1\n", new String(new CopyText().line(List.of(), 1, 1), StandardCharsets.UTF_8));
    }

    @Test
    void aRecordColumnHoldsTheValuesAsARecordLiteralEscapedForCopy() {
        // record_in's quoting (every value quoted, quotes and backslashes doubled, NULL as nothing), then COPY's
        assertEquals("(\"a,b\",,\"\",\"q\"\"\\\\(\")", CopyText.recordLiteral(Arrays.asList("a,b", null, "", "q\"\\(")));
        assertEquals("1\t2\t-1\t(\"x\\ty\",\"\\\\\\\\\")\n", new String(new CopyText().line(List.of("1"),
                Arrays.asList("x\ty", "\\"), 2, -1), StandardCharsets.UTF_8));
        assertEquals("1\t2\t1\t\\N\n", new String(new CopyText().line(List.of("1"), null, 2, 1), StandardCharsets.UTF_8));
    }

    @Test
    void chunksFillUpToTheirSize() {
        CopyText.Chunker chunker = new CopyText.Chunker(10);
        assertTrue(chunker.isEmpty());
        assertFalse(chunker.add(new byte[6]));
        assertTrue(chunker.add(new byte[6]));
        assertEquals(12, chunker.take().length);
        assertTrue(chunker.isEmpty());
    }
}
