package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The lean command trees of {@link LeanPath} must behave exactly like the full tree. */
class LeanPathTest {
    @TempDir Path root;

    @Test void everyCommandHasTheSameUsageInTheLeanTreeAsInTheFullTree() {
        Map<String, CommandLine> full = Main.commandLine().getSubcommands();
        int lean = 0;
        for (Map.Entry<String, CommandLine> e : full.entrySet()) {
            String name = e.getKey();
            String[] args = {"--root", root.toString(), name, "--help"};
            if (!(LeanPath.of(args) instanceof LeanPath.Single)) continue;
            lean++;
            CommandLine sub = LeanPath.commandLine(args).getSubcommands().get(name);
            assertThat(sub).as(name).isNotNull();
            assertThat(usage(sub)).as(name).isEqualTo(usage(e.getValue()));
        }
        assertThat(lean).as("commands that take the lean path").isGreaterThan(full.size() / 2);
    }

    @Test void everyNameAndAliasOfMainsSubcommandsTakesTheLeanPathToItsCommand() {
        int names = 0;
        for (Class<?> c : Main.class.getAnnotation(picocli.CommandLine.Command.class).subcommands()) {
            picocli.CommandLine.Command a = c.getAnnotation(picocli.CommandLine.Command.class);
            java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(a.name()));
            all.addAll(java.util.List.of(a.aliases()));
            for (String name : all) {
                if (name.equals("help")) continue; // `berth help` lists its siblings: the full tree
                names++;
                LeanPath expected = name.equals("hook") ? new LeanPath.Hook() : new LeanPath.Single(a.name(), c);
                assertThat(LeanPath.of(new String[] {"--root", "/x", name, "100"})).as(name).isEqualTo(expected);
            }
        }
        assertThat(names).isGreaterThan(50);
    }

    @Test void pathsAreChosenByTheFirstWordAfterRoot() {
        assertThat(LeanPath.of(new String[] {"--version"})).isInstanceOf(LeanPath.Version.class);
        assertThat(LeanPath.of(new String[] {"--root", "/x", "-V"})).isInstanceOf(LeanPath.Version.class);
        assertThat(LeanPath.of(new String[] {"--root=/x", "hook", "pre-start"})).isInstanceOf(LeanPath.Hook.class);
        assertThat(LeanPath.of(new String[] {"hook", "--help"})).isInstanceOf(LeanPath.Full.class);
        assertThat(LeanPath.of(new String[] {"help", "memory"})).isInstanceOf(LeanPath.Full.class);
        assertThat(LeanPath.of(new String[] {"--help"})).isInstanceOf(LeanPath.Full.class);
        assertThat(LeanPath.of(new String[] {"--root"})).isInstanceOf(LeanPath.Full.class);
        assertThat(LeanPath.of(new String[] {"no-such-command"})).isInstanceOf(LeanPath.Full.class);
        assertThat(LeanPath.of(new String[] {"--version", "extra"})).isInstanceOf(LeanPath.Full.class);
        assertThat(LeanPath.of(new String[] {"--root", "/x", "config", "100"}))
                .isEqualTo(new LeanPath.Single("config", ConfigShowCommand.class));
    }

    @Test void theLeanTreeHonoursRootBeforeAndAfterTheCommand() throws Exception {
        Path conf = root.resolve("etc/lxc/100.conf");
        Files.createDirectories(conf.getParent());
        Files.writeString(conf, "arch: amd64\nhostname: lean\nmemory: 256\nostype: debian\n");
        for (String[] args : new String[][] {{"--root", root.toString(), "config", "100"}, {"config", "--root", root.toString(), "100"},
                {"--root=" + root, "config", "100"}}) {
            StringWriter out = new StringWriter();
            CommandLine cl = LeanPath.commandLine(args);
            assertThat(cl.getSubcommands()).containsOnlyKeys("config");
            cl.setOut(new PrintWriter(out, true));
            assertThat(cl.execute(args)).isZero();
            assertThat(out.toString()).contains("hostname: lean").contains("memory: 256");
        }
    }

    @Test void versionAndHookTreesAreMinimalAndAnswerLikeTheFullTree() {
        String[] version = {"--root", root.toString(), "--version"};
        CommandLine lean = LeanPath.commandLine(version);
        assertThat(lean.getSubcommands()).isEmpty();
        StringWriter a = new StringWriter(), b = new StringWriter();
        lean.setOut(new PrintWriter(a, true));
        CommandLine full = Main.commandLine();
        full.setOut(new PrintWriter(b, true));
        assertThat(lean.execute(version)).isZero();
        assertThat(full.execute(version)).isZero();
        assertThat(a.toString()).startsWith("berth ").isEqualTo(b.toString());
        assertThat(LeanPath.commandLine(new String[] {"--root", root.toString(), "hook", "pre-start"}).getSubcommands())
                .containsOnlyKeys("hook");
    }

    private static String usage(CommandLine cl) {
        StringWriter w = new StringWriter();
        cl.usage(new PrintWriter(w, true));
        return w.toString();
    }
}
