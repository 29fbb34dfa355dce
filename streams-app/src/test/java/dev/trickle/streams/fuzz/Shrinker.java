package dev.trickle.streams.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Shrinks a failing case while it still fails: fewer rounds, fewer DML statements, fewer initial rows
 * (halves first, then smaller chunks), no tables the query does not name, then a smaller query (clauses, select items, joins and conditions
 * dropped, expressions replaced by their operands or a literal; see {@link Node}). Greedy: each accepted
 * step restarts the pass, until a whole pass changes nothing or the time budget is spent.
 */
final class Shrinker {
    private final Predicate<FuzzCase> fails;
    private final long deadline;
    private int attempts;

    /** @param fails true when the case still fails (a candidate that is not a valid case does not fail) */
    Shrinker(Predicate<FuzzCase> fails, long budgetMillis) {
        this.fails = fails;
        this.deadline = System.currentTimeMillis() + budgetMillis;
    }

    int attempts() {
        return attempts;
    }

    /** The smallest failing case found from {@code c}, whose query is {@code query}'s text. */
    FuzzCase shrink(FuzzCase c, Node query) {
        FuzzCase current = c.withQuery(query.sql());
        Node q = query;
        boolean progress = true;
        while (progress && !late()) {
            progress = false;
            FuzzCase fewerRounds = rounds(current);
            FuzzCase fewerRows = tables(rows(fewerRounds));
            if (fewerRows != current) {
                current = fewerRows;
                progress = true;
            }
            for (Node candidate : q.shrinks()) {
                if (late()) {
                    break;
                }
                if (test(current.withQuery(candidate.sql()))) {
                    q = candidate;
                    current = current.withQuery(candidate.sql());
                    progress = true;
                    break;
                }
            }
        }
        return current;
    }

    private boolean late() {
        return System.currentTimeMillis() > deadline;
    }

    private boolean test(FuzzCase candidate) {
        attempts++;
        return fails.test(candidate);
    }

    private FuzzCase rounds(FuzzCase c) {
        FuzzCase current = c;
        for (int i = current.rounds().size() - 1; i >= 0 && !late(); i--) {
            List<List<String>> fewer = new ArrayList<>(current.rounds());
            fewer.remove(i);
            if (test(current.withRounds(fewer))) {
                current = current.withRounds(fewer);
            }
        }
        for (int i = 0; i < current.rounds().size() && !late(); i++) {
            for (int s = current.rounds().get(i).size() - 1; s >= 0 && current.rounds().get(i).size() > 1; s--) {
                List<List<String>> fewer = new ArrayList<>(current.rounds());
                List<String> round = new ArrayList<>(fewer.get(i));
                round.remove(s);
                fewer.set(i, round);
                if (test(current.withRounds(fewer))) {
                    current = current.withRounds(fewer);
                }
            }
        }
        return current;
    }

    /** Drops the tables the query does not name, with their rows and the DML statements on them. */
    private FuzzCase tables(FuzzCase c) {
        FuzzCase current = c;
        for (String table : c.tables()) {
            Pattern named = Pattern.compile("\\b" + table + "\\b");
            if (late() || named.matcher(current.query()).find()) {
                continue;
            }
            List<String> ddl = current.ddl().stream().filter(s -> !named.matcher(s).find()).toList();
            List<String> rows = current.rows().stream().filter(s -> !named.matcher(s).find()).toList();
            List<List<String>> rounds = current.rounds().stream()
                    .map(r -> r.stream().filter(s -> !named.matcher(s).find()).toList())
                    .filter(r -> !r.isEmpty()).toList();
            FuzzCase fewer = new FuzzCase(ddl, rows, rounds, current.query());
            if (test(fewer)) {
                current = fewer;
            }
        }
        return current;
    }

    private FuzzCase rows(FuzzCase c) {
        FuzzCase current = c;
        for (int chunk = Math.max(1, current.rows().size() / 2); chunk >= 1 && !late(); chunk /= 2) {
            for (int from = 0; from < current.rows().size() && !late(); ) {
                List<String> fewer = new ArrayList<>(current.rows());
                fewer.subList(from, Math.min(from + chunk, fewer.size())).clear();
                if (test(current.withRows(fewer))) {
                    current = current.withRows(fewer);
                } else {
                    from += chunk;
                }
            }
        }
        return current;
    }
}
