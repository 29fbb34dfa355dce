package dev.trickle.core.pg;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL connection settings that the source connector, the sink connector and the streams app share:
 * {@code pg.url}, {@code pg.user}, {@code pg.password} (the streams app's carry the prefix {@code trickle.}). One
 * definition, so that their types, defaults, validation and documentation cannot drift apart; the password is a
 * {@link Type#PASSWORD}, which Kafka masks in logged configs and Connect in its validation responses, and the URL
 * is never echoed with a password in it (see {@link PgRedaction}).
 */
public final class PgConnectionConfig {
    public static final String URL = "pg.url";
    public static final String USER = "pg.user";
    public static final String PASSWORD = "pg.password";
    public static final String DEFAULT_USER = "postgres";

    private final String url;
    private final String user;
    private final String password;

    private PgConnectionConfig(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /**
     * Adds {@code prefix + pg.url}, {@code pg.user} and {@code pg.password} to {@code def}, in that order as the
     * first three of {@code group}. {@code privileges} completes pg.user's documentation: what that user needs.
     */
    public static ConfigDef define(ConfigDef def, String prefix, String group, String privileges) {
        return def
                .define(prefix + URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new JdbcUrlValidator(), Importance.HIGH,
                        "JDBC URL of the PostgreSQL database that holds the sources, the stream tables and the "
                                + "pgtrickle catalog, e.g. jdbc:postgresql://localhost:5432/shop. Give the password in "
                                + prefix + PASSWORD + ", not in the URL.",
                        group, 1, Width.LONG, "PostgreSQL JDBC URL")
                .define(prefix + USER, Type.STRING, DEFAULT_USER, new ConfigDef.NonEmptyString(), Importance.HIGH,
                        "PostgreSQL user. " + privileges,
                        group, 2, Width.MEDIUM, "PostgreSQL user")
                .define(prefix + PASSWORD, Type.PASSWORD, "", Importance.HIGH,
                        "Password of " + prefix + USER + " (empty when the server trusts the user or a .pgpass file "
                                + "is used). Logged configs mask it; to keep it out of Connect's REST API and config "
                                + "topic too, give it through a config provider, e.g. "
                                + "${file:/etc/trickle/secrets.properties:pg.password}.",
                        group, 3, Width.MEDIUM, "PostgreSQL password");
    }

    /**
     * Logs {@code config}'s values at INFO as Kafka's {@code AbstractConfig} does when asked to ({@code doLog}),
     * but with every URL's password removed: Kafka masks {@link Type#PASSWORD} values only, and would print a
     * pg.url that carries one as it is. The configs that define the pg.* settings pass {@code doLog=false} and
     * call this instead.
     */
    public static void logValues(AbstractConfig config) {
        Logger log = LoggerFactory.getLogger(config.getClass());
        if (!log.isInfoEnabled()) {
            return;
        }
        StringBuilder b = new StringBuilder(config.getClass().getSimpleName()).append(" values: ").append('\n');
        new TreeMap<>(config.values()).forEach((k, v) ->
                b.append('\t').append(k).append(" = ").append(PgRedaction.redact(String.valueOf(v))).append('\n'));
        log.info(b.toString());
    }

    /** The settings of {@code config}, which was defined with {@link #define} and {@code prefix}. */
    public static PgConnectionConfig of(AbstractConfig config, String prefix) {
        Password p = config.getPassword(prefix + PASSWORD);
        return new PgConnectionConfig(config.getString(prefix + URL).trim(), config.getString(prefix + USER),
                p == null ? "" : p.value());
    }

    public String url() {
        return url;
    }

    /** The URL without any password, for logs and messages. */
    public String redactedUrl() {
        return PgRedaction.redact(url);
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /**
     * Connection properties with the user, password and {@code ApplicationName} (shown in pg_stat_activity, so
     * that a DBA can tell Trickle's sessions apart); callers add their own.
     */
    public Properties properties(String applicationName) {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("ApplicationName", applicationName);
        return props;
    }

    /**
     * A new connection through the PostgreSQL driver itself (not DriverManager, which Connect's plugin isolation
     * can hide it from).
     */
    public Connection connect(Properties props) throws SQLException {
        Connection c = new org.postgresql.Driver().connect(url, props);
        if (c == null) {
            throw new SQLException("not a PostgreSQL JDBC URL: " + redactedUrl(), "08001");
        }
        return c;
    }

    @Override
    public String toString() {
        return redactedUrl() + " as " + user;
    }

    /** Refuses anything that is not a PostgreSQL JDBC URL before a connection is tried, without echoing a password. */
    public static final class JdbcUrlValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String url = value == null ? "" : value.toString().trim();
            if (!url.startsWith("jdbc:postgresql:")) {
                throw new ConfigException(name, PgRedaction.redact(url),
                        "must be a PostgreSQL JDBC URL such as jdbc:postgresql://localhost:5432/mydb");
            }
        }

        @Override
        public String toString() {
            return "jdbc:postgresql://host[:port]/database[?options]";
        }
    }
}
