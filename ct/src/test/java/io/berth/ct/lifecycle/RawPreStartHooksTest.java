package io.berth.ct.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.config.ContainerConfig;
import io.berth.config.RawLxc;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What lxc-start still runs for lxc.hook.pre-start when berth start did its own pre-start work and cleared the list. */
class RawPreStartHooksTest {
    static ContainerConfig withRaw(RawLxc... raw) {
        return ContainerConfig.of(Map.of("rootfs", "local:subvol-100-disk-0"), List.of(raw), Optional.empty(), List.of());
    }

    @Test
    void theRawConfigsOwnPreStartHooksInOrderAndNothingElse() {
        assertThat(LifecycleService.rawPreStartHooks(withRaw())).isEmpty();
        assertThat(LifecycleService.rawPreStartHooks(withRaw(new RawLxc("lxc.hook.post-stop", "/bin/true"),
                new RawLxc("lxc.hook.pre-start", "/bin/a x"), new RawLxc("lxc.hook.pre-start", "/bin/b"))))
                .containsExactly("/bin/a x", "/bin/b");
    }

    @Test
    void anEmptyValueClearsTheHooksBeforeIt() {
        assertThat(LifecycleService.rawPreStartHooks(withRaw(new RawLxc("lxc.hook.pre-start", "/bin/a"),
                new RawLxc("lxc.hook.pre-start", ""), new RawLxc("lxc.hook.pre-start", "/bin/c"))))
                .containsExactly("/bin/c");
    }
}
