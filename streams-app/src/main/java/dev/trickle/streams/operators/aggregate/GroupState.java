package dev.trickle.streams.operators.aggregate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the aggregate keeps per group between ticks: how many input rows it holds, the row it last emitted
 * (so that a change retracts exactly that row), its accumulators' states, and, when equal keys can be
 * written differently, the {@link WrittenForms} of its key.
 */
final class GroupState {
    long rows;
    List<String> emitted;
    /** The written forms of the key (encoded) and their rows; empty when keys have one text each. */
    WrittenForms forms = new WrittenForms();
    final String[] accumulators;

    GroupState(int calls) {
        this.accumulators = new String[calls];
    }

    static GroupState decode(String saved, int calls) {
        List<String> f = Codec.decode(saved);
        GroupState s = new GroupState(calls);
        s.rows = Long.parseLong(f.get(0));
        s.emitted = f.get(1) == null ? null : Codec.decode(f.get(1));
        s.forms = WrittenForms.decode(f.get(2));
        for (int i = 0; i < calls; i++) {
            s.accumulators[i] = f.get(3 + i);
        }
        return s;
    }

    String encode() {
        List<String> f = new ArrayList<>(Arrays.asList(Long.toString(rows), emitted == null ? null : Codec.encode(emitted),
                forms.encode()));
        f.addAll(Arrays.asList(accumulators));
        return Codec.encode(f);
    }
}
