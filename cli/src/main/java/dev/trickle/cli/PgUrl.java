package dev.trickle.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A PostgreSQL location given either as a libpq URI ({@code postgresql://user:pw@host:port/db?...})
 * or as a JDBC URL ({@code jdbc:postgresql://host:port/db?...}); user and password given separately
 * win over those in the URL.
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
            throw new IllegalArgumentException("not a PostgreSQL URL: " + url
                    + " (expected postgresql://USER@HOST:PORT/DB or jdbc:postgresql://HOST:PORT/DB)");
        }
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("malformed PostgreSQL URL " + url + ": " + e.getMessage(), e);
        }
        String host = uri.getHost() == null ? "127.0.0.1" : uri.getHost();
        int port = uri.getPort() > 0 ? uri.getPort() : 5432;
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceFirst("^/", "");
        String user = null;
        String password = null;
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

    private String hostPort() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
