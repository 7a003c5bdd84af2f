package io.berth.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.error.HostFailureException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReverterTest {
    @Test void undoesInReverseWhenNotCommitted() {
        List<String> done = new ArrayList<>();
        assertThatThrownBy(() -> {
            try (Reverter undo = new Reverter()) {
                undo.push("a", () -> done.add("undo a"));
                undo.push("b", () -> done.add("undo b"));
                throw new IllegalStateException("step c failed");
            }
        }).hasMessage("step c failed");
        assertThat(done).containsExactly("undo b", "undo a");
    }

    @Test void commitKeepsEverything() {
        List<String> done = new ArrayList<>();
        try (Reverter undo = new Reverter()) {
            undo.push("a", () -> done.add("undo a"));
            undo.commit();
        }
        assertThat(done).isEmpty();
    }

    @Test void aFailingUndoDoesNotStopTheOthersAndIsReportedWithTheOriginalFailure() {
        List<String> done = new ArrayList<>();
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> {
            try (Reverter undo = new Reverter()) {
                undo.push("free volume local:100/vm-100-disk-0.raw", () -> done.add("free"));
                undo.push("remove /tmp/x", () -> { throw new IOException("EBUSY"); });
                undo.push("unmount", () -> done.add("unmount"));
                throw new IllegalStateException("mkfs failed");
            }
        });
        assertThat(t).hasMessage("mkfs failed");
        assertThat(done).containsExactly("unmount", "free");
        assertThat(t.getSuppressed()).singleElement().isInstanceOf(HostFailureException.class)
                .satisfies(s -> assertThat(s.getMessage()).isEqualTo("undo incomplete, left behind: remove /tmp/x: EBUSY"));
    }
}
