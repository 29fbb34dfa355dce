package dev.trickle.core.connect;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Names in Connect schemas follow Avro's rules, so that one schema serves every converter: a name is
 * {@code [A-Za-z_][A-Za-z0-9_]*}, a full name dot-separated such names. Other characters become {@code _},
 * a leading digit gets a {@code _} in front, and a field name already taken gets {@code _2}, {@code _3}, ...
 */
public final class ConnectNames {
    private ConnectNames() {
    }

    /** A schema's full name from a topic name and a suffix: each dot-separated part adjusted. */
    public static String fullName(String topic, String suffix) {
        StringBuilder b = new StringBuilder();
        for (String part : (topic + "." + suffix).split("\\.")) {
            if (!part.isEmpty()) {
                b.append(b.length() == 0 ? "" : ".").append(simple(part));
            }
        }
        return b.toString();
    }

    /** Field names for columns, adjusted and made distinct. */
    public static List<String> fields(List<String> columns) {
        List<String> out = new ArrayList<>(columns.size());
        Set<String> taken = new HashSet<>();
        for (String c : columns) {
            String name = simple(c);
            String candidate = name;
            for (int n = 2; !taken.add(candidate); n++) {
                candidate = name + "_" + n;
            }
            out.add(candidate);
        }
        return out;
    }

    static String simple(String name) {
        StringBuilder b = new StringBuilder(name.length() + 1);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            b.append(ok ? c : '_');
        }
        if (b.length() == 0 || Character.isDigit(b.charAt(0))) {
            b.insert(0, '_');
        }
        return b.toString();
    }
}
