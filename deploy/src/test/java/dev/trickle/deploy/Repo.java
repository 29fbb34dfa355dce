package dev.trickle.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Where the tests find the repository's deployment files and what the build made (paths set by the module's POM). */
public final class Repo {
    private Repo() {
    }

    public static Path root() {
        return Path.of(System.getProperty("trickle.repo.root", "..")).toAbsolutePath().normalize();
    }

    static String version() {
        String v = System.getProperty("trickle.version");
        if (v == null) {
            throw new IllegalStateException("system property trickle.version is not set: run the tests through Maven");
        }
        return v;
    }

    public static Path composeFile() {
        return root().resolve("docker-compose.yml");
    }

    /** {@code source} or {@code sink}. */
    static String moduleOf(String kind) {
        return kind + "-connector";
    }

    /**
     * The plugin archive that module {@code kind}-connector built in its package phase. A test run that stopped
     * before package ({@code mvn test}) has none: the test is skipped then, and fails if the module was packaged
     * without its archive.
     */
    static Path pluginArchive(String kind) {
        Path target = root().resolve(moduleOf(kind)).resolve("target");
        String name = "trickle-" + kind + "-connector-" + version();
        Path zip = target.resolve("plugin").resolve(name + ".zip");
        if (!Files.isRegularFile(zip)) {
            Assumptions.assumeTrue(Files.isRegularFile(target.resolve(name + ".jar")),
                    "the plugin archives are built in the package phase: run mvn verify (or package) to test them");
            throw new AssertionError(moduleOf(kind) + " was packaged but " + zip + " is missing");
        }
        return zip;
    }

    /** Kafka Connect's own jars (connect-runtime and its dependencies), copied by the module's POM: no Trickle jar. */
    static Path kafkaWorkerLibs() {
        Path dir = Path.of(System.getProperty("trickle.kafka.worker.libs", "target/kafka-worker-libs"));
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException(dir + " is missing: it is copied in generate-test-resources; run the tests through Maven");
        }
        return dir;
    }
}
