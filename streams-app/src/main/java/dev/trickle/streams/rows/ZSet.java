package dev.trickle.streams.rows;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * A Z-set: a multiset with integer (possibly negative) weights, always consolidated: adding sums the
 * weights of equal elements, and an element whose weight reaches zero disappears. Insertion order is
 * kept so that outputs are deterministic.
 */
public final class ZSet<T> {
    private final Map<T, Long> weights;

    public ZSet() {
        weights = new LinkedHashMap<>();
    }

    /**
     * An empty Z-set with room for {@code expected} elements before its map grows: an operator whose output has
     * about as many rows as its input (a projection, a filter's upper bound) then rehashes none of them.
     */
    public ZSet(int expected) {
        weights = new LinkedHashMap<>(Math.max(16, (int) Math.min(1 << 30, expected * 4L / 3 + 1)));
    }

    /** Adds {@code weight} copies of {@code element} (negative: removals); returns this. */
    public ZSet<T> add(T element, long weight) {
        Objects.requireNonNull(element, "element");
        if (weight != 0) {
            // Math::addExact: a wrapped-around weight would silently corrupt the multiset
            Long sum = weights.merge(element, weight, Math::addExact);
            if (sum == 0) {
                weights.remove(element);
            }
        }
        return this;
    }

    /** Adds every element of {@code other} with its weight; returns this. */
    public ZSet<T> addAll(ZSet<? extends T> other) {
        other.weights.forEach(this::add);
        return this;
    }

    /** The weight of {@code element} (0 when absent). */
    public long weight(T element) {
        return weights.getOrDefault(element, 0L);
    }

    public void forEach(BiConsumer<? super T, ? super Long> action) {
        weights.forEach(action);
    }

    /** A read-only view: element → non-zero weight. */
    public Map<T, Long> asMap() {
        return Collections.unmodifiableMap(weights);
    }

    public boolean isEmpty() {
        return weights.isEmpty();
    }

    /** The number of distinct elements (not the sum of weights). */
    public int size() {
        return weights.size();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ZSet<?> other && weights.equals(other.weights);
    }

    @Override
    public int hashCode() {
        return weights.hashCode();
    }

    @Override
    public String toString() {
        return weights.toString();
    }
}
