package dev.trickle.streams.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.fuzz.CaseRunner.Kind;
import dev.trickle.streams.fuzz.CaseRunner.Outcome;
import dev.trickle.streams.plan.FuzzAccess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The generated-query differential suite: random schemas, rows, DML rounds and queries; after every tick
 * each query's stream table must equal the query run by PostgreSQL. Case {@code i} of a run is generated
 * from seed {@code base + i}; the base seed is printed, and {@code -Dtrickle.fuzz.seed=S -Dtrickle.fuzz.cases=1}
 * replays the case of seed S. A failing case is shrunk and written as a regression file (replayed on every
 * build by {@link RegressionTest}). Queries the engine refuses are counted by construct and printed.
 * Defaults: base seed 20261121, 80 cases of 5 queries (about two minutes on two cores);
 * {@code -Dtrickle.fuzz.seed=random} picks the base seed from the clock.
 */
class FuzzTest {
    static final String REPLAY = "mvn -B -o -q -pl streams-app -am verify -Dtest=FuzzTest -Dsurefire.failIfNoSpecifiedTests=false";
    private static final int QUERIES_PER_CASE = 5;
    private static final long SHRINK_BUDGET_MILLIS = 120_000;

    private record Failure(long seed, FuzzCase fuzzCase, Node query, String shape, String detail) {
    }

    private final Map<String, int[]> byShape = new TreeMap<>();
    private final Map<String, Integer> refusals = new TreeMap<>();
    private final Map<String, Integer> invalid = new TreeMap<>();
    /** One query per refusal or invalid kind, printed with the summary. */
    private final Map<String, String> examples = new TreeMap<>();

    @Test
    void generatedQueriesEqualPostgresqlAfterEveryTick() throws Exception {
        String seedProperty = System.getProperty("trickle.fuzz.seed", "20261121");
        long base = seedProperty.equals("random") ? System.currentTimeMillis() : Long.parseLong(seedProperty);
        int cases = Integer.getInteger("trickle.fuzz.cases", 80);
        System.out.printf("fuzz: base seed %d, %d cases; replay case i with: %s -Dtrickle.fuzz.seed=<base + i> -Dtrickle.fuzz.cases=1%n",
                base, cases, REPLAY);
        long start = System.currentTimeMillis();
        List<Failure> failures = new ArrayList<>();
        List<String> reports = new ArrayList<>();
        try (FuzzAccess db = FuzzAccess.create("fuzz")) {
            CaseRunner runner = new CaseRunner(db);
            for (int i = 0; i < cases; i++) {
                failures.addAll(runCase(runner, base + i));
            }
            System.out.printf("fuzz: %d cases in %d s%n", cases, (System.currentTimeMillis() - start) / 1000);
            summary();
            for (Failure f : failures.subList(0, Math.min(failures.size(), 3))) {
                reports.add(shrinkAndKeep(runner, f));
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " generated queries differ from PostgreSQL:\n" + String.join("\n", reports));
    }

    private List<Failure> runCase(CaseRunner runner, long seed) {
        Random r = new Random(seed);
        FuzzSchema schema = FuzzSchema.generate(r);
        List<String> rows = schema.rows(r);
        List<List<String>> rounds = schema.rounds(r, 3 + r.nextInt(4));
        FuzzCase data = new FuzzCase(schema.ddl(), rows, rounds, null);
        List<Failure> failures = new ArrayList<>();
        Outcome setUp = runner.setUp(data);
        if (setUp != null) {
            invalid.merge(setUp.detail(), 1, Integer::sum);
            return failures;
        }
        QueryGen queries = new QueryGen(r, schema);
        for (int q = 0; q < QUERIES_PER_CASE; q++) {
            QueryGen.Query query = queries.generate();
            FuzzCase c = data.withQuery(query.node().sql());
            Outcome o = runner.check(c);
            byShape.computeIfAbsent(query.shape(), s -> new int[Kind.values().length])[o.kind().ordinal()]++;
            switch (o.kind()) {
                case REFUSED -> {
                    refusals.merge(query.shape() + ": " + o.detail(), 1, Integer::sum);
                    examples.putIfAbsent(query.shape() + ": " + o.detail(), c.query());
                }
                case INVALID -> {
                    invalid.merge(o.detail(), 1, Integer::sum);
                    examples.putIfAbsent(o.detail(), c.query());
                }
                case FAIL -> {
                    System.out.printf("fuzz: seed %d query %d differs: %s%n  %s%n", seed, q, c.query(), o.detail());
                    failures.add(new Failure(seed, c, query.node(), query.shape(), o.detail()));
                }
                default -> {
                }
            }
        }
        return failures;
    }

    private void summary() {
        System.out.println("fuzz: outcomes by shape (pass / refused / invalid / fail):");
        byShape.forEach((shape, n) -> System.out.printf("  %-17s %4d %4d %4d %4d%n", shape, n[0], n[1], n[2], n[3]));
        System.out.println("fuzz: refused, by shape and construct:");
        refusals.forEach((k, n) -> System.out.printf("  %4d  %s%n          e.g. %s%n", n, k, examples.get(k)));
        if (!invalid.isEmpty()) {
            System.out.println("fuzz: invalid (generator) cases:");
            invalid.forEach((k, n) -> System.out.printf("  %4d  %s%n          e.g. %s%n", n, k, examples.get(k)));
        }
    }

    private String shrinkAndKeep(CaseRunner runner, Failure f) throws IOException {
        Shrinker shrinker = new Shrinker(c -> runner.run(c).failed(), SHRINK_BUDGET_MILLIS);
        FuzzCase small = shrinker.shrink(f.fuzzCase(), f.query());
        Outcome again = runner.run(small);
        Path dir = Path.of("src/test/resources/regressions");
        Path file = (Files.isDirectory(dir) ? dir : Files.createDirectories(Path.of("target/regressions")))
                .resolve("fuzz-" + f.seed() + "-" + f.shape() + ".sql");
        Files.writeString(file, small.toFile(List.of(
                "Found by FuzzTest (seed " + f.seed() + ", shape " + f.shape() + "), shrunk in " + shrinker.attempts() + " attempts.",
                "Replay the original: " + REPLAY + " -Dtrickle.fuzz.seed=" + f.seed() + " -Dtrickle.fuzz.cases=1")));
        return "seed " + f.seed() + " (" + f.shape() + "): " + f.detail() + "\n  shrunk to " + file.toAbsolutePath()
                + ":\n" + small.toFile(List.of()) + "  which fails with: " + again.detail()
                + "\n  replay: " + REPLAY + " -Dtrickle.fuzz.seed=" + f.seed() + " -Dtrickle.fuzz.cases=1";
    }
}
