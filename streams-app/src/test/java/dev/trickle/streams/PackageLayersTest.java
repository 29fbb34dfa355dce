package dev.trickle.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine's packages form layers, read bottom up: {@code rows} (the row, its codec, the Z-set),
 * {@code operators} and {@code sql} on it, {@code plan} on those, {@code runtime} on top. A class that
 * reaches up a layer (say an operator that imports {@code plan}) makes a cycle that hides which way the
 * code flows; this test names the file and the reference that does it. It reads the main sources'
 * references to {@code dev.trickle.streams.<package>} (imports and qualified names), so that it needs no
 * architecture library.
 */
class PackageLayersTest {
    private static final Path MAIN = Path.of("src/main/java/dev/trickle/streams");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.trickle\\.streams\\.([a-z]+)\\.");
    /** Which packages each engine package may use (subpackages count as their top package). */
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "rows", Set.of(),
            "operators", Set.of("rows"),
            "sql", Set.of("rows"),
            "plan", Set.of("rows", "operators", "sql"));

    @Test
    void enginePackagesOnlyUseTheLayersBelowThem() {
        List<String> violations = new ArrayList<>();
        Map<String, Set<String>> uses = uses(violations);
        assertTrue(violations.isEmpty(), "references that go against the layers rows ← operators, sql ← plan:\n"
                + String.join("\n", violations));
        assertEquals(Set.of(), findCycle(uses), "a cycle among the engine's packages");
    }

    @Test
    void theScanSeesTheLayersItChecks() {
        // a test that read no files would pass whatever the code did
        Map<String, Set<String>> uses = uses(new ArrayList<>());
        assertTrue(uses.get("plan").containsAll(Set.of("rows", "operators", "sql")), uses.toString());
        assertTrue(uses.get("operators").contains("rows"), uses.toString());
    }

    private static Map<String, Set<String>> uses(List<String> violations) {
        Map<String, Set<String>> uses = new TreeMap<>();
        for (String pkg : ALLOWED.keySet()) {
            Set<String> used = uses.computeIfAbsent(pkg, k -> new TreeSet<>());
            for (Path file : javaFiles(MAIN.resolve(pkg))) {
                Matcher m = REFERENCE.matcher(read(file));
                while (m.find()) {
                    String target = m.group(1);
                    if (target.equals(pkg)) {
                        continue;
                    }
                    used.add(target);
                    if (!ALLOWED.get(pkg).contains(target)) {
                        violations.add(MAIN.relativize(file) + " uses dev.trickle.streams." + target);
                    }
                }
            }
        }
        return uses;
    }

    /** The packages on one cycle of {@code uses}, empty when there is none. */
    private static Set<String> findCycle(Map<String, Set<String>> uses) {
        for (String start : uses.keySet()) {
            Set<String> onPath = new TreeSet<>();
            if (reaches(start, start, uses, onPath)) {
                return onPath;
            }
        }
        return Set.of();
    }

    private static boolean reaches(String from, String goal, Map<String, Set<String>> uses, Set<String> onPath) {
        for (String next : uses.getOrDefault(from, Set.of())) {
            if (next.equals(goal)) {
                onPath.add(from);
                return true;
            }
            if (onPath.add(next) && reaches(next, goal, uses, onPath)) {
                onPath.add(from);
                return true;
            }
        }
        return false;
    }

    private static List<Path> javaFiles(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
