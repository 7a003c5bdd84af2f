package io.berth.cli;

import io.berth.config.BerthRoots;
import io.berth.config.ConfigFile;
import io.berth.config.ConfigParser;
import io.berth.config.ConfigPrinter;
import io.berth.config.ConfigStore;
import io.berth.config.Schema;
import io.berth.ct.hook.HookCommand;
import io.berth.lxc.cgroup.CgroupReader;
import io.berth.lxc.host.HostFacts;
import io.berth.lxc.render.LxcConfigRenderer;
import io.berth.lxc.render.RenderInput;
import io.berth.lxc.socket.LxcCommandClient;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code berth --root TMP aot-train}: the training run behind the JDK AOT cache (scripts/aot.sh runs it under
 * {@code -XX:AOTMode=record}). It walks the common start paths in-process, so the classes they load are in the
 * cache: the picocli model and usage help of every command, config parse/print and schema checks, the read-only
 * commands against a sample container in the given root, LXC config rendering with this host's facts, the cgroup
 * reader and the command-socket client. It starts no container and writes only under {@code --root}; each step
 * that fails (a part of the host missing) is reported and skipped, never fatal.
 */
@Command(name = "aot-train", hidden = true, description = "Internal: exercise the start paths for the AOT cache.")
public final class AotTrainCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    static final int SAMPLE_VMID = 990001;

    /** A typical unprivileged container with a mount point, a nic (no bridge: the host may have none) and a pending change. */
    static final String SAMPLE = """
            #sample container for the AOT training run
            arch: amd64
            cores: 2
            features: nesting=1,keyctl=1
            hostname: aot-train
            memory: 1024
            mp0: /srv/data,mp=/data,backup=0,idmap=u:1005:1005:1 g:1005:1005:1
            net0: name=eth0,hwaddr=BC:24:11:00:AA:01,ip=manual,type=veth
            onboot: 1
            ostype: debian
            rootfs: local:subvol-990001-disk-0,size=8G
            startup: order=2,up=30
            swap: 512
            tags: bench;aot
            unprivileged: 1
            lxc.apparmor.profile: unconfined

            [PENDING]
            memory: 2048
            """;

    @Override public Integer call() {
        BerthRoots roots = CtCli.roots(spec);
        if (roots.configDir().equals(BerthRoots.DEFAULT_CONFIG_DIR)) {
            spec.commandLine().getErr().println("aot-train: refusing to train against the real config root; pass --root TMPDIR");
            return 2;
        }
        String root = roots.configDir().getParent().toString();
        List<String> failed = new ArrayList<>();
        int ok = 0;
        PrintStream out = System.out, err = System.err;
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
        System.setOut(sink);
        System.setErr(sink);
        try {
            ok += step(failed, "usage help", () -> {
                CommandLine cl = Main.commandLine();
                StringWriter w = new StringWriter();
                cl.usage(new PrintWriter(w));
                for (CommandLine sub : cl.getSubcommands().values()) sub.usage(new PrintWriter(w));
            });
            ok += step(failed, "config parse/print", () -> {
                ConfigFile f = ConfigParser.parse("sample.conf", SAMPLE);
                if (!ConfigPrinter.print(ConfigParser.parse("again.conf", ConfigPrinter.print(f))).equals(ConfigPrinter.print(f))) {
                    throw new IllegalStateException("print(parse(x)) is not stable for the sample");
                }
            });
            ok += step(failed, "schema", () -> {
                for (String[] kv : new String[][] {{"memory", "512"}, {"cores", "2"}, {"hostname", "ct1"},
                        {"mp1", "local:4,mp=/srv"}, {"net1", "name=eth1,bridge=vmbr0,ip=10.0.0.2/24"}, {"onboot", "1"}}) {
                    Schema.check(kv[0], kv[1]);
                }
                Schema.lookup("rootfs");
            });
            ok += step(failed, "sample container", () -> {
                ConfigStore store = new ConfigStore(roots);
                if (!store.exists(SAMPLE_VMID)) store.create(SAMPLE_VMID, ConfigParser.parse("sample.conf", SAMPLE));
            });
            String id = Integer.toString(SAMPLE_VMID);
            for (String[] args : List.of(new String[] {"--version"}, new String[] {"--help"}, new String[] {"config", id},
                    new String[] {"config", id, "--current"}, new String[] {"pending", id}, new String[] {"list"},
                    new String[] {"status", id}, new String[] {"status", id, "--output", "json"}, new String[] {"status"},
                    new String[] {"set", id, "--cores", "1", "--delete", "tags"}, new String[] {"help", "mp0"},
                    new String[] {"daemon", "status"}, new String[] {"start", "--help"},
                    // the sample is on dir storage: snapshot stops at the capability check, after the config and task paths
                    new String[] {"listsnapshot", id}, new String[] {"snapshot", id, "aot"}, new String[] {"clone", "--help"})) {
                ok += step(failed, String.join(" ", args), () -> {
                    List<String> full = new ArrayList<>(List.of("--root", root));
                    full.addAll(List.of(args));
                    // the tree main() builds for these arguments (lean: only the named command)
                    CommandLine cl = Main.commandLine(full.toArray(String[]::new));
                    cl.setOut(new PrintWriter(OutputStream.nullOutputStream()));
                    cl.setErr(new PrintWriter(OutputStream.nullOutputStream()));
                    cl.execute(full.toArray(String[]::new));
                });
            }
            ok += step(failed, "lxc config rendering", () -> {
                ConfigFile f = new ConfigStore(roots).load(SAMPLE_VMID);
                String hook = HookCommand.resolve(roots).commandLine();
                if (!hook.matches("[A-Za-z0-9_./=:@+,-]+( [A-Za-z0-9_./=:@+,-]+)*")) hook = "/usr/bin/berth hook";
                LxcConfigRenderer.render(new RenderInput(SAMPLE_VMID, f.withPendingApplied(), HostFacts.probe(),
                        roots.lxcPath(), hook, roots.lxcPath().resolve(id).resolve("rootfs"), Map.of()));
            });
            ok += step(failed, "cgroup reader", () -> new CgroupReader().read("self", (int) ProcessHandle.current().pid()));
            ok += step(failed, "command socket", () -> new LxcCommandClient(roots.lxcPath().toString(), id).initPid());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        spec.commandLine().getOut().println("aot-train: " + ok + " steps ran" + (failed.isEmpty() ? "" : "; skipped: " + failed));
        spec.commandLine().getOut().flush();
        return 0;
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    /** Runs one step; any failure (a missing host part) is noted and the training goes on. */
    private static int step(List<String> failed, String what, Step s) {
        try {
            s.run();
            return 1;
        } catch (Exception | LinkageError e) {
            failed.add(what + " (" + e.getClass().getSimpleName() + ")");
            return 0;
        }
    }
}
