package io.berth.cli;

import io.berth.config.Vmid;
import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;
import io.berth.config.NaturalOrder;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code berth pending <vmid>}: every key with its current value ({@code cur}), its pending new value
 * ({@code new}) and pending deletions ({@code del}), as {@code pct pending} shows them.
 */
@Command(name = "pending", mixinStandardHelpOptions = true,
        description = {"Show current and pending values of a container's configuration.",
                "Lines start with 'cur' (in effect), 'new' (pending value) or 'del' (pending deletion)."})
public final class ConfigPendingCommand implements Callable<Integer> {
    @ParentCommand Main main;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VMID", description = "Container id (100..999999999).")
    String vmid;

    @Override public Integer call() {
        try {
            ConfigFile f = CtCli.service(spec).repository().read(Vmid.parse(vmid)).config();
            ContainerConfig cur = f.main();
            ContainerConfig pend = f.pending().orElse(ContainerConfig.empty());
            TreeSet<String> keys = new TreeSet<>(NaturalOrder.INSTANCE);
            keys.addAll(cur.keys());
            keys.addAll(pend.keys());
            if (cur.description().isPresent() || pend.description().isPresent()) keys.add("description");
            for (String d : pend.deletes()) keys.add(d.startsWith("!") ? d.substring(1) : d);
            PrintWriter out = spec.commandLine().getOut();
            for (String k : keys) {
                Optional<String> c = cur.get(k);
                Optional<String> n = pend.get(k);
                boolean deleted = pend.deletes().contains(k) || pend.deletes().contains("!" + k);
                c.ifPresent(v -> out.println((deleted ? "del " : "cur ") + k + ": " + oneLine(v)));
                if (deleted && c.isEmpty()) out.println("del " + k + ":");
                n.ifPresent(v -> out.println("new " + k + ": " + oneLine(v)));
            }
            out.flush();
            return 0;
        } catch (RuntimeException e) {
            return CliErrors.report(spec, e);
        }
    }

    private static String oneLine(String v) { return v.replace("\n", "\\n"); }
}
