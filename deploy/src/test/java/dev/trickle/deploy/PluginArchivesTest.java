package dev.trickle.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The connector plugin archives as a Connect user installs them: one directory with a Confluent-Hub-style
 * manifest.json, lib/ with the connector and only what the worker does not provide, etc/ with the config template.
 */
class PluginArchivesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"source", "sink"})
    void archiveIsOneDirectoryWithManifestLibEtcAndDoc(String kind) throws IOException {
        Path zip = Repo.pluginArchive(kind);
        String top = "trickle-" + kind + "-connector-" + Repo.version() + "/";
        try (ZipFile z = new ZipFile(zip.toFile())) {
            List<String> names = z.stream().map(ZipEntry::getName).toList();
            List<String> outside = names.stream().filter(n -> !n.startsWith(top)).toList();
            assertEquals(List.of(), outside, "everything in " + zip.getFileName() + " is under " + top);
            Set<String> dirs = names.stream().map(n -> n.substring(top.length()))
                    .filter(n -> n.contains("/")).map(n -> n.substring(0, n.indexOf('/')))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(Set.of("lib", "etc", "doc"), dirs, "the directories of " + top);
            assertTrue(names.contains(top + "manifest.json"), top + "manifest.json");
            assertTrue(names.contains(top + "doc/README.md"), top + "doc/README.md");

            String template = read(z, top + "etc/" + kind + "-connector.json");
            assertEquals(Files.readString(Repo.root().resolve("config/" + kind + "-connector.json")), template,
                    "etc/ carries config/" + kind + "-connector.json as it is");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"source", "sink"})
    void manifestNamesTheConnectorLikeAConfluentHubArchive(String kind) throws IOException {
        try (ZipFile z = new ZipFile(Repo.pluginArchive(kind).toFile())) {
            JsonNode m = JSON.readTree(read(z, "trickle-" + kind + "-connector-" + Repo.version() + "/manifest.json"));
            assertEquals("trickle-" + kind + "-connector", m.path("name").asText());
            assertEquals(Repo.version(), m.path("version").asText());
            assertEquals("trickle", m.path("owner").path("username").asText());
            assertEquals(List.of(kind), stream(m.path("component_types")).map(JsonNode::asText).toList());
            assertTrue(m.path("title").asText().startsWith("Trickle " + kind + " connector"), m.path("title").asText());
            assertTrue(m.path("description").asText().length() > 40, "a description: " + m.path("description"));
            assertTrue(m.path("release_date").asText().matches("\\d{4}-\\d{2}-\\d{2}"), "release_date " + m.path("release_date"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"source", "sink"})
    void libHoldsTheConnectorAndItsDependenciesButNothingTheWorkerProvides(String kind) throws IOException {
        Set<String> workerJars = Files.list(Repo.kafkaWorkerLibs()).map(p -> p.getFileName().toString())
                .collect(Collectors.toSet());
        String lib = "trickle-" + kind + "-connector-" + Repo.version() + "/lib/";
        try (ZipFile z = new ZipFile(Repo.pluginArchive(kind).toFile())) {
            Map<String, ZipEntry> jars = new TreeMap<>();
            z.stream().filter(e -> e.getName().startsWith(lib) && e.getName().endsWith(".jar"))
                    .forEach(e -> jars.put(e.getName().substring(lib.length()), e));
            for (String expected : List.of("trickle-" + kind + "-connector-" + Repo.version() + ".jar",
                    "trickle-core-" + Repo.version() + ".jar")) {
                assertTrue(jars.containsKey(expected), "lib/ has " + expected + ": " + jars.keySet());
            }
            assertTrue(jars.keySet().stream().anyMatch(n -> n.startsWith("postgresql-")), "lib/ has the JDBC driver: " + jars.keySet());
            List<String> provided = jars.keySet().stream().filter(workerJars::contains).toList();
            assertEquals(List.of(), provided, "jars a Connect worker has already (Kafka's own libs) are left out");
            List<String> kafkaClasses = new ArrayList<>();
            for (Map.Entry<String, ZipEntry> jar : jars.entrySet()) {
                for (String cls : classes(z, jar.getValue())) {
                    if (cls.startsWith("org/apache/kafka/") || cls.startsWith("org/slf4j/")) {
                        kafkaClasses.add(jar.getKey() + "!" + cls);
                    }
                }
            }
            assertEquals(List.of(), kafkaClasses.stream().limit(5).toList(),
                    "no jar carries Kafka or slf4j classes (Connect loads those from the worker whatever a plugin has)");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"source", "sink"})
    void connectorJarListsTheConnectorForServiceLoaderDiscovery(String kind) throws IOException {
        String top = "trickle-" + kind + "-connector-" + Repo.version() + "/";
        String service = "META-INF/services/org.apache.kafka.connect." + kind + "." + (kind.equals("source") ? "Source" : "Sink")
                + "Connector";
        String connectorClass = "dev.trickle." + kind + ".Trickle" + (kind.equals("source") ? "Source" : "Sink") + "Connector";
        try (ZipFile z = new ZipFile(Repo.pluginArchive(kind).toFile());
             JarInputStream jar = new JarInputStream(z.getInputStream(z.getEntry(top + "lib/trickle-" + kind + "-connector-"
                     + Repo.version() + ".jar")))) {
            String listed = null;
            for (JarEntry e; (e = jar.getNextJarEntry()) != null; ) {
                if (e.getName().equals(service)) {
                    listed = new String(jar.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
            assertTrue(listed != null && listed.lines().anyMatch(l -> l.trim().equals(connectorClass)),
                    service + " lists " + connectorClass + " (plugin.discovery=service_load finds it): " + listed);
        }
    }

    private static List<String> classes(ZipFile z, ZipEntry jarEntry) throws IOException {
        List<String> out = new ArrayList<>();
        try (JarInputStream jar = new JarInputStream(z.getInputStream(jarEntry))) {
            for (JarEntry e; (e = jar.getNextJarEntry()) != null; ) {
                if (e.getName().endsWith(".class")) {
                    out.add(e.getName());
                }
            }
        }
        return out;
    }

    private static String read(ZipFile z, String name) throws IOException {
        ZipEntry e = z.getEntry(name);
        assertTrue(e != null, name + " is in the archive");
        try (InputStream in = z.getInputStream(e)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out.stream();
    }
}
