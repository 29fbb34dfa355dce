package dev.trickle.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

/**
 * The embedded PostgreSQL's password: generated at random when its data directory is created, kept in
 * {@code pg-password} beside that directory (so that a kept stack, {@code --keep}, logs in again), and
 * published for psql and other libpq clients in a pgpass file ({@code pgpass}, named by the {@code passfile}
 * parameter of the stack's URL). Both files are the owner's alone (0600). Also reads pgpass files for
 * {@link PgUrl}, with libpq's rules.
 */
final class PgPasswordFiles {
    static final String PASSWORD_FILE = "pg-password";
    static final String PGPASS_FILE = "pgpass";
    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private PgPasswordFiles() {
    }

    /** 24 characters from a 57-letter alphabet: about 140 bits, and nothing a URL, shell or pgpass must escape. */
    static String generate() {
        StringBuilder sb = new StringBuilder(24);
        for (int i = 0; i < 24; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    /** Writes {@code password} (one line, as initdb's --pwfile reads it) to {@code file}, 0600. */
    static void writePassword(Path file, String password) {
        PrivateFiles.write(file, password + "\n");
    }

    static String readPassword(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.isEmpty() || lines.get(0).isBlank()) {
                throw new IllegalStateException(file + " is empty: it should hold the embedded PostgreSQL's password");
            }
            return lines.get(0).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the embedded PostgreSQL's password from " + file, e);
        }
    }

    /** A pgpass file with the entries of {@code user} on 127.0.0.1 and localhost at {@code port}, any database. */
    static void writePgpass(Path file, int port, String user, String password) {
        String entry = ":" + port + ":*:" + escape(user) + ":" + escape(password) + "\n";
        PrivateFiles.write(file, "# written by the Trickle local stack: psql finds it through the URL's passfile=\n"
                + "127.0.0.1" + entry + "localhost" + entry);
    }

    /**
     * The password of the first entry of a pgpass file that matches (libpq's format: {@code
     * host:port:database:user:password}, {@code *} matches anything, {@code \} escapes {@code :} and {@code \}),
     * or null if none does.
     */
    static String lookup(Path file, String host, int port, String database, String user) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the password file " + file + " (passfile=): " + e, e);
        }
        String[] wanted = {host, Integer.toString(port), database, user};
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            List<String> fields = split(line);
            if (fields.size() != 5) {
                continue;
            }
            boolean match = true;
            for (int i = 0; i < 4 && match; i++) {
                match = fields.get(i).equals("*") || fields.get(i).equals(wanted[i]);
            }
            if (match) {
                return fields.get(4);
            }
        }
        return null;
    }

    private static List<String> split(String line) {
        List<String> fields = new java.util.ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                current.append(line.charAt(++i));
            } else if (c == ':' && fields.size() < 4) {
                fields.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        fields.add(current.toString());
        return fields;
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace(":", "\\:");
    }
}
