package dev.trickle.streams.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.streams.fuzz.CaseRunner.Kind;
import dev.trickle.streams.fuzz.CaseRunner.Outcome;
import dev.trickle.streams.plan.FuzzAccess;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays every kept case under {@code src/test/resources/regressions/} (shrunk failures of {@link FuzzTest},
 * in {@link FuzzCase}'s file form): the stream table must equal the query run by PostgreSQL after every tick.
 */
class RegressionTest {
    private static FuzzAccess db;

    @BeforeAll
    static void create() throws Exception {
        db = FuzzAccess.create("regressions");
    }

    @AfterAll
    static void close() throws Exception {
        db.close();
    }

    static Stream<String> files() throws IOException, URISyntaxException {
        Path dir = Path.of(RegressionTest.class.getResource("/regressions").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".sql")).sorted().toList();
            return names.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void keptCaseEqualsPostgresqlAfterEveryTick(String file) throws Exception {
        String text = new String(RegressionTest.class.getResourceAsStream("/regressions/" + file).readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        FuzzCase c = FuzzCase.parse(text);
        Outcome o = new CaseRunner(db).run(c);
        assertEquals(new Outcome(Kind.PASS, null), o, file + ":\n" + text);
    }
}
