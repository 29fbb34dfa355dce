package dev.trickle.core.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class PgConnectionConfigTest {
    private static final ConfigDef CONNECTOR = PgConnectionConfig.define(new ConfigDef(), "", "Connection", "Needs X.");
    private static final ConfigDef APP = PgConnectionConfig.define(new ConfigDef(), "trickle.", "Connection", "Needs Y.");

    @Test
    void sameKeysTypesAndDefaultsWithOrWithoutAPrefix() {
        assertEquals(List.of("pg.url", "pg.user", "pg.password"), List.copyOf(CONNECTOR.names().stream().sorted(
                (a, b) -> CONNECTOR.configKeys().get(a).orderInGroup - CONNECTOR.configKeys().get(b).orderInGroup).toList()));
        assertEquals(ConfigDef.Type.PASSWORD, CONNECTOR.configKeys().get("pg.password").type);
        assertEquals(ConfigDef.Type.PASSWORD, APP.configKeys().get("trickle.pg.password").type);
        assertEquals("postgres", CONNECTOR.configKeys().get("pg.user").defaultValue);
        assertEquals("postgres", APP.configKeys().get("trickle.pg.user").defaultValue);
        assertTrue(APP.configKeys().get("trickle.pg.password").documentation.contains("trickle.pg.user"));

        PgConnectionConfig pg = PgConnectionConfig.of(new AbstractConfig(APP, Map.of("trickle.pg.url",
                " jdbc:postgresql://h/db ", "trickle.pg.password", "pw")), "trickle.");
        assertEquals("jdbc:postgresql://h/db", pg.url());
        assertEquals("postgres", pg.user());
        assertEquals("pw", pg.password());
        assertEquals("pw", pg.properties("app").getProperty("password"));
        assertEquals("app", pg.properties("app").getProperty("ApplicationName"));
    }

    @Test
    void aBadUrlIsRefusedWithoutEchoingItsPassword() {
        ConfigException e = assertThrows(ConfigException.class, () -> new AbstractConfig(CONNECTOR,
                Map.of("pg.url", "postgresql://u:hunter2@h/db?password=hunter2")));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertTrue(e.getMessage().contains("must be a PostgreSQL JDBC URL"), e.getMessage());
        assertThrows(ConfigException.class, () -> new AbstractConfig(CONNECTOR, Map.of()), "pg.url is required");
    }

    @Test
    void loggedValuesShowNoPassword() {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            PgConnectionConfig.logValues(new AbstractConfig(CONNECTOR, Map.of("pg.url",
                    "jdbc:postgresql://h/db?password=hunter2&ssl=true", "pg.password", "hunter3"), false));
        } finally {
            System.setErr(err);
        }
        String text = log.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.contains("pg.url = jdbc:postgresql://h/db?ssl=true"), text);
        assertTrue(text.contains("pg.password = [hidden]"), text);
        assertFalse(text.contains("hunter"), text);
    }

    @Test
    void neitherToStringNorTheRedactedUrlShowThePassword() {
        PgConnectionConfig pg = PgConnectionConfig.of(new AbstractConfig(CONNECTOR,
                Map.of("pg.url", "jdbc:postgresql://h/db?password=hunter2&ssl=true", "pg.password", "hunter3")), "");
        assertEquals("jdbc:postgresql://h/db?ssl=true", pg.redactedUrl());
        assertFalse(pg.toString().contains("hunter"), pg.toString());
    }
}
