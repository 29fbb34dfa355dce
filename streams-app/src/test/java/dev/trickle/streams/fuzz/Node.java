package dev.trickle.streams.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * A generated query as a tree of SQL text pieces that knows its own smaller forms: each node renders to
 * SQL text, and offers the nodes that may replace it when shrinking (an expression its same-typed operands
 * or a plain literal, a clause nothing, a list each list with one element fewer). Whether a smaller query is
 * still valid SQL is not the tree's concern: the shrinker keeps a candidate only if it still fails the
 * same way, so a candidate PostgreSQL rejects is simply dropped.
 */
final class Node {
    private static final Supplier<List<Node>> NONE = List::of;

    private final List<Object> parts;
    private final Supplier<List<Node>> smaller;

    private Node(List<Object> parts, Supplier<List<Node>> smaller) {
        this.parts = parts;
        this.smaller = smaller;
    }

    /** Plain text, nothing smaller. */
    static Node text(String sql) {
        return new Node(List.of(sql), NONE);
    }

    /** The concatenation of {@code parts} (strings and nodes), nothing smaller than itself. */
    static Node of(Object... parts) {
        return new Node(Arrays.asList(parts), NONE);
    }

    /** This node, offering {@code replacements} as smaller forms (on top of any it had). */
    Node orSmaller(Node... replacements) {
        Supplier<List<Node>> before = smaller;
        return new Node(parts, () -> {
            List<Node> out = new ArrayList<>(List.of(replacements));
            out.addAll(before.get());
            return out;
        });
    }

    /** {@code items} joined by {@code separator}; smaller forms drop one item (at least {@code min} stay). */
    static Node list(String separator, List<Node> items, int min) {
        List<Object> parts = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                parts.add(separator);
            }
            parts.add(items.get(i));
        }
        return new Node(parts, () -> {
            List<Node> out = new ArrayList<>();
            for (int i = 0; items.size() > min && i < items.size(); i++) {
                List<Node> fewer = new ArrayList<>(items);
                fewer.remove(i);
                out.add(list(separator, fewer, min));
            }
            return out;
        });
    }

    String sql() {
        StringBuilder b = new StringBuilder();
        for (Object p : parts) {
            b.append(p instanceof Node n ? n.sql() : p);
        }
        return b.toString();
    }

    /** Every tree that differs from this one by one node replaced by one of its smaller forms. */
    List<Node> shrinks() {
        List<Node> out = new ArrayList<>(smaller.get());
        for (int i = 0; i < parts.size(); i++) {
            if (parts.get(i) instanceof Node child) {
                for (Node c : child.shrinks()) {
                    List<Object> copy = new ArrayList<>(parts);
                    copy.set(i, c);
                    out.add(new Node(copy, smaller));
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return sql();
    }
}
