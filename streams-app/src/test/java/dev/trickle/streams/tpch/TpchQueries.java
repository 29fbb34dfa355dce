package dev.trickle.streams.tpch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The 22 TPC-H queries (clause 2.4) with the spec's default substitution parameters (clause 2.4.x.3), in
 * the form of a stream table's defining query, from {@code src/test/resources/tpch/qNN.sql}:
 *
 * <ul>
 *   <li>date arithmetic is precomputed ({@code date '1998-12-01' - interval '90' day} is
 *       {@code date '1998-09-02'});</li>
 *   <li>the final ORDER BY is gone (a table has no order), except in the top-K queries Q2, Q3, Q10, Q18 and
 *       Q21, which keep ORDER BY … LIMIT; where their sort keys can tie, the group key is added as a last
 *       sort key so that the top K rows are determined;</li>
 *   <li>Q15's view {@code revenue0} is a CTE;</li>
 *   <li>Q11's FRACTION is the spec's 0.0001 / SF for the data's scale factor.</li>
 * </ul>
 */
public final class TpchQueries {
    public static final int COUNT = 22;

    private TpchQueries() {
    }

    /** Query {@code n} (1–22) for data at scale factor {@code sf}, without its comment lines. */
    public static String query(int n, double sf) {
        String fraction = new BigDecimal("0.0001").divide(BigDecimal.valueOf(sf), MathContext.DECIMAL64)
                .stripTrailingZeros().toPlainString();
        return resource(n).lines().filter(l -> !l.strip().startsWith("--")).collect(Collectors.joining("\n"))
                .replace("${FRACTION}", fraction);
    }

    /** The query's title, from the first comment line of its file. */
    public static String title(int n) {
        return resource(n).lines().findFirst().orElse("").replaceFirst("^--\\s*", "");
    }

    public static IntStream numbers() {
        return IntStream.rangeClosed(1, COUNT);
    }

    private static String resource(int n) {
        String name = String.format("/tpch/q%02d.sql", n);
        try (InputStream in = TpchQueries.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no TPC-H query " + n + " (" + name + ")");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
