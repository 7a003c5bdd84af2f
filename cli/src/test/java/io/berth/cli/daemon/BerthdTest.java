package io.berth.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.sys.Fd;
import io.berth.sys.UnixSockets;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * berthd's socket and wire protocol with a stand-in command runner, driven by the real launcher and native client
 * (bin/berth, berth-client) or by raw socket clients playing an attacker.
 */
@Tag("root")
class BerthdTest {
    @TempDir Path root;
    Berthd daemon;
    Thread server;
    final List<List<String>> seen = new CopyOnWriteArrayList<>();
    final List<ClientContext> contexts = new CopyOnWriteArrayList<>();

    @BeforeEach void start() throws Exception {
        daemon = new Berthd(root.resolve("var/run"), DaemonCommand::serves, ctx -> (args, out, err) -> {
            seen.add(args);
            contexts.add(ClientContext.current());
            out.println("args=" + String.join("|", args));
            System.out.println("via System.out");
            err.println("to stderr");
            out.print("no newline at end");
            return args.contains("fail") ? 7 : 0;
        });
        server = Thread.ofPlatform().daemon().start(daemon::serve);
    }

    @AfterEach void stop() throws Exception {
        daemon.close();
        server.join(5000);
    }

    @Test void theSocketIsInARootOnlyDirectoryAndRemovedOnClose() throws Exception {
        Path sock = root.resolve("var/run/berthd/berthd.sock");
        assertThat(daemon.socket()).isEqualTo(sock);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock.getParent()))).isEqualTo("rwx------");
        assertThat(Files.getOwner(sock.getParent()).getName()).isEqualTo("root");
        daemon.close();
        assertThat(sock).doesNotExist();
        assertThat(root.resolve("var/run/berthd.port")).doesNotExist();
    }

    @Test void theClientPassesArgumentsEnvironmentDirectoryAndExitCode() throws Exception {
        Process p = client(List.of("--root", root.toString(), "status", "a b", "fail"), Map.of("LXC_NAME", "123"));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isEqualTo(7);
        assertThat(out).isEqualTo("args=--root|" + root + "|status|a b|fail\nvia System.out\nno newline at end");
        assertThat(err).isEqualTo("to stderr\n");
        ClientContext ctx = contexts.getFirst();
        assertThat(ctx.remote()).isTrue();
        assertThat(ctx.getenv("LXC_NAME")).contains("123");
        assertThat(ctx.cwd()).isEqualTo(root);
        // the pid comes from SO_PEERCRED, not from the request: the client process itself
        assertThat(ctx.pid()).isEqualTo(p.pid());
    }

    /** As LXC runs the rendered hook line (io.berth.ct.hook.HookCommand): sh -c "exec CMD", no BERTH_* inherited. */
    @Test void theHookLineNamesSocketAndLauncherAsTheClientsOwnOptions() throws Exception {
        Path source = Path.of(System.getProperty("berth.source.root", "..")).toAbsolutePath();
        Path build = Path.of(System.getProperty("berth.build.dir", "target")).toAbsolutePath();
        Path launcher = source.resolve("bin/berth");
        var hook = new io.berth.ct.hook.HookCommand(launcher, java.util.Optional.of(root),
                java.util.Optional.of(new io.berth.ct.hook.HookCommand.Direct(build.resolve("berth-client"), daemon.socket())));
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "exec " + hook.commandLine() + " post-stop").directory(root.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("BERTH_"));
        pb.environment().put("LXC_NAME", "123");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        // the client's options are not part of the command berthd gets, and reach it as the two variables
        assertThat(out).startsWith("args=--root|" + root + "|hook|post-stop\n");
        ClientContext ctx = contexts.getFirst();
        assertThat(ctx.getenv("BERTH_SOCK")).contains(daemon.socket().toString());
        assertThat(ctx.getenv("BERTH_LAUNCHER")).contains(launcher.toString());
        assertThat(ctx.getenv("LXC_NAME")).contains("123");
    }

    @Test void aCommandBerthdDoesNotServeRunsInTheClientsOwnJvm() throws Exception {
        Process p = client(List.of("--root", root.toString(), "no-such-command"), Map.of());
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        assertThat(seen).isEmpty();
        assertThat(err).contains("no-such-command"); // picocli's complaint, from the cold path
        assertThat(p.exitValue()).isNotZero();
    }

    @Test void anOversizedRequestIsRefusedBeforeItsBodyIsRead() throws Exception {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(daemon.socket()))) {
            ch.write(ByteBuffer.wrap(PeerProbe.header(400 << 20)));
            // keep writing: once berthd refused and closed, the kernel stops taking our bytes
            AtomicLong sent = new AtomicLong();
            Thread writer = Thread.ofPlatform().start(() -> {
                ByteBuffer junk = ByteBuffer.allocate(1 << 16);
                try {
                    while (sent.get() < (400L << 20)) {
                        junk.clear();
                        sent.addAndGet(ch.write(junk));
                    }
                } catch (IOException e) {
                    // broken pipe: refused
                }
            });
            PeerProbe.Reply r = PeerProbe.reply(ch);
            writer.join(10_000);
            assertThat(r.message()).contains("refused: a request of 419430400 bytes; at most 1048576");
            assertThat(r.exit()).isEqualTo(2);
            assertThat(writer.isAlive()).isFalse();
            // at most what fits in the socket buffers got through before the refusal
            assertThat(sent.get()).isLessThan(16L << 20);
        }
        assertThat(seen).isEmpty();
    }

    @Test void aRequestWithoutTheClientsDescriptorsIsRefused() throws Exception {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(daemon.socket()))) {
            byte[] body = "/\0001\000status\0".getBytes(StandardCharsets.UTF_8);
            // one write: berthd refuses after the header and may close before a second write would land
            ch.write(ByteBuffer.allocate(8 + body.length).put(PeerProbe.header(body.length)).put(body).flip());
            PeerProbe.Reply r = PeerProbe.reply(ch);
            assertThat(r.message()).contains("must pass stdin, stdout and stderr (got 0");
            assertThat(r.exit()).isEqualTo(2);
        }
        assertThat(seen).isEmpty();
    }

    @Test void aNonRootPeerIsRefusedByItsCredentials() throws Exception {
        // the 0700 directory keeps other users from connecting at all; open it to show the SO_PEERCRED check holds too
        for (Path d = daemon.socket().getParent(); d.startsWith(root); d = d.getParent()) {
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx--x--x"));
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket()))).isEqualTo("rw-------");
        Files.setPosixFilePermissions(daemon.socket(), PosixFilePermissions.fromString("rw-rw-rw-"));
        String classes = Path.of(PeerProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:auto", "-cp", classes,
                PeerProbe.class.getName(), daemon.socket().toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("berthd: refused: peer uid 65534").contains("is not allowed").contains("exit 126");
        assertThat(seen).isEmpty();
    }

    @Test void theClientRefusesAListenerThatIsNotRoot() throws Exception {
        // issue 10.3: someone else's process listening on berthd's path (here: bound by nobody, then moved into the
        // root-only directory, as a stale path could be taken over) must get neither the command, its environment nor
        // the caller's descriptors; the client says why and runs the command in its own JVM
        daemon.close();
        Path open = Files.createTempDirectory("berth-fake-listener");
        try {
            Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path fake = open.resolve("fake.sock");
            String classes = Path.of(FakeListener.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            Process listener = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:auto", "-cp", classes,
                    FakeListener.class.getName(), fake.toString()).redirectErrorStream(true).start();
            try {
                var lines = new java.io.BufferedReader(new java.io.InputStreamReader(listener.getInputStream(), StandardCharsets.UTF_8));
                assertThat(lines.readLine()).isEqualTo("listening");
                assertThat(Files.getOwner(fake).getName()).isEqualTo("nobody");
                Files.move(fake, daemon.socket());
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket().getParent()))).isEqualTo("rwx------");

                Process p = client(List.of("--root", root.toString(), "--version"), Map.of("SECRET_OF_ROOT", "x"));
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor()).as(err).isZero();
                assertThat(err).contains("not using berthd: the process on " + daemon.socket() + " is not root");
                assertThat(out).startsWith("berth "); // from the cold path
                assertThat(listener.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(lines.readLine()).isEqualTo("received 0 bytes");
            } finally {
                listener.destroyForcibly();
            }
        } finally {
            Files.deleteIfExists(daemon.socket());
            Files.deleteIfExists(open.resolve("fake.sock"));
            Files.delete(open);
        }
        assertThat(seen).isEmpty();
    }

    @Test void theClientRefusesASocketDirectoryOthersCanEnter() throws Exception {
        Files.setPosixFilePermissions(daemon.socket().getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Process p = client(List.of("--root", root.toString(), "--version"), Map.of());
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(err).isZero();
        assertThat(err).contains("not using berthd: " + daemon.socket().getParent() + " must be owned by root with mode 0700")
                .contains("mode 0755");
        assertThat(out).startsWith("berth ");
        assertThat(seen).isEmpty();
    }

    @Test void aStaleSocketIsReplacedAndALiveOneIsNot() throws Exception {
        assertThatThrownBy(() -> new Berthd(root.resolve("var/run"), a -> true, c -> null))
                .isInstanceOf(IOException.class).hasMessageContaining("already listens on");
        // a socket file nobody accepts on: what a killed berthd leaves
        Path other = root.resolve("other/run");
        Path stale = Berthd.socketPath(other);
        Files.createDirectories(stale.getParent());
        UnixSockets.listen(stale, 1).close();
        assertThat(stale).exists();
        try (Berthd d = new Berthd(other, a -> true, c -> null)) {
            try (Fd conn = UnixSockets.connect(stale)) {
                assertThat(UnixSockets.peerCredentials(conn).uid()).isZero();
            }
        }
        assertThat(stale).doesNotExist();
    }

    @Test void theClientRunsTheColdPathWhenTheSocketIsStale() throws Exception {
        daemon.close();
        Path stale = daemon.socket();
        UnixSockets.listen(stale, 1).close();
        Process p = client(List.of("--root", root.toString(), "--version"), Map.of());
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        assertThat(out).startsWith("berth ");
        assertThat(seen).isEmpty();
    }

    /** Runs bin/berth as an admin would, with the native client of this build. */
    private Process client(List<String> args, Map<String, String> env) throws IOException {
        Path source = Path.of(System.getProperty("berth.source.root", "..")).toAbsolutePath();
        Path build = Path.of(System.getProperty("berth.build.dir", "target"));
        List<String> cmd = new ArrayList<>(List.of(source.resolve("bin/berth").toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile());
        pb.environment().remove("BERTH_NO_DAEMON");
        pb.environment().put("BERTH_CLIENT", build.resolve("berth-client").toString());
        pb.environment().put("BERTH_JAR", build.resolve("berth.jar").toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().putAll(env);
        return pb.start();
    }
}
