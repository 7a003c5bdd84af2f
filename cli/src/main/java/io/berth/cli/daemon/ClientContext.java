package io.berth.cli.daemon;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Who a command runs for. A command run by {@code bin/berth} in its own JVM sees the process's own
 * environment; a command forwarded to berthd sees the client's pid, environment and working
 * directory instead, so that hooks can act in the client's mount namespace and read its LXC_* vars.
 */
public record ClientContext(long pid, Map<String, String> env, Path cwd, boolean remote) {
    private static final ScopedValue<ClientContext> CURRENT = ScopedValue.newInstance();

    public static ClientContext current() {
        return CURRENT.isBound() ? CURRENT.get()
                : new ClientContext(ProcessHandle.current().pid(), System.getenv(), Path.of("").toAbsolutePath(), false);
    }

    public Optional<String> getenv(String name) {
        return Optional.ofNullable(env.get(name));
    }

    static <T> T runAs(ClientContext ctx, ScopedValue.CallableOp<T, RuntimeException> op) {
        return ScopedValue.where(CURRENT, ctx).call(op);
    }
}
