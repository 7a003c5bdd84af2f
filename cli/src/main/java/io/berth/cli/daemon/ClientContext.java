package io.berth.cli.daemon;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who a command runs for. A command run by {@code bin/berth} in its own JVM sees the process's own
 * environment and terminal; a command forwarded to berthd sees the client's pid (from SO_PEERCRED), environment,
 * working directory and terminal instead, so that hooks act in the client's mount namespace and read its LXC_*
 * vars, relative paths resolve where the user is, and exec/enter/console run on the user's terminal.
 * {@code receivedNs}: when berthd accepted the request (wall clock, {@link io.berth.ct.phases.Phases#now()}).
 */
public record ClientContext(long pid, Map<String, String> env, Path cwd, boolean remote, Terminal terminal, long receivedNs) {
    private static final ScopedValue<ClientContext> CURRENT = ScopedValue.newInstance();

    /** The caller's stdin/stdout/stderr. */
    public interface Terminal {
        /** Whether descriptor 0, 1 or 2 of the caller is a terminal. */
        boolean isTerminal(int fd);

        /** Runs {@code cmd} on the caller's stdin/stdout/stderr; its exit code (128 + signal if killed). */
        int runAttached(List<String> cmd) throws Exception;

        /** The caller's standard input as raw bytes (e.g. the archive of {@code berth restore VMID -}); not to be closed. */
        InputStream stdin();

        /** The caller's standard output as raw bytes, unbuffered (e.g. {@code berth backup --stdout}); not to be closed. */
        OutputStream stdout();
    }

    /** This process's own standard streams. */
    private static final Terminal OWN = new Terminal() {
        @Override public boolean isTerminal(int fd) {
            return System.console() != null && System.console().isTerminal();
        }

        @Override public int runAttached(List<String> cmd) throws Exception {
            try (io.berth.sys.ProcessRunner.Running p = io.berth.sys.ProcessRunner.pipeline(List.of(cmd)).inheritStdio().start()) {
                return p.await().getFirst().exitCode();
            }
        }

        @Override public InputStream stdin() {
            return new FileInputStream(FileDescriptor.in);
        }

        @Override public OutputStream stdout() {
            return new FileOutputStream(FileDescriptor.out);
        }
    };

    public static ClientContext current() {
        return CURRENT.isBound() ? CURRENT.get()
                : new ClientContext(ProcessHandle.current().pid(), System.getenv(), Path.of("").toAbsolutePath(), false, OWN,
                        io.berth.ct.phases.Phases.now());
    }

    public Optional<String> getenv(String name) {
        return Optional.ofNullable(env.get(name));
    }

    /** A path the caller gave, resolved against the caller's working directory. */
    public Path resolve(String path) {
        return cwd.resolve(path).normalize();
    }

    static <T> T runAs(ClientContext ctx, ScopedValue.CallableOp<T, RuntimeException> op) {
        return ScopedValue.where(CURRENT, ctx).call(op);
    }
}
