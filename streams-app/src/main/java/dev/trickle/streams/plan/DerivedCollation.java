package dev.trickle.streams.plan;

import java.util.Objects;

/**
 * The collation PostgreSQL derives for an expression (parse_collate.c): which one ({@code name}; null is
 * the database's default collation) and how strongly the expression holds it. A column holds its
 * collation implicitly, {@code COLLATE} explicitly; a literal, or text computed from no text, holds the
 * default. When two different collations meet, the state is a CONFLICT naming both ({@code other}).
 *
 * @param deterministic false for a nondeterministic collation (equal text need not be equal code points)
 */
public record DerivedCollation(String name, Strength strength, boolean deterministic, String other) {
    /** PostgreSQL's collation strengths, weakest first. */
    public enum Strength { NONE, IMPLICIT, CONFLICT, EXPLICIT }

    /** A value of a type without collation (numbers, booleans, dates, ...). */
    public static final DerivedCollation NONE = new DerivedCollation(null, Strength.NONE, true, null);
    /** A text literal, or text computed from no text: the database's default collation. */
    public static final DerivedCollation DEFAULT = new DerivedCollation(null, Strength.IMPLICIT, true, null);

    /** A text column's collation (null: the database's default). */
    public static DerivedCollation column(String name, boolean deterministic) {
        return new DerivedCollation(name, Strength.IMPLICIT, deterministic, null);
    }

    /** {@code COLLATE name} (null: {@code COLLATE "default"}); the engine accepts only deterministic ones. */
    static DerivedCollation explicit(String name) {
        return new DerivedCollation(name, Strength.EXPLICIT, true, null);
    }

    private static DerivedCollation conflict(String a, String b) {
        return new DerivedCollation(a, Strength.CONFLICT, true, b);
    }

    /** Text computed from these inputs: without a collatable input it has the default collation. */
    DerivedCollation orDefault() {
        return strength == Strength.NONE ? DEFAULT : this;
    }

    /**
     * PostgreSQL's merge of two inputs' collations (merge_collation_state): an explicit collation beats an
     * implicit one, a non-default implicit one beats the default, two different ones conflict. Deviation, to
     * stay on the safe side: an explicit collation that meets a different non-default one, or a conflict, is
     * a conflict too. The plan no longer shows subquery boundaries, and PostgreSQL sees a subquery's
     * {@code COLLATE} from outside as implicit only, so it may fail to choose where a merged plan would not.
     */
    DerivedCollation merge(DerivedCollation o) {
        if (o.strength == Strength.NONE || strength == Strength.CONFLICT) {
            return this;
        }
        if (strength == Strength.NONE || o.strength == Strength.CONFLICT) {
            return o;
        }
        if (Objects.equals(name, o.name)) {
            DerivedCollation stronger = strength.compareTo(o.strength) >= 0 ? this : o;
            return new DerivedCollation(name, stronger.strength, deterministic && o.deterministic, null);
        }
        if (strength == Strength.IMPLICIT && name == null) {
            return o;
        }
        if (o.strength == Strength.IMPLICIT && o.name == null) {
            return this;
        }
        return conflict(name, o.name);
    }
}
