package dev.trickle.streams.operators.aggregate;

import dev.trickle.streams.rows.ByteReader;
import dev.trickle.streams.rows.ByteWriter;
import dev.trickle.streams.rows.RowCodec;
import java.util.List;

/**
 * What the aggregate keeps per group between ticks: how many input rows it holds, the row it last emitted
 * (so that a change retracts exactly that row), its accumulators' states, and, when equal keys can be
 * written differently, the {@link WrittenForms} of its key. Stored as bytes: the row count, the emitted row
 * in {@link RowCodec}'s form (decoded once per tick of the group), the forms and the accumulators as texts.
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

    static GroupState decode(byte[] saved, int calls) {
        ByteReader in = new ByteReader(saved);
        GroupState s = new GroupState(calls);
        s.rows = in.readSignedVarint();
        s.emitted = in.readByte() == 0 ? null : RowCodec.read(in);
        String forms = in.readText();
        s.forms = forms == null ? new WrittenForms() : WrittenForms.decode(forms);
        for (int i = 0; i < calls; i++) {
            s.accumulators[i] = in.readText();
        }
        if (in.hasMore()) {
            throw new IllegalStateException("a group's state has " + (saved.length - in.position())
                    + " bytes more than its " + calls + " aggregates: it was written for another query");
        }
        return s;
    }

    byte[] encode() {
        ByteWriter out = new ByteWriter(32 + 16 * accumulators.length).writeSignedVarint(rows);
        if (emitted == null) {
            out.writeByte(0);
        } else {
            RowCodec.write(out.writeByte(1), emitted);
        }
        String f = forms.encode();
        out.writeText(f.isEmpty() ? null : f);
        for (String a : accumulators) {
            out.writeText(a);
        }
        return out.toByteArray();
    }
}
