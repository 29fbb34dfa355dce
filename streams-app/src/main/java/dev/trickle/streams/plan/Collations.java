package dev.trickle.streams.plan;

import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.type.SqlTypeFamily;

/**
 * The collation PostgreSQL uses for each text operation over one input, and the refusals where the
 * engine's text semantics are not that collation's: the engine orders text by code point, compares it
 * code point by code point, and maps case per code point (ASCII only under an LC_CTYPE of C). Where
 * PostgreSQL would fail to choose a collation at run time, the query is refused too.
 */
final class Collations {
    /** Collations (and database locales) whose order is code point order. */
    private static final Set<String> CODE_POINT_ORDER = Set.of("c", "posix", "c.utf8", "c.utf-8", "ucs_basic", "pg_c_utf8");
    /** Collations whose LC_CTYPE is C: there upper, lower and ILIKE change ASCII letters only. */
    private static final Set<String> ASCII_CASE = Set.of("c", "posix", "ucs_basic");
    static final String PG_COLLATE = "PG_COLLATE";

    private final List<DerivedCollation> inputs;
    private final List<String> inputNames;
    private final String databaseCollation;

    Collations(List<DerivedCollation> inputs, List<String> inputNames, String databaseCollation) {
        this.inputs = List.copyOf(inputs);
        this.inputNames = List.copyOf(inputNames);
        this.databaseCollation = databaseCollation;
    }

    static void register(RexTranslator.Registry r) {
        r.name(Collations::collate, PG_COLLATE);
    }

    /** Whether text under this collation (a name, or a database's LC_COLLATE) is ordered by code point. */
    static boolean ordersByCodePoint(String collation) {
        return collation != null && CODE_POINT_ORDER.contains(collation.toLowerCase(Locale.ROOT));
    }

    /**
     * {@code x COLLATE name}: x's value. Only the code point collations and "default" are accepted: under
     * any other one the engine could not tell whether equality is still code point equality.
     */
    private static TypedExpr collate(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        String written = ((RexLiteral) call.getOperands().get(1)).getValueAs(String.class);
        String name = collationName(written);
        if (name != null && !ordersByCodePoint(name)) {
            throw new UnsupportedQueryException("COLLATE " + written,
                    "the engine evaluates text as collation \"C\" does; use COLLATE \"C\"");
        }
        return t.operand(call, 0);
    }

    /** A collation name as written after COLLATE, as the catalog spells it: null for "default". */
    static String collationName(String written) {
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < written.length(); i++) {
            char c = written.charAt(i);
            if (c == '"' && quoted && i + 1 < written.length() && written.charAt(i + 1) == '"') {
                part.append('"');
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (quoted) {
                part.append(c);
            } else if (c == '.') {
                parts.add(part.toString());
                part.setLength(0);
            } else if (!Character.isWhitespace(c)) {
                // PostgreSQL folds unquoted names to lower case, ASCII letters only
                part.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
            }
        }
        parts.add(part.toString());
        if (parts.size() == 2 && parts.get(0).equals("pg_catalog")) {
            parts.remove(0);
        }
        String name = String.join(".", parts);
        return name.equals("default") ? null : name;
    }

    /** The collation PostgreSQL derives for {@code node}. */
    DerivedCollation of(RexNode node) {
        if (node instanceof RexInputRef ref) {
            return inputs.get(ref.getIndex());
        }
        if (node instanceof RexLiteral literal) {
            return isText(literal.getType()) ? DerivedCollation.DEFAULT : DerivedCollation.NONE;
        }
        if (!(node instanceof RexCall call)) {
            return DerivedCollation.NONE;
        }
        String op = call.getOperator().getName();
        if (op.equalsIgnoreCase(PG_COLLATE)) {
            String written = ((RexLiteral) call.getOperands().get(1)).getValueAs(String.class);
            return DerivedCollation.explicit(collationName(written));
        }
        if (op.equalsIgnoreCase("PG_CAST")) {
            // Calcite types PG_CAST as its operand; the target type is the literal
            String target = ((RexLiteral) call.getOperands().get(1)).getValueAs(String.class);
            return PgType.parse(target).isString() ? of(call.getOperands().get(0)).orDefault() : DerivedCollation.NONE;
        }
        if (call.getKind() == SqlKind.CAST) {
            return isText(call.getType()) ? of(call.getOperands().get(0)).orDefault() : DerivedCollation.NONE;
        }
        // a call with a text result takes its inputs' collation; others (comparisons, lengths) have none
        return isText(call.getType()) ? ofOperands(call).orDefault() : DerivedCollation.NONE;
    }

    /** The collation a call operates under: its operands' merged. */
    DerivedCollation ofOperands(RexCall call) {
        DerivedCollation merged = DerivedCollation.NONE;
        for (RexNode operand : call.getOperands()) {
            merged = merged.merge(of(operand));
        }
        return merged;
    }

    private static boolean isText(RelDataType type) {
        return type.getFamily() == SqlTypeFamily.CHARACTER;
    }

    /** An ordering of text ({@code < <= > >=}, GREATEST, LEAST): only under a code point collation. */
    void requireCodePointOrder(RexCall call) throws UnsupportedQueryException {
        DerivedCollation c = requireDeterminate(call, "text comparison");
        String effective = c.name() == null ? databaseCollation : c.name();
        if (!ordersByCodePoint(effective)) {
            throw new UnsupportedQueryException("text comparison " + RexSql.of(call, inputNames)
                    + " under collation \"" + effective + "\"",
                    "the engine orders text by code point, as collation \"C\" does; compare with COLLATE \"C\"");
        }
    }

    /**
     * A text operation PostgreSQL runs under one deterministic collation (equality, text search): refused
     * when PostgreSQL could not choose the collation, or when it is nondeterministic.
     */
    DerivedCollation requireDeterminate(RexCall call, String what) throws UnsupportedQueryException {
        requireOneCollation(call, what);
        return requireDeterministic(call, what);
    }

    /** LIKE: PostgreSQL matches without a collation when it cannot choose one, but refuses a nondeterministic one. */
    DerivedCollation requireDeterministic(RexCall call, String what) throws UnsupportedQueryException {
        DerivedCollation c = ofOperands(call);
        if (!c.deterministic() && c.strength() != DerivedCollation.Strength.CONFLICT) {
            throw new UnsupportedQueryException(what + " " + RexSql.of(call, inputNames)
                    + " under nondeterministic collation \"" + c.name() + "\"",
                    "the engine compares text code point by code point");
        }
        return c;
    }

    /** The collation of a call that needs one (PostgreSQL fails at run time without). */
    DerivedCollation requireOneCollation(RexCall call, String what) throws UnsupportedQueryException {
        DerivedCollation c = ofOperands(call);
        if (c.strength() == DerivedCollation.Strength.CONFLICT) {
            throw new UnsupportedQueryException(what + " " + RexSql.of(call, inputNames) + " under collations "
                    + quoted(c.name()) + " and " + quoted(c.other()),
                    "PostgreSQL may not be able to choose between them; write COLLATE \"C\" on one side");
        }
        return c;
    }

    /** Whether upper, lower or ILIKE change ASCII letters only (collation with LC_CTYPE C), as PostgreSQL does. */
    boolean asciiCaseMapping(RexCall call) throws UnsupportedQueryException {
        String name = requireOneCollation(call, "case mapping in").name();
        // the database's own LC_CTYPE is assumed to be UTF-8 (documented), whatever its LC_COLLATE
        return name != null && ASCII_CASE.contains(name.toLowerCase(Locale.ROOT));
    }

    private static String quoted(String collation) {
        return "\"" + (collation == null ? "default" : collation) + "\"";
    }
}
