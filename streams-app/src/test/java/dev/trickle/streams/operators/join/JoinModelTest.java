package dev.trickle.streams.operators.join;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.operators.Operator;
import dev.trickle.streams.rows.ZSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every join type against a from-scratch evaluation: random ticks of inserts and deletes (duplicates, NULL
 * keys and values, a few hot keys) on both sides; after each tick the accumulated output must equal the join
 * of the accumulated inputs, and after deleting everything the state must be empty.
 */
class JoinModelTest {
    private static final String[] TYPES = {"inner", "left", "right", "full", "semi", "anti"};

    @ParameterizedTest
    @ValueSource(strings = {"key", "keyNullSafe", "keyAndResidual", "residualOnly"})
    void everyJoinTypeEqualsRecomputation(String conditionName) throws Exception {
        for (String type : TYPES) {
            for (long seed = 1; seed <= 5; seed++) {
                run(type, conditionName, seed, false);
            }
        }
    }

    /**
     * Inputs that are sets (as a source with a unique key is at every tick), the join told so: its indexes then
     * write rows without reading their weight first, and must still equal recomputation and end empty.
     */
    @ParameterizedTest
    @ValueSource(strings = {"key", "keyNullSafe", "keyAndResidual", "residualOnly"})
    void everyJoinTypeOverSetsEqualsRecomputation(String conditionName) throws Exception {
        for (String type : TYPES) {
            for (long seed = 1; seed <= 5; seed++) {
                run(type, conditionName, seed, true);
            }
        }
    }

    /**
     * Inputs with at most one row per join key (a dimension joined on its primary key), the join told so: their rows
     * are stored under the key alone and looked up by point reads. A key's row is often replaced within a tick
     * (the delete and the insert in either order in the delta); "left" has the left input keyed and the right one a
     * multiset, "both" both keyed. Also with a change of layout half way (state an earlier version wrote, or a
     * unique key that came or went): the rows move once and the output stays equal to recomputation.
     */
    @ParameterizedTest
    @ValueSource(strings = {"left key", "both key", "left keyNullSafe", "both keyNullSafe", "left keyAndResidual",
            "both keyAndResidual"})
    void everyJoinTypeOverInputsKeyedByTheirJoinKeyEqualsRecomputation(String keyedAndCondition) throws Exception {
        String[] parts = keyedAndCondition.split(" ");
        for (String type : TYPES) {
            for (long seed = 1; seed <= 5; seed++) {
                for (int layoutChange : new int[] {-1, 4, -4}) {
                    runKeyed(type, parts[1], seed, parts[0].equals("both"), layoutChange);
                }
            }
        }
    }

    /**
     * {@code layoutChange}: -1 keyed throughout; n > 0 unkeyed (an earlier version's layout) before tick n, keyed
     * from it; n < 0 keyed before tick -n, unkeyed from it.
     */
    private void runKeyed(String type, String conditionName, long seed, boolean bothKeyed, int layoutChange)
            throws Exception {
        JoinCondition condition = condition(conditionName).get();
        InMemoryStateBackend backend = new InMemoryStateBackend();
        Random random = new Random(seed);
        ZSet<List<String>> left = new ZSet<>();
        ZSet<List<String>> right = new ZSet<>();
        ZSet<List<String>> output = new ZSet<>();
        for (int tick = 0; tick < 12; tick++) {
            boolean keyed = layoutChange == -1 || (layoutChange > 0 ? tick >= layoutChange : tick < -layoutChange);
            IndexedJoin op = (IndexedJoin) operator(type, condition(conditionName).get());
            op.distinctInputs(true, bothKeyed).keyedInputs(keyed, bothKeyed && keyed);
            ZSet<List<String>> dl = tick == 11 ? negate(left) : keyedDelta(random, left);
            ZSet<List<String>> dr = tick == 11 ? negate(right) : bothKeyed ? keyedDelta(random, right)
                    : delta(random, right);
            output.addAll(op.apply(List.of(dl, dr), backend.forOperator("op0")));
            left.addAll(dl);
            right.addAll(dr);
            String where = type + " on " + conditionName + (bothKeyed ? ", both keyed" : ", left keyed") + ", seed "
                    + seed + ", layout change " + layoutChange + ", tick " + tick;
            assertEquals(recompute(type, condition, left, right), output, where);
        }
        assertEquals(0, backend.size(), "state left after deleting everything: " + type + " on " + conditionName);
    }

    /**
     * A set with at most one row per key (NULL one of the keys, as a GROUP BY key may be): deletes of some live
     * rows, replacements of others (the new row first or last in the delta), inserts under free keys.
     */
    private static ZSet<List<String>> keyedDelta(Random random, ZSet<List<String>> live) {
        ZSet<List<String>> d = new ZSet<>();
        List<String> usedKeys = new ArrayList<>();
        for (List<String> row : live.asMap().keySet()) {
            usedKeys.add(row.get(0));
            int what = random.nextInt(4);
            if (what == 0) {
                d.add(row, -1);
            } else if (what == 1) {
                String value = random.nextInt(8) == 0 ? null : String.valueOf((char) ('a' + random.nextInt(4)));
                List<String> replacement = Arrays.asList(row.get(0), value);
                if (!replacement.equals(row)) {
                    if (random.nextBoolean()) {
                        d.add(replacement, 1);
                        d.add(row, -1);
                    } else {
                        d.add(row, -1);
                        d.add(replacement, 1);
                    }
                }
            }
        }
        for (int i = random.nextInt(4); i > 0; i--) {
            String key = random.nextInt(8) == 0 ? null : String.valueOf(random.nextInt(6));
            if (!usedKeys.contains(key)) {
                usedKeys.add(key);
                d.add(Arrays.asList(key, random.nextInt(8) == 0 ? null : String.valueOf((char) ('a' + random.nextInt(4)))),
                        1);
            }
        }
        return d;
    }

    private static Supplier<JoinCondition> condition(String conditionName) {
        return switch (conditionName) {
            case "key" -> JoinFixtures::onKey;
            case "keyNullSafe" -> JoinFixtures::onKeyNullSafe;
            case "keyAndResidual" -> JoinFixtures::onKeyAndValuesOrdered;
            default -> JoinFixtures::onValuesOrdered;
        };
    }

    private void run(String type, String conditionName, long seed, boolean sets) throws Exception {
        Supplier<JoinCondition> condition = switch (conditionName) {
            case "key" -> JoinFixtures::onKey;
            case "keyNullSafe" -> JoinFixtures::onKeyNullSafe;
            case "keyAndResidual" -> JoinFixtures::onKeyAndValuesOrdered;
            default -> JoinFixtures::onValuesOrdered;
        };
        Operator op = operator(type, condition.get());
        if (sets) {
            ((IndexedJoin) op).distinctInputs(true, true);
        }
        InMemoryStateBackend backend = new InMemoryStateBackend();
        Random random = new Random(seed);
        ZSet<List<String>> left = new ZSet<>();
        ZSet<List<String>> right = new ZSet<>();
        ZSet<List<String>> output = new ZSet<>();
        for (int tick = 0; tick < 12; tick++) {
            ZSet<List<String>> dl = tick == 11 ? negate(left) : sets ? setDelta(random, left) : delta(random, left);
            ZSet<List<String>> dr = tick == 11 ? negate(right) : sets ? setDelta(random, right) : delta(random, right);
            output.addAll(op.apply(List.of(dl, dr), backend.forOperator("op0")));
            left.addAll(dl);
            right.addAll(dr);
            String where = type + " on " + conditionName + ", seed " + seed + ", tick " + tick;
            assertEquals(recompute(type, condition.get(), left, right), output, where);
        }
        assertEquals(0, backend.size(), "state left after deleting everything: " + type + " on " + conditionName);
    }

    private static Operator operator(String type, JoinCondition c) {
        return switch (type) {
            case "inner" -> new InnerJoinOperator(c);
            case "left" -> new OuterJoinOperator(c, 2, true, false);
            case "right" -> new OuterJoinOperator(c, 2, false, true);
            case "full" -> new OuterJoinOperator(c, 2, true, true);
            case "semi" -> new SemiJoinOperator(c, true);
            default -> new SemiJoinOperator(c, false);
        };
    }

    /** Inserts of new rows (often duplicates of live ones), and deletes of some live copies. */
    private static ZSet<List<String>> delta(Random random, ZSet<List<String>> live) {
        ZSet<List<String>> d = new ZSet<>();
        for (Map.Entry<List<String>, Long> e : live.asMap().entrySet()) {
            if (random.nextInt(4) == 0) {
                d.add(e.getKey(), -1 - random.nextInt((int) (long) e.getValue()));
            }
        }
        for (int i = random.nextInt(6); i > 0; i--) {
            // keys 0..3 with 0 hot, sometimes NULL; values a..d, sometimes NULL
            String key = random.nextInt(8) == 0 ? null : String.valueOf(random.nextInt(3) == 0 ? 0 : random.nextInt(4));
            String value = random.nextInt(8) == 0 ? null : String.valueOf((char) ('a' + random.nextInt(4)));
            d.add(Arrays.asList(key, value), 1 + random.nextInt(2));
        }
        return d;
    }

    /** Deletes of some live rows and inserts of rows not live, each once: the input stays a set. */
    private static ZSet<List<String>> setDelta(Random random, ZSet<List<String>> live) {
        ZSet<List<String>> d = new ZSet<>();
        for (List<String> row : live.asMap().keySet()) {
            if (random.nextInt(3) == 0) {
                d.add(row, -1);
            }
        }
        for (int i = random.nextInt(6); i > 0; i--) {
            String key = random.nextInt(8) == 0 ? null : String.valueOf(random.nextInt(3) == 0 ? 0 : random.nextInt(4));
            String value = random.nextInt(8) == 0 ? null : String.valueOf((char) ('a' + random.nextInt(4)));
            List<String> row = Arrays.asList(key, value);
            if (!live.asMap().containsKey(row) && !d.asMap().containsKey(row)) {
                d.add(row, 1);
            }
        }
        return d;
    }

    private static ZSet<List<String>> negate(ZSet<List<String>> z) {
        ZSet<List<String>> out = new ZSet<>();
        z.forEach((row, w) -> out.add(row, -w));
        return out;
    }

    /** The join of the whole inputs, the way the SQL standard defines it (nested loops). */
    static ZSet<List<String>> recompute(String type, JoinCondition c, ZSet<List<String>> left, ZSet<List<String>> right)
            throws Exception {
        ZSet<List<String>> out = new ZSet<>();
        List<List<String>> matchedRight = new ArrayList<>();
        for (Map.Entry<List<String>, Long> l : left.asMap().entrySet()) {
            boolean matched = false;
            for (Map.Entry<List<String>, Long> r : right.asMap().entrySet()) {
                if (matches(c, l.getKey(), r.getKey())) {
                    matched = true;
                    matchedRight.add(r.getKey());
                    if (!type.equals("semi") && !type.equals("anti")) {
                        out.add(JoinRows.joined(l.getKey(), r.getKey()), l.getValue() * r.getValue());
                    }
                }
            }
            if ((type.equals("semi") && matched) || (type.equals("anti") && !matched)) {
                out.add(l.getKey(), l.getValue());
            }
            if (!matched && (type.equals("left") || type.equals("full"))) {
                out.add(JoinRows.joined(l.getKey(), Arrays.asList(null, null)), l.getValue());
            }
        }
        if (type.equals("right") || type.equals("full")) {
            for (Map.Entry<List<String>, Long> r : right.asMap().entrySet()) {
                if (!matchedRight.contains(r.getKey())) {
                    out.add(JoinRows.joined(Arrays.asList(null, null), r.getKey()), r.getValue());
                }
            }
        }
        return out;
    }

    private static boolean matches(JoinCondition c, List<String> l, List<String> r) throws Exception {
        byte[] lk = c.leftKey(l);
        return lk != null && Arrays.equals(lk, c.rightKey(r)) && c.residualHolds(l, r);
    }
}
