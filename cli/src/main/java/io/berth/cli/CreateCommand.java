package io.berth.cli;

import io.berth.access.AccessData;
import io.berth.access.AccessStore;
import io.berth.cli.daemon.ClientContext;
import io.berth.ct.CreateRequest;
import io.berth.ct.CreateResult;
import io.berth.ct.Progress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code berth create <vmid> <template> --rootfs local:8 [--KEY VALUE]...}. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Create a container from a template archive (.tar.gz/.tar.xz/.tar.zst path, or STORAGE:vztmpl/NAME).",
                "Every config key is accepted as --KEY VALUE (see 'berth help KEY'), e.g. --hostname, --memory,",
                "--unprivileged 1, --net0 name=eth0,bridge=br0, --mp0 local:1,mp=/data. Volumes given as STORAGE:SIZE_GB are allocated.",
                "With --restore 1, TEMPLATE is a vzdump archive and this is 'berth restore'."})
public final class CreateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VMID", description = "The new container's id (100..999999999).", converter = VmidConverter.class)
    int vmid;

    @Parameters(index = "1", paramLabel = "TEMPLATE", description = "Template archive path or volume id.")
    String template;

    @Option(names = "--storage", description = "Storage for a rootfs given as a bare size (e.g. --rootfs 8). Default: local.")
    String storage;

    @Option(names = "--quiet", description = "No progress output.")
    boolean quiet;

    /**
     * Null until picocli sets it: berthd reuses this command's tree ({@link CommandTrees}), and picocli resets an
     * {@code @Unmatched} field to its initial object and then adds to it, so an initial list would keep every request's
     * options.
     */
    @Unmatched List<String> rest;

    @Override public Integer call() {
        return CliErrors.run(spec, () -> {
            Map<String, String> options = new LinkedHashMap<>(parseOptions(rest == null ? List.of() : rest));
            ClientContext client = ClientContext.current();
            String restore = options.remove("restore");
            // pct create's own parameters (not config keys)
            String password = options.remove("password");
            String keysFile = options.remove("ssh-public-keys");
            boolean start = bool(options, "start");
            boolean unique = bool(options, "unique");
            String pool = options.remove("pool");
            Optional<AccessStore> pools = Optional.empty();
            if (pool != null) {
                AccessStore store = new AccessStore(io.berth.api.Api.accessDir(CtCli.service(spec)));
                if (!store.read().pools.containsKey(pool)) {
                    throw new io.berth.error.InvalidInputException("pool", "pool '" + pool + "' does not exist; allowed: "
                            + (store.read().pools.isEmpty() ? "none defined" : String.join(", ", store.read().pools.keySet())));
                }
                pools = Optional.of(store);
            }
            if (restore != null && BackupCommand.bit("restore", restore)) {
                String rootfs = options.remove("rootfs"), unpriv = options.remove("unprivileged");
                String force = options.remove("force"), ignore = options.remove("ignore-unpack-errors");
                String archive = template.contains(":") || template.startsWith("/") || template.equals("-") ? template
                        : client.resolve(template).toString();
                if (password != null || keysFile != null) {
                    throw new io.berth.error.InvalidInputException(password != null ? "password" : "ssh-public-keys",
                            "not with --restore 1: the backup's own accounts are restored");
                }
                int rc = RestoreCommand.run(spec, vmid, archive, storage, rootfs, unpriv, force, ignore, quiet, unique, options);
                if (rc == 0) addToPool(pools, pool, vmid);
                if (rc == 0 && start) return startCreated(vmid);
                return rc;
            }
            boolean force = bool(options, "force");
            boolean ignoreUnpack = bool(options, "ignore-unpack-errors");
            Optional<String> keys = Optional.empty();
            if (keysFile != null) {
                java.nio.file.Path kf = client.resolve(keysFile);
                try {
                    keys = Optional.of(java.nio.file.Files.readString(kf));
                } catch (java.io.IOException e) {
                    throw new io.berth.error.InvalidInputException("ssh-public-keys", "cannot read '" + kf + "': " + e.getMessage());
                }
            }
            if (force && CtCli.service(spec).vmids().contains(vmid)) {
                // pct create --force: replace the existing (stopped) container
                System.err.println("WARN: --force: destroying the existing container " + vmid + " first");
                CtCli.service(spec).destroy(vmid, false, false);
            }
            boolean tty = client.terminal().isTerminal(2);
            Progress progress = quiet ? Progress.NONE : Progress.bar(System.err, tty, "extracting");
            // a template path is the caller's: under berthd it is relative to the client's directory
            String tmpl = template.contains(":") || template.startsWith("/") ? template : client.resolve(template).toString();
            CreateRequest req = new CreateRequest(vmid, tmpl, options, Optional.ofNullable(storage),
                    Optional.ofNullable(password), keys, ignoreUnpack);
            // BERTH_PHASES=1: where the time went, on stderr (bench/run.sh)
            boolean phases = client.getenv("BERTH_PHASES").filter("1"::equals).isPresent();
            var rec = phases ? io.berth.ct.phases.Phases.record(client.receivedNs(), () -> CtCli.service(spec).create(req, progress))
                    : new io.berth.ct.phases.Phases.Recorded<>(CtCli.service(spec).create(req, progress), List.of());
            CreateResult r = rec.result();
            if (phases) System.err.println("berth-phases: " + rec.line());
            for (String w : r.warnings()) System.err.println("WARN: " + w);
            System.err.println("created container " + r.vmid() + " (ostype " + r.ostype() + ", arch " + r.arch() + ")");
            // --unique: every NIC of a new container gets a fresh MAC anyway
            addToPool(pools, pool, vmid);
            return start ? startCreated(vmid) : 0;
        });
    }

    private static boolean bool(Map<String, String> options, String key) {
        String v = options.remove(key);
        return v != null && PveBool.parse(key, v);
    }

    private int startCreated(int vmid) {
        for (String w : CtCli.service(spec).start(vmid, false, false).warnings()) System.err.println("WARN: " + w);
        return 0;
    }

    private static void addToPool(Optional<AccessStore> store, String pool, int vmid) {
        store.ifPresent(s -> s.update(d -> {
            AccessData.Pool p = d.pools.get(pool);
            java.util.Set<Integer> vms = new java.util.TreeSet<>(p.vms());
            vms.add(vmid);
            d.pools.put(pool, new AccessData.Pool(p.poolid(), p.comment(), vms, p.storage()));
        }));
    }

    /** {@code --key value} and {@code --key=value} pairs, in order; a key given twice is refused. */
    static Map<String, String> parseOptions(List<String> args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--") || a.length() < 3) {
                throw new IllegalArgumentException("unexpected argument '" + a + "': allowed are --KEY VALUE config options");
            }
            String key, value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                key = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else {
                key = a.substring(2);
                if (i + 1 >= args.size()) throw new IllegalArgumentException("option --" + key + " needs a value");
                value = args.get(++i);
            }
            if (out.put(key, value) != null) throw new IllegalArgumentException("option --" + key + " given twice");
        }
        return out;
    }
}
