package io.berth.cli;

import io.berth.cli.daemon.ClientContext;
import io.berth.ct.CreateRequest;
import io.berth.ct.CreateResult;
import io.berth.ct.template.Progress;
import java.util.ArrayList;
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

    @Parameters(index = "0", paramLabel = "VMID", description = "The new container's id.")
    int vmid;

    @Parameters(index = "1", paramLabel = "TEMPLATE", description = "Template archive path or volume id.")
    String template;

    @Option(names = "--storage", description = "Storage for a rootfs given as a bare size (e.g. --rootfs 8). Default: local.")
    String storage;

    @Option(names = "--quiet", description = "No progress output.")
    boolean quiet;

    @Unmatched List<String> rest = new ArrayList<>();

    @Override public Integer call() {
        return CliErrors.run(spec, () -> {
            Map<String, String> options = new LinkedHashMap<>(parseOptions(rest));
            ClientContext client = ClientContext.current();
            String restore = options.remove("restore");
            if (restore != null && BackupCommand.bit("restore", restore)) {
                String rootfs = options.remove("rootfs"), unpriv = options.remove("unprivileged");
                String force = options.remove("force"), ignore = options.remove("ignore-unpack-errors");
                String archive = template.contains(":") || template.startsWith("/") ? template : client.resolve(template).toString();
                return RestoreCommand.run(spec, vmid, archive, storage, rootfs, unpriv, force, ignore, quiet, options);
            }
            boolean tty = client.terminal().isTerminal(2);
            Progress progress = quiet ? Progress.NONE : Progress.bar(System.err, tty, "extracting");
            // a template path is the caller's: under berthd it is relative to the client's directory
            String tmpl = template.contains(":") || template.startsWith("/") ? template : client.resolve(template).toString();
            CreateResult r = CtCli.service(spec).create(
                    new CreateRequest(vmid, tmpl, options, Optional.ofNullable(storage)), progress);
            for (String w : r.warnings()) System.err.println("WARN: " + w);
            System.err.println("created container " + r.vmid() + " (ostype " + r.ostype() + ", arch " + r.arch() + ")");
            return 0;
        });
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
