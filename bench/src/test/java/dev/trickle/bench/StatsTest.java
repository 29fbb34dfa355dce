package dev.trickle.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void medianOfOddAndEvenSamples() {
        assertEquals(3.0, Stats.median(List.of(5.0, 1.0, 3.0)));
        assertEquals(2.5, Stats.median(List.of(4.0, 1.0, 3.0, 2.0)));
        assertTrue(Double.isNaN(Stats.median(List.of())));
    }

    @Test
    void nearestRankPercentile() {
        List<Double> v = List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0);
        assertEquals(9.0, Stats.percentile(v, 90));
        assertEquals(10.0, Stats.percentile(v, 100));
        assertEquals(1.0, Stats.percentile(v, 1));
        assertEquals(5.0, Stats.percentile(List.of(5.0), 90));
    }

    @Test
    void utf8LengthCountsMultiByteCharacters() {
        assertEquals(3, RocksStores.utf8Length("abc"));
        assertEquals(2, RocksStores.utf8Length("é"));
        assertEquals(3, RocksStores.utf8Length("€"));
        assertEquals(4, RocksStores.utf8Length("😀"));
        assertEquals(2, RocksStores.utf8Length("\u0001\u0001"));
    }
}
