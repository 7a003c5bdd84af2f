package io.berth.cli.daemon;

import io.berth.cli.Main;
import io.berth.config.BerthRoots;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code berth daemon run|start|stop|status}: the resident berthd that bin/berth forwards to. */
@Command(name = "daemon", description = {
        "Run berthd, the resident server that bin/berth forwards commands (and LXC hooks) to.",
        "Without it every command starts a JVM; with it a command costs a round trip on a Unix socket.",
        "The socket is <state>/run/berthd/berthd.sock in a root-only directory; only root peers are served.",
        "'berth daemon install' installs and enables the systemd unit berthd.service."},
        mixinStandardHelpOptions = true,
        subcommands = {DaemonCommand.Run.class, DaemonCommand.Start.class, DaemonCommand.Stop.class,
                DaemonCommand.Status.class, DaemonInstall.class})
public final class DaemonCommand implements Runnable {
    @ParentCommand Main main;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    BerthRoots roots() {
        return main.roots();
    }

    static Path pidFile(BerthRoots r) {
        return r.runDir().resolve("berthd.pid");
    }

    /** The API options `daemon run` takes and `daemon start` passes on to it. */
    static final class ApiOptions {
        @picocli.CommandLine.Option(names = "--api-port", paramLabel = "PORT", description = "Also serve the HTTPS API on this port "
                + "(default: 8006 for the default root, none for a --root; 0: none).")
        Integer apiPort;

        @picocli.CommandLine.Option(names = "--api-user", paramLabel = "USER", defaultValue = "www-data", description = "User (and group of "
                + "the same name) the API's TLS front runs as; only that group reaches the backend socket (default: ${DEFAULT-VALUE}).")
        String apiUser;

        @picocli.CommandLine.Option(names = "--api-in-process", description = "Run the API's TLS front inside berthd, as "
                + "root (development only: no privilege separation).")
        boolean apiInProcess;
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run berthd in the foreground until stopped.")
    public static final class Run implements Callable<Integer> {
        @ParentCommand DaemonCommand parent;

        @picocli.CommandLine.Mixin ApiOptions apiOptions;

        @Override public Integer call() throws IOException {
            BerthRoots roots = parent.roots();
            // api (issue 15): the HTTPS API runs beside berthd, in its JVM; a port already taken only costs the API
            java.io.PrintWriter err = parent.spec.commandLine().getErr();
            // cluster (issue 17): on a cluster node the API forwards to other nodes and the agent heartbeats
            var clusterNode = ClusterHook.node(roots, err);
            io.berth.api.HttpsServer api = ApiHook.start(roots, apiOptions.apiPort, apiOptions.apiUser, apiOptions.apiInProcess, err, ClusterHook.front(clusterNode));
            io.berth.cluster.ClusterAgent agent = ClusterHook.agent(roots, clusterNode, api, err);
            HaHook ha = HaHook.start(roots, clusterNode, err); // migrate target side, HA LRM/watchdog/manager
            try (Berthd d = open(roots)) {
                Files.writeString(pidFile(roots), ProcessHandle.current().pid() + "\n");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        if (api != null) api.frontProcess().ifPresent(io.berth.api.FrontProcess::close); // api: no front outlives berthd
                        d.close();
                        Files.deleteIfExists(pidFile(roots));
                    } catch (IOException e) {
                        // exiting anyway
                    }
                }));
                d.serve();
            } finally {
                if (ha != null) ha.close();
                if (agent != null) agent.close();
                if (api != null) api.close();
            }
            return 0;
        }

        /** berthd for {@code roots}, running the real commands (the production wiring; tests use it too). */
        public static Berthd open(BerthRoots roots) throws IOException {
            String root = rootArg(roots);
            Main.shareServices();
            return new Berthd(roots.runDir(), DaemonCommand::serves, ctx -> (args, out, err) -> {
                List<String> full = new ArrayList<>();
                if (root != null) full.addAll(List.of("--root", root));
                full.addAll(withoutRoot(args));
                // only the requested command's tree (building all of them costs ~4 ms per request, CliBench), kept for
                // the next request of that command where it can be (Main.execute)
                return Main.execute(full.toArray(String[]::new), out, err);
            });
        }

        /** The client picked this daemon by its root; the daemon then uses its own, never the client's. */
        static List<String> withoutRoot(List<String> args) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("--")) {
                    out.addAll(args.subList(i, args.size()));
                    break;
                }
                if (a.equals("--root")) i++;
                else if (!a.startsWith("--root=")) out.add(a);
            }
            return out;
        }

        /** The daemon serves exactly its own root, whatever the client's environment says. */
        static String rootArg(BerthRoots r) {
            return r.configDir().getParent().equals(r.stateDir().getParent())
                    && r.configDir().getFileName().toString().equals("etc") ? r.configDir().getParent().toString() : null;
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start berthd in the background (no-op when it runs).")
    static final class Start implements Callable<Integer> {
        @ParentCommand DaemonCommand parent;

        @picocli.CommandLine.Mixin ApiOptions apiOptions;

        @Override public Integer call() throws Exception {
            BerthRoots roots = parent.roots();
            PrintWriter out = parent.spec.commandLine().getOut();
            if (running(roots)) {
                out.println("berthd already running");
                return 0;
            }
            Files.createDirectories(roots.runDir());
            // a socket left by a killed berthd must not pass for the new one being up
            UnixSocketServer.removeIfStale(Berthd.socketPath(roots.runDir()));
            String launcher = System.getProperty("berth.launcher", "berth");
            List<String> cmd = new ArrayList<>(List.of("setsid", launcher));
            String root = Run.rootArg(roots);
            if (root != null) cmd.addAll(List.of("--root", root));
            cmd.addAll(List.of("daemon", "run"));
            if (apiOptions.apiPort != null) cmd.addAll(List.of("--api-port", apiOptions.apiPort.toString()));
            cmd.addAll(List.of("--api-user", apiOptions.apiUser));
            if (apiOptions.apiInProcess) cmd.add("--api-in-process");
            Path log = roots.runDir().resolve("berthd.log");
            // lxc-start inherits berthd's environment, and so do the hooks it runs: they must reach berthd
            // berthd writes its pid file just after its socket answers: until the file names a new, live process it
            // still names the berthd before (one that was killed leaves its file), which `daemon stop` would signal
            java.util.Optional<Long> before = pid(roots);
            // not closed: it runs on after this command (setsid: in a session of its own)
            io.berth.sys.ProcessRunner.Running started = io.berth.sys.ProcessRunner.pipeline(List.of(cmd)).stdoutTo(log, false)
                    .stderrToStdout().envRemove("BERTH_NO_DAEMON").start();
            Path sock = Berthd.socketPath(roots.runDir());
            boolean up = false;
            // up to 60 s: on a loaded machine a cluster node's berthd (etcd client, API, HA) takes more than 15 s
            for (int i = 0; i < 2400 && !up; i++) {
                Thread.sleep(25);
                java.util.Optional<Long> now = pid(roots);
                up = answers(sock) && now.isPresent() && (now.get() == started.pid(0) || !now.equals(before))
                        && ProcessHandle.of(now.get()).map(ProcessHandle::isAlive).orElse(false);
                // setsid execs berthd in its place (same pid) unless it must fork: then its exit means nothing
                if (!up && !started.alive() && !started.await().getFirst().ok()) break;
            }
            if (!up) {
                parent.spec.commandLine().getErr().println("berthd did not come up; see " + log);
                return 1;
            }
            out.println("berthd started");
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop berthd.")
    static final class Stop implements Callable<Integer> {
        @ParentCommand DaemonCommand parent;

        @Override public Integer call() throws Exception {
            BerthRoots roots = parent.roots();
            var ph = pid(roots).flatMap(ProcessHandle::of);
            // api: berthd stops its API front; one whose berthd died is stopped here
            var front = frontPid(roots).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
            if (ph.isEmpty()) {
                parent.spec.commandLine().getOut().println("berthd not running");
                UnixSocketServer.removeIfStale(Berthd.socketPath(roots.runDir()));
            } else {
                ph.get().destroy();
                ph.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                parent.spec.commandLine().getOut().println("berthd stopped");
            }
            if (front.isPresent() && front.get().isAlive()) {
                front.get().destroy();
                front.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                parent.spec.commandLine().getOut().println("api front stopped");
            }
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Tell whether berthd runs.")
    static final class Status implements Callable<Integer> {
        @ParentCommand DaemonCommand parent;

        @Override public Integer call() {
            boolean up = running(parent.roots());
            PrintWriter out = parent.spec.commandLine().getOut();
            out.println(up ? "berthd running (pid " + pid(parent.roots()).orElse(-1L) + ")" : "berthd not running");
            // api: the TLS front, its own process under an unprivileged user
            var front = frontPid(parent.roots()).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
            if (front.isPresent()) {
                out.println("api front running (pid " + front.get().pid() + ", user " + front.get().info().user().orElse("?") + ")");
            } else if (up && Files.exists(ApiHook.dir(parent.roots()).resolve("backend.sock"))) {
                out.println("api front not running (berthd restarts it)");
            }
            return up ? 0 : 3;
        }
    }

    /**
     * The commands berthd runs; the client runs the others in its own JVM. A command belongs here once it takes
     * paths relative to {@link ClientContext#cwd()} and its terminal from {@link ClientContext#terminal()}.
     */
    static final java.util.Set<String> SERVED = java.util.Set.of("status", "list", "start", "stop", "shutdown", "reboot",
            "suspend", "resume", "set", "config", "pending", "hook", "--version", "-V", "exec", "enter", "console",
            "create", "destroy", "resize", "rescan",
            "snapshot", "delsnapshot", "rollback", "listsnapshot", "clone", "template", "move-volume", "df", "fsck", "fstrim",
            "startall", "stopall", "backup", "restore");

    /** Whether berthd runs this command line (by its first word after the global {@code --root DIR}). */
    static boolean serves(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--root")) {
                i++;
                continue;
            }
            if (a.startsWith("--root=")) continue;
            return SERVED.contains(a);
        }
        return false;
    }

    /** Whether a server accepts connections on {@code sock}. */
    static boolean answers(Path sock) {
        try (io.berth.sys.Fd fd = io.berth.sys.UnixSockets.connect(sock)) {
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    static java.util.Optional<Long> pid(BerthRoots r) {
        try {
            return java.util.Optional.of(Long.parseLong(Files.readString(pidFile(r)).strip()));
        } catch (IOException | NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    /** The API front's pid, as berthd's {@link io.berth.api.FrontProcess} records it. */
    static java.util.Optional<Long> frontPid(BerthRoots r) {
        try {
            long pid = Long.parseLong(Files.readString(ApiHook.frontPidFile(r)).strip());
            // a stale pid file's number may be another process's by now
            boolean front = ProcessHandle.of(pid).flatMap(h -> h.info().arguments())
                    .map(a -> java.util.Arrays.asList(a).contains(io.berth.api.ApiFront.class.getName())).orElse(false);
            return front ? java.util.Optional.of(pid) : java.util.Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    static boolean running(BerthRoots r) {
        return pid(r).flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false);
    }
}
