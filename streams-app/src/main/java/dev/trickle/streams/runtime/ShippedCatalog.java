package dev.trickle.streams.runtime;

import dev.trickle.core.catalog.CatalogInstaller;
import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Whether the database holds every catalog migration this app carries, so that a restart can skip Flyway: loading
 * and running it takes 1.5 s of a restart on an idle 2-core machine and over 10 s on a busy one, while after a crash
 * the catalog is nearly always current (docs/consistency.md, Recovery). When in doubt (no history table, a version
 * missing, a migration failed, the list unreadable) the answer is no, and the app runs Flyway as before.
 */
final class ShippedCatalog {
    private static final String DIR = "db/migration";
    private static final Pattern VERSIONED = Pattern.compile("(?:.*/)?V([0-9_.]+)__[^/]*\\.sql");

    private ShippedCatalog() {
    }

    static boolean installed(Connection c) {
        Set<String> shipped = versions();
        if (shipped.isEmpty()) {
            return false;
        }
        Set<String> applied = new HashSet<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version, success FROM pgtrickle.pgt_schema_history "
                     + "WHERE version IS NOT NULL")) {
            while (rs.next()) {
                if (!rs.getBoolean(2)) {
                    return false; // a failed migration: Flyway says what to do
                }
                applied.add(normalize(rs.getString(1)));
            }
        } catch (SQLException e) {
            return false;
        }
        return applied.containsAll(shipped);
    }

    /** Versions of the versioned migrations on the classpath, next to the catalog installer's, normalised. */
    static Set<String> versions() {
        Set<String> versions = new HashSet<>();
        try {
            URL dir = CatalogInstaller.class.getClassLoader().getResource(DIR);
            if (dir == null) {
                return versions;
            }
            for (String name : names(dir)) {
                Matcher m = VERSIONED.matcher(name);
                if (m.matches()) {
                    versions.add(normalize(m.group(1)));
                }
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            versions.clear();
        }
        return versions;
    }

    private static Set<String> names(URL dir) throws IOException, URISyntaxException {
        Set<String> names = new HashSet<>();
        if ("file".equals(dir.getProtocol())) {
            try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
                files.forEach(f -> names.add(f.getFileName().toString()));
            }
            return names;
        }
        URLConnection connection = dir.openConnection();
        if (connection instanceof JarURLConnection jar) {
            jar.setUseCaches(false);
            try (JarFile file = jar.getJarFile()) {
                for (JarEntry e : java.util.Collections.list(file.entries())) {
                    if (e.getName().startsWith(DIR + "/")) {
                        names.add(e.getName());
                    }
                }
            }
        }
        return names;
    }

    /** Flyway's reading of a version: "0_4_0" and "0.4.0.0" are both 0.4 (parts as numbers, trailing zeros dropped). */
    static String normalize(String version) {
        String[] parts = version.replace('_', '.').split("\\.");
        int end = parts.length;
        while (end > 1 && new java.math.BigInteger(parts[end - 1]).signum() == 0) {
            end--;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < end; i++) {
            b.append(i == 0 ? "" : ".").append(new java.math.BigInteger(parts[i]));
        }
        return b.toString();
    }
}
