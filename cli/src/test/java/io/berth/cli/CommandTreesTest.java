package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** berthd's command trees, kept between requests: no request may see an option or a root of the one before. */
class CommandTreesTest {
    @TempDir Path tmp;

    record Result(int rc, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(rc, out.toString(), err.toString());
    }

    Path root(String name, String config) throws Exception {
        Path r = tmp.resolve(name);
        Files.createDirectories(r.resolve("etc/lxc"));
        Files.writeString(r.resolve("etc/lxc/100.conf"), config);
        return r;
    }

    @Test void optionsRootsAndPositionalsDoNotCarryOverToTheNextRequest() throws Exception {
        Path a = root("a", "arch: amd64\nhostname: alpha\nmemory: 512\nostype: debian\n\n[PENDING]\nmemory: 1024\n");
        Path b = root("b", "arch: amd64\nhostname: beta\nmemory: 256\nostype: debian\n");
        Result current = run("--root", a.toString(), "config", "100", "--current");
        assertThat(current.rc()).as(current.err()).isZero();
        assertThat(current.out()).contains("hostname: alpha").contains("memory: 512");
        // the same tree again: --current is back to false, the pending value shows
        Result pending = run("--root", a.toString(), "config", "100");
        assertThat(pending.out()).contains("hostname: alpha").contains("memory: 1024");
        Result other = run("--root", b.toString(), "config", "100");
        assertThat(other.out()).contains("hostname: beta").doesNotContain("alpha");
        // a failed parse leaves nothing behind either
        assertThat(run("--root", a.toString(), "config", "100", "--no-such-option").rc()).isEqualTo(CliErrors.EXIT_INVALID);
        assertThat(run("--root", a.toString(), "config", "101").rc()).isEqualTo(3);
        assertThat(run("--root", a.toString(), "config", "100").out()).contains("memory: 1024");

        Result json = run("--root", b.toString(), "status", "100", "--output", "json");
        assertThat(json.rc()).as(json.err()).isZero();
        assertThat(json.out()).startsWith("{").contains("\"status\":\"stopped\"");
        Result text = run("--root", b.toString(), "status", "100");
        assertThat(text.out()).isEqualTo("status: stopped\n");
        assertThat(run("--root", b.toString(), "--version").out()).startsWith("berth ");
    }

    @Test void aTreeIsKeptAndReusedOnlyForCommandsWithoutStateOfTheirOwn() throws Exception {
        Path a = root("c", "arch: amd64\nhostname: gamma\nmemory: 512\nostype: debian\n");
        for (int i = 0; i < 5; i++) assertThat(run("--root", a.toString(), "pending", "100").rc()).isZero();
        // sequential requests: one tree, taken and given back each time
        assertThat(CommandTrees.idle(ConfigPendingCommand.class)).isEqualTo(1);
        assertThat(run("--root", a.toString(), "set", "100", "--memory", "768").rc()).isZero();
        assertThat(CommandTrees.idle(ConfigSetCommand.class)).isZero();
        assertThat(Files.readString(a.resolve("etc/lxc/100.conf"))).contains("memory: 768");
    }

    @Test void lxcHookRequestsReuseOneTreeWithoutCarryingArgumentsOver() throws Exception {
        Path a = root("h", "arch: amd64\nhostname: eta\nmemory: 512\nostype: debian\n");
        Result bogus = run("--root", a.toString(), "hook", "100", "lxc", "no-such-hook");
        assertThat(bogus.rc()).isNotZero();
        assertThat(bogus.err()).contains("hook type 'no-such-hook' is unknown");
        // the same tree again, no arguments: the three of the request before are gone (LXC_HOOK_TYPE is not set here)
        Result none = run("--root", a.toString(), "hook");
        assertThat(none.rc()).isNotZero();
        assertThat(none.err()).contains("no hook type given").doesNotContain("no-such-hook");
        assertThat(CommandTrees.idle(LxcHookCommand.class)).isEqualTo(1);
    }

    @Test void concurrentRequestsOfOneCommandUseTheirOwnTrees() throws Exception {
        List<Path> roots = new ArrayList<>();
        for (int i = 0; i < 8; i++) roots.add(root("r" + i, "arch: amd64\nhostname: host" + i + "\nmemory: 512\nostype: debian\n"));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> all = new ArrayList<>();
            for (int round = 0; round < 20; round++) {
                for (int i = 0; i < roots.size(); i++) {
                    Path r = roots.get(i);
                    String want = "hostname: host" + i + "\n";
                    Callable<Boolean> c = () -> run("--root", r.toString(), "config", "100").out().contains(want);
                    all.add(pool.submit(c));
                }
            }
            for (Future<Boolean> f : all) assertThat(f.get()).isTrue();
        } finally {
            pool.shutdownNow();
        }
        assertThat(CommandTrees.idle(ConfigShowCommand.class)).isBetween(1, CommandTrees.IDLE_PER_COMMAND + 8);
    }

    /**
     * exec's plain form skips picocli's parse on a kept tree (LifecycleCommands.plainExec): it must take the root,
     * VMID and command of its own request, answer exactly as picocli's parse of the same request does, and leave the
     * tree as clean for the next request (either way) as a parse does.
     */
    @Test void execsPlainFormAnswersAsPicocliAndCarriesNothingOver() throws Exception {
        Path a = root("ea", "arch: amd64\nhostname: alpha\nostype: debian\n");
        Path b = root("eb", "arch: amd64\nhostname: beta\nostype: debian\n");
        for (Path r : List.of(a, b, a)) {
            // no container 101 in either root: the error names this request's root
            Result plain = run("--root", r.toString(), "exec", "101", "--", "true");
            Result parsed = run("--root", r.toString(), "exec", "--keep-env", "1", "101", "--", "true"); // not the plain form
            assertThat(plain.rc()).isEqualTo(CliErrors.EXIT_NOT_FOUND).isEqualTo(parsed.rc());
            assertThat(plain.err()).contains(r.resolve("etc/lxc/101.conf").toString()).isEqualTo(parsed.err());
            assertThat(run("--root=" + r, "exec", "101", "--", "true").err()).isEqualTo(plain.err());
            // 100 exists, stopped: the running check comes next
            Result stopped = run("--root", r.toString(), "exec", "100", "--", "sh", "-c", "exit 3");
            assertThat(stopped.rc()).isEqualTo(CliErrors.EXIT_STATE);
            assertThat(stopped.err()).isEqualTo(run("--root", r.toString(), "exec", "100", "--keep-env", "0", "--", "true").err());
        }
        // what the plain form does not take goes to picocli, which reports it as before
        Result badVmid = run("--root", a.toString(), "exec", "0100", "--", "true");
        assertThat(badVmid.rc()).isEqualTo(CliErrors.EXIT_INVALID);
        assertThat(badVmid.err()).contains("VMID");
        assertThat(run("--root", a.toString(), "exec", "100", "--").rc()).isEqualTo(CliErrors.EXIT_INVALID); // no command
        assertThat(run("--root", a.toString(), "exec", "100", "true").rc()).isEqualTo(CliErrors.EXIT_STATE); // no "--": picocli
        assertThat(CommandTrees.idle(LifecycleCommands.Exec.class)).isEqualTo(1);
    }

    /**
     * start's and stop's plain form ({@code [--root DIR] start|stop VMID}) skips picocli's parse too
     * (LifecycleCommands.plainStartStop): it must take the root and VMID of its own request, answer as picocli's
     * parse of the same request does, and give every option the value a parse without it gives, whatever the
     * request before set on the kept tree. The containers carry {@code lock: backup}, so a start or stop that does
     * not skip the lock stops there, before anything runs; one that kept {@code --skiplock} would go on.
     */
    @Test void startsAndStopsPlainFormAnswersAsPicocliAndCarriesNothingOver() throws Exception {
        Path a = root("sa", "arch: amd64\nhostname: alpha\nlock: backup\nostype: debian\n");
        Path b = root("sb", "arch: amd64\nhostname: beta\nlock: backup\nostype: debian\n");
        for (String cmd : List.of("start", "stop")) {
            for (Path r : List.of(a, b, a)) {
                // no container 101: the error names this request's root
                Result plain = run("--root", r.toString(), cmd, "101");
                Result parsed = run("--root", r.toString(), cmd, "--", "101"); // not the plain form
                assertThat(plain.rc()).isEqualTo(CliErrors.EXIT_NOT_FOUND).isEqualTo(parsed.rc());
                assertThat(plain.err()).contains(r.resolve("etc/lxc/101.conf").toString()).isEqualTo(parsed.err());
                assertThat(run("--root=" + r, cmd, "101").err()).isEqualTo(plain.err());
                // a parse that set every option of the command, then the plain form on the same tree
                List<String> all = new ArrayList<>(List.of("--root", r.toString(), cmd, "--skiplock"));
                all.add(cmd.equals("start") ? "--debug" : "--overrule-shutdown");
                all.add("101");
                assertThat(run(all.toArray(String[]::new)).rc()).isEqualTo(CliErrors.EXIT_NOT_FOUND);
                Result locked = run("--root", r.toString(), cmd, "100");
                assertThat(locked.rc()).as(locked.err()).isEqualTo(CliErrors.EXIT_LOCKED);
                assertThat(locked.err()).contains("locked (backup)").isEqualTo(run("--root", r.toString(), cmd, "--", "100").err());
            }
            assertThat(run("--root", a.toString(), cmd, "0100").rc()).isEqualTo(CliErrors.EXIT_INVALID); // picocli refuses it
        }
        assertThat(CommandTrees.idle(LifecycleCommands.Start.class)).isEqualTo(1);
        assertThat(CommandTrees.idle(LifecycleCommands.Stop.class)).isEqualTo(1);
        // the options of the plain form are those of a parse without them
        picocli.CommandLine tree = LeanPath.commandLine(new String[] {"start", "100"});
        tree.parseArgs("--root", a.toString(), "start", "--skiplock", "--debug", "777");
        var start = (LifecycleCommands.Start) tree.getSubcommands().get("start").getCommand();
        assertThat(LifecycleCommands.plainStartStop(tree, new String[] {"start", "100"})).isPresent();
        assertThat(start.skiplock || start.debug).isFalse();
        assertThat(start.vmid).isEqualTo(100);
        assertThat(((Main) tree.getCommand()).root).isNull();
    }

    /**
     * Every option of start, stop and exec (those there now and any added later), set by an earlier request on the
     * kept tree, is back to what picocli's parse of the plain form gives once the plain path took the request.
     */
    @Test void thePlainFormsUnsetEveryOptionAsAParseWould() {
        List<String[]> forms = List.of(new String[] {"start", "100"}, new String[] {"stop", "100"},
                new String[] {"exec", "100", "--", "true"});
        for (String[] form : forms) {
            picocli.CommandLine tree = LeanPath.commandLine(form);
            var options = tree.getSubcommands().get(form[0]).getCommandSpec().options().stream()
                    .filter(o -> !o.usageHelp() && !o.versionHelp()).toList();
            assertThat(options).as(form[0]).isNotEmpty();
            // the tree's first request (picocli reads an option's initial value on first use, from the fresh field)
            assertThat(plainForm(tree, form)).as(form[0]).isPresent();
            for (var o : options) {
                Object v = o.getValue();
                Class<?> t = o.type();
                Object dirty = t == boolean.class || t == Boolean.class ? !Boolean.TRUE.equals(v)
                        : t == int.class || t == Integer.class ? (Object) 12345
                        : t == String.class ? "dirty" : null;
                assertThat(dirty).as(form[0] + " " + o.longestName() + ": a type this test cannot set (" + t + "); extend it").isNotNull();
                o.setValue(dirty);
            }
            assertThat(plainForm(tree, form)).as(form[0]).isPresent();
            picocli.CommandLine parsed = LeanPath.commandLine(form);
            parsed.parseArgs(form);
            var expected = parsed.getSubcommands().get(form[0]).getCommandSpec();
            for (var o : options) {
                assertThat((Object) o.getValue()).as(form[0] + " " + o.longestName())
                        .isEqualTo(expected.findOption(o.longestName()).getValue());
            }
        }
    }

    static java.util.Optional<?> plainForm(picocli.CommandLine tree, String[] form) {
        return form[0].equals("exec") ? LifecycleCommands.plainExec(tree, form) : LifecycleCommands.plainStartStop(tree, form);
    }

    /**
     * The audit behind {@link CommandTrees#REUSABLE}, kept true: every instance field of those commands (and their
     * superclasses) is one picocli manages, so nothing of a request survives into the next. An {@code @Unmatched}
     * list must start null: picocli resets it to its initial object and adds to that, so an initial list would grow
     * with every request.
     */
    @Test void reusableCommandsHaveOnlyPicocliManagedFields() throws Exception {
        for (Class<?> c : CommandTrees.REUSABLE) {
            Object fresh = null;
            for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
                for (var f : k.getDeclaredFields()) {
                    if (java.lang.reflect.Modifier.isStatic(f.getModifiers())) continue;
                    boolean managed = f.isAnnotationPresent(Option.class) || f.isAnnotationPresent(Parameters.class)
                            || f.isAnnotationPresent(Spec.class) || f.isAnnotationPresent(ParentCommand.class);
                    if (f.isAnnotationPresent(Unmatched.class)) {
                        if (fresh == null) {
                            var ctor = c.getDeclaredConstructor();
                            ctor.setAccessible(true);
                            fresh = ctor.newInstance();
                        }
                        f.setAccessible(true);
                        assertThat(f.get(fresh)).as(c.getSimpleName() + "." + f.getName() + ": an @Unmatched field must start null").isNull();
                        managed = true;
                    }
                    assertThat(managed).as(c.getSimpleName() + "." + f.getName() + " is not managed by picocli").isTrue();
                }
            }
        }
    }

    /** create's key options are unmatched arguments: the second of two identical requests must see only its own. */
    @Test void createsUnmatchedOptionsDoNotCarryOver() throws Exception {
        Path a = root("d", "arch: amd64\nhostname: delta\nmemory: 512\nostype: debian\n");
        String[] req = {"--root", a.toString(), "create", "101", tmp.resolve("missing.tar.gz").toString(), "--rootfs", "local:0", "--memory", "256", "--quiet"};
        Result first = run(req);
        Result second = run(req);
        assertThat(first.rc()).isNotZero();
        assertThat(second.err()).as("the second request").doesNotContain("given twice").isEqualTo(first.err());
        assertThat(second.rc()).isEqualTo(first.rc());
        assertThat(CommandTrees.idle(CreateCommand.class)).isEqualTo(1);
    }
}
