package io.berth.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BerthdTest {
    @TempDir Path root;
    Berthd daemon;
    Thread server;
    final List<List<String>> seen = new CopyOnWriteArrayList<>();
    final List<ClientContext> contexts = new CopyOnWriteArrayList<>();

    @BeforeEach void start() throws Exception {
        daemon = new Berthd(root.resolve("var/run"), ctx -> (args, out, err) -> {
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

    @Test void portFileIsRootOnlyAndNamesThePort() throws Exception {
        Path pf = root.resolve("var/run/berthd.port");
        assertThat(Files.getPosixFilePermissions(pf)).containsExactlyInAnyOrder(
                PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(Files.readString(pf)).startsWith(daemon.port() + " ");
    }

    @Test void refusesAWrongToken() throws Exception {
        List<String> reply = request("BERTH1 wrong\nargs status\nend\n");
        assertThat(reply).contains("2berthd: request refused (bad or missing token)").last().isEqualTo("X126");
        assertThat(seen).isEmpty();
    }

    @Test void theBashClientForwardsArgumentsEnvironmentAndExitCode() throws Exception {
        Path launcher = Path.of(System.getProperty("berth.source.root", "..")).resolve("bin/berth");
        ProcessBuilder pb = new ProcessBuilder("bash", launcher.toString(), "--root", root.toString(),
                "status", "a b", "fail");
        pb.environment().put("LXC_NAME", "123");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isEqualTo(7);
        assertThat(out).contains("args=--root|" + root + "|status|a b|fail").contains("via System.out")
                .endsWith("no newline at end\n");
        assertThat(err).isEqualTo("to stderr\n");
        ClientContext ctx = contexts.getFirst();
        assertThat(ctx.remote()).isTrue();
        assertThat(ctx.getenv("LXC_NAME")).contains("123");
        assertThat(ctx.pid()).isPositive();
    }

    @Test void interactiveCommandsAreNotForwarded() throws Exception {
        Path launcher = Path.of(System.getProperty("berth.source.root", "..")).resolve("bin/berth");
        Process p = new ProcessBuilder("bash", launcher.toString(), "--root", root.toString(), "enter", "100")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        assertThat(seen).isEmpty();
    }

    private List<String> request(String text) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), daemon.port())) {
            PrintWriter w = new PrintWriter(new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8), true);
            w.print(text);
            w.flush();
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            for (String l; (l = r.readLine()) != null; ) lines.add(l);
            return lines;
        }
    }
}
