package dev.trickle.cli;

import dev.trickle.core.pg.PgRedaction;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A PostgreSQL location given either as a libpq URI ({@code postgresql://user:pw@host:port/db?...})
 * or as a JDBC URL ({@code jdbc:postgresql://host:port/db?...}); user and password given separately
 * win over those in the URL. Without a password, libpq's {@code passfile} parameter (a pgpass file, as the
 * local stack's URL names one) supplies it, as it does for psql. Error messages never repeat a password.
 */
public record PgUrl(String host, int port, String database, String user, String password, String query) {

    public static PgUrl parse(String url, String userOverride, String passwordOverride) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("empty PostgreSQL URL");
        }
        String u = url.trim();
        if (u.startsWith("jdbc:")) {
            u = u.substring("jdbc:".length());
        }
        if (u.startsWith("postgres://")) {
            u = "postgresql://" + u.substring("postgres://".length());
        }
        if (!u.startsWith("postgresql://")) {
            throw new IllegalArgumentException("not a PostgreSQL URL: " + PgRedaction.redact(url)
                    + " (expected postgresql://USER@HOST:PORT/DB or jdbc:postgresql://HOST:PORT/DB)");
        }
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            // URISyntaxException quotes the input, password included
            throw new IllegalArgumentException("malformed PostgreSQL URL " + PgRedaction.redact(url) + " (at index "
                    + e.getIndex() + ": " + e.getReason() + "); percent-encode special characters of the user "
                    + "and password, e.g. @ as %40");
        }
        String host = uri.getHost() == null ? "127.0.0.1" : uri.getHost();
        int port = uri.getPort() > 0 ? uri.getPort() : 5432;
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceFirst("^/", "");
        String user = null;
        String password = null;
        String passfile = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = decode(parts[0]);
            password = parts.length > 1 ? decode(parts[1]) : null;
        }
        String query = uri.getRawQuery();
        if (query != null) {
            StringBuilder rest = new StringBuilder();
            for (String kv : query.split("&")) {
                String[] p = kv.split("=", 2);
                String key = decode(p[0]);
                String value = p.length > 1 ? decode(p[1]) : "";
                if (key.equals("user")) {
                    user = value;
                } else if (key.equals("password")) {
                    password = value;
                } else if (key.equals("passfile")) {
                    passfile = value;
                } else {
                    rest.append(rest.length() == 0 ? "" : "&").append(kv);
                }
            }
            query = rest.length() == 0 ? null : rest.toString();
        }
        if (userOverride != null) {
            user = userOverride;
        }
        if (passwordOverride != null) {
            password = passwordOverride;
        }
        if (user == null) {
            user = System.getProperty("user.name");
        }
        String database = path.isEmpty() ? user : decode(path);
        if (password == null && passfile != null) {
            password = PgPasswordFiles.lookup(Path.of(passfile), host, port, database, user);
        }
        return new PgUrl(host, port, database, user, password == null ? "" : password, query);
    }

    /** {@code jdbc:postgresql://host:port/db[?params]} (no credentials). */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + hostPort() + "/" + database + (query == null ? "" : "?" + query);
    }

    /** {@code postgresql://user@host:port/db}, without the password, for humans and psql. */
    public String display() {
        return "postgresql://" + user + "@" + hostPort() + "/" + database;
    }

    /**
     * {@link #display()} with libpq's {@code passfile} parameter: psql and {@link #parse} read the password from
     * that pgpass file, so the URL works as it is and shows no password.
     */
    public String display(Path passfile) {
        return display() + "?passfile=" + encodePath(passfile.toAbsolutePath().toString());
    }

    /** Percent-encodes what a URI query value cannot hold as it is; '/' stays, so that the path stays legible. */
    private static String encodePath(String path) {
        StringBuilder sb = new StringBuilder();
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "/._~-".indexOf(c) >= 0) {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return sb.toString();
    }

    /** Never the password: a record's own toString would print every component. */
    @Override
    public String toString() {
        return display();
    }

    private String hostPort() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
