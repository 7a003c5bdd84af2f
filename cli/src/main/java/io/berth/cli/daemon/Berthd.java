package io.berth.cli.daemon;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * berthd: a resident JVM that runs berth commands for the thin client in {@code bin/berth}, so a
 * command costs a bash start and a loopback round trip instead of a JVM start (and so do LXC hooks,
 * which otherwise pay a JVM start each, twice per container start).
 *
 * <p>It listens on 127.0.0.1 on an ephemeral port; the port and a random token are in
 * {@code <run dir>/berthd.port}, readable by root only. A request without the token is refused, so
 * only a process that can read that file (root) can drive it.
 *
 * <p>Wire format, one UTF-8 line per item: {@code BERTH1 <token>}, {@code pid <n>},
 * {@code cwd <dir>}, {@code env NAME=value} (zero or more), {@code args a1<US>a2...} (US = 0x1f),
 * {@code end}. Replies are lines starting with {@code 1} (stdout), {@code 2} (stderr) and a final
 * {@code X<exit code>}; bash reads them with builtins only.
 */
public final class Berthd implements AutoCloseable {
    public static final String PORT_FILE = "berthd.port";
    private static final char US = 0x1f;

    private final ServerSocket server;
    private final String token;
    private final Path portFile;
    private final Function<ClientContext, CommandRunner> runners;
    private volatile boolean closed;

    /** Runs one command line for a client and returns its exit code. */
    @FunctionalInterface
    public interface CommandRunner {
        int run(List<String> args, PrintWriter out, PrintWriter err);
    }

    public Berthd(Path runDir, Function<ClientContext, CommandRunner> runners) throws IOException {
        this.runners = runners;
        StdioRouter.install();
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        this.token = HexFormat.of().formatHex(raw);
        this.server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        Files.createDirectories(runDir);
        this.portFile = runDir.resolve(PORT_FILE);
        Path tmp = Files.createTempFile(runDir, PORT_FILE, ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, server.getLocalPort() + " " + token + "\n");
        Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Serves until {@link #close()}; each connection on its own virtual thread. */
    public void serve() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (closed) return;
                continue;
            }
            Thread.ofVirtual().name("berthd-client").start(() -> handle(s));
        }
    }

    private void handle(Socket s) {
        try (s; OutputStream raw = s.getOutputStream()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            Request req = Request.read(in);
            Object lock = new Object();
            try (PrintWriter out = new PrintWriter(new PrefixWriter(raw, '1', lock), true);
                 PrintWriter err = new PrintWriter(new PrefixWriter(raw, '2', lock), true)) {
                int rc;
                if (req == null || !MessageDigest.isEqual(req.token.getBytes(StandardCharsets.UTF_8),
                        token.getBytes(StandardCharsets.UTF_8))) {
                    err.println("berthd: request refused (bad or missing token)");
                    rc = 126;
                } else {
                    ClientContext ctx = new ClientContext(req.pid, req.env, req.cwd, true);
                    rc = ScopedValue.where(StdioRouter.SINKS, new StdioRouter.Sinks(out, err)).call(
                            () -> ClientContext.runAs(ctx, () -> {
                                try {
                                    return runners.apply(ctx).run(req.args, out, err);
                                } catch (RuntimeException e) {
                                    err.println("berthd: " + e);
                                    return 1;
                                } finally {
                                    System.out.flush();
                                    System.err.flush();
                                }
                            }));
                }
                out.close(); // emits a last unterminated line before the exit marker
                err.close();
                synchronized (lock) {
                    raw.write(("X" + rc + "\n").getBytes(StandardCharsets.UTF_8));
                    raw.flush();
                }
            }
        } catch (IOException e) {
            // client went away; nothing to report to
        }
    }

    @Override public void close() throws IOException {
        closed = true;
        Files.deleteIfExists(portFile);
        server.close();
    }

    private record Request(String token, long pid, Path cwd, Map<String, String> env, List<String> args) {
        static Request read(BufferedReader in) throws IOException {
            String first = in.readLine();
            if (first == null || !first.startsWith("BERTH1 ")) return null;
            String token = first.substring(7).strip();
            long pid = -1;
            Path cwd = Path.of("/");
            Map<String, String> env = new HashMap<>();
            List<String> args = List.of();
            for (String line; (line = in.readLine()) != null && !line.equals("end"); ) {
                int sp = line.indexOf(' ');
                String k = sp < 0 ? line : line.substring(0, sp), v = sp < 0 ? "" : line.substring(sp + 1);
                switch (k) {
                    case "pid" -> pid = Long.parseLong(v.strip());
                    case "cwd" -> cwd = Path.of(v);
                    case "env" -> {
                        int eq = v.indexOf('=');
                        if (eq > 0) env.put(v.substring(0, eq), v.substring(eq + 1));
                    }
                    case "args" -> args = v.isEmpty() ? List.of() : List.of(v.split(String.valueOf(US), -1));
                    default -> { /* unknown header lines are ignored for forward compatibility */ }
                }
            }
            return new Request(token, pid, cwd, env, args);
        }
    }

    /** Turns written text into lines prefixed with a stream tag; a partial line waits for its end. */
    private static final class PrefixWriter extends Writer {
        private final OutputStream raw;
        private final char tag;
        private final Object lock;
        private final StringBuilder line = new StringBuilder();

        PrefixWriter(OutputStream raw, char tag, Object lock) {
            this.raw = raw;
            this.tag = tag;
            this.lock = lock;
        }

        @Override public void write(char[] cbuf, int off, int len) throws IOException {
            for (int i = off; i < off + len; i++) {
                char c = cbuf[i];
                if (c == '\n') emit();
                else line.append(c);
            }
        }

        private void emit() throws IOException {
            byte[] b = (tag + line.toString() + "\n").getBytes(StandardCharsets.UTF_8);
            line.setLength(0);
            synchronized (lock) {
                raw.write(b);
            }
        }

        @Override public void flush() throws IOException {
            synchronized (lock) {
                raw.flush();
            }
        }

        @Override public void close() throws IOException {
            if (!line.isEmpty()) emit();
            flush();
        }
    }
}
