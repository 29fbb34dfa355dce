package dev.trickle.core.connect;

import java.util.Locale;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * How {@code numeric} columns travel, with Debezium's setting name and values: {@code precise} as Connect's
 * Decimal (numeric(p,s)) or Debezium's VariableScaleDecimal (numeric), exact when the converter carries the
 * schema (Avro, JsonConverter with schemas.enable=true); {@code string} as PostgreSQL's own text
 * ({@code "12.00"}, also {@code NaN} and {@code Infinity}), exact with any converter, the one to use with
 * JsonConverter without schemas. Debezium's {@code double} is not offered: it loses digits.
 */
public enum DecimalHandling {
    PRECISE, STRING;

    public static final String CONFIG = "decimal.handling.mode";
    public static final String DEFAULT = "precise";
    public static final String DOC = "How numeric columns travel in the change and delta records (Debezium's setting): "
            + "precise: Connect Decimal for numeric(p,s) and Debezium's VariableScaleDecimal for numeric, exact with a "
            + "converter that carries schemas (Avro, JsonConverter with schemas.enable=true); string: PostgreSQL's own "
            + "text (\"12.00\", also NaN and Infinity), exact with every converter: use it with JsonConverter and "
            + "schemas.enable=false (the shipped configuration), where a Decimal would arrive as bytes or a double "
            + "without its scale. The source connector and the streams app must use the same mode.";

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode a setting names (case-insensitive), or an IllegalArgumentException saying what is accepted. */
    public static DecimalHandling of(String value) {
        String v = value == null ? DEFAULT : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "precise" -> PRECISE;
            case "string" -> STRING;
            case "double" -> throw new IllegalArgumentException("decimal.handling.mode=double is not offered: a double "
                    + "loses the digits of numeric values, and Trickle's stream tables must equal their query; use "
                    + "precise or string");
            default -> throw new IllegalArgumentException("decimal.handling.mode=" + value + " is not a mode: use "
                    + "precise or string");
        };
    }

    /** The validator of the setting: the message says which values are accepted. */
    public static ConfigDef.Validator validator() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                try {
                    of(value == null ? null : value.toString());
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, e.getMessage());
                }
            }

            @Override
            public String toString() {
                return "[precise, string]";
            }
        };
    }

    /** Adds the setting to a connector's or the streams app's ConfigDef. */
    public static ConfigDef define(ConfigDef def, String group, int orderInGroup) {
        return def.define(CONFIG, ConfigDef.Type.STRING, DEFAULT, validator(), ConfigDef.Importance.MEDIUM, DOC, group,
                orderInGroup, ConfigDef.Width.SHORT, "Decimal handling");
    }

    /**
     * Refuses {@code precise} with a JsonConverter configured without schemas ({@code converterSettings}: the
     * {@code value.converter*} settings where they are visible): numerics would travel as bytes without their scale.
     */
    public static void checkConverter(DecimalHandling mode, String converterClass, String schemasEnable) {
        if (mode == PRECISE && converterClass != null && isJsonConverter(converterClass.trim())
                && schemasEnable != null && schemasEnable.trim().equalsIgnoreCase("false")) {
            throw new ConfigException(CONFIG, "precise", "JsonConverter with schemas.enable=false writes a "
                    + "Decimal as bytes or a double without its scale, which is not exact: set decimal.handling.mode="
                    + "string (as config/ ships it), or schemas.enable=true");
        }
    }

    /** Kafka's JsonConverter or Trickle's {@link StreamingJsonConverter}, which writes what it writes. */
    private static boolean isJsonConverter(String converterClass) {
        return converterClass.endsWith(".JsonConverter") || converterClass.equals(StreamingJsonConverter.class.getName());
    }
}
