package dev.trickle.core.pg;

/** Quoting for the few places where Java builds PostgreSQL statements: never concatenate a name unquoted. */
public final class Sql {
    private Sql() {
    }

    /** A PostgreSQL identifier, always double-quoted (so case and punctuation are kept). */
    public static String ident(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("empty SQL identifier");
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("SQL identifier contains a NUL character");
        }
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** {@code "schema"."name"}. */
    public static String qualified(String schema, String name) {
        return ident(schema) + '.' + ident(name);
    }

    /** A string literal in standard-conforming form. */
    public static String literal(String value) {
        if (value == null) {
            return "NULL";
        }
        return '\'' + value.replace("'", "''") + '\'';
    }
}
