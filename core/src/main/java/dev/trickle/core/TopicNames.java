package dev.trickle.core;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Topic names: {@code <prefix>.changes.<schema>.<table>} and {@code <prefix>.delta.<schema>.<stream_table>}.
 * Kafka allows only {@code [a-zA-Z0-9._-]}; other characters become {@code _} and a short checksum
 * of the original name is appended, so that two names never share a topic.
 */
public final class TopicNames {
    public static final String DEFAULT_PREFIX = "trickle";

    private TopicNames() {
    }

    public static String changes(String prefix, String schema, String table) {
        return prefix + ".changes." + part(schema) + "." + part(table);
    }

    public static String delta(String prefix, String schema, String streamTable) {
        return prefix + ".delta." + part(schema) + "." + part(streamTable);
    }

    /** A regular expression that matches every delta topic of a prefix (for the sink's topics.regex). */
    public static String deltaRegex(String prefix) {
        return java.util.regex.Pattern.quote(prefix + ".delta.") + ".*";
    }

    static String part(String name) {
        StringBuilder out = new StringBuilder(name.length());
        boolean changed = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            out.append(ok ? c : '_');
            changed |= !ok;
        }
        if (changed) {
            CRC32 crc = new CRC32();
            crc.update(name.getBytes(StandardCharsets.UTF_8));
            out.append('-').append(String.format("%08x", crc.getValue()));
        }
        return out.toString();
    }
}
