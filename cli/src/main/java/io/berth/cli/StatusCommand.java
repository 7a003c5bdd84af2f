package io.berth.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.ct.status.ContainerStatus;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth status [VMID]}: run state and resource figures. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show status, pid, uptime, cpu, memory, disk and network figures of one or all containers.")
public final class StatusCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "VMID", description = "Only this container.", converter = VmidConverter.class)
    Integer vmid;

    @Option(names = "--output", description = "Output format; allowed: text, json (default ${DEFAULT-VALUE}).", defaultValue = "text")
    String output;

    @Override public Integer call() {
        return CliErrors.run(spec, () -> {
            var svc = CtCli.service(spec);
            List<ContainerStatus> list = vmid == null ? svc.list() : List.of(svc.status(vmid));
            return print(spec, list, output, vmid != null);
        });
    }

    /**
     * Prints to picocli's writer as one piece: through berthd that writer goes straight to the client's descriptor,
     * while System.out would pass every byte through the daemon's stdio router (most of the CPU of a 100-container
     * status went into printf pieces and per-byte routing).
     */
    static int print(CommandSpec spec, List<ContainerStatus> list, String output, boolean single) throws Exception {
        java.io.PrintWriter out = spec.commandLine().getOut();
        StringBuilder sb = new StringBuilder(128 + 80 * list.size());
        switch (output) {
            case "json" -> {
                ObjectMapper m = new ObjectMapper();
                if (single) sb.append(m.writeValueAsString(json(m, list.getFirst())));
                else {
                    ArrayNode a = m.createArrayNode();
                    for (ContainerStatus s : list) a.add(json(m, s));
                    sb.append(m.writeValueAsString(a));
                }
                sb.append('\n');
            }
            case "text" -> {
                if (single) {
                    ContainerStatus s = list.getFirst();
                    sb.append("status: ").append(s.status().key()).append('\n');
                    s.pid().ifPresent(p -> sb.append("pid: ").append(p).append('\n'));
                    if (s.running()) {
                        sb.append("uptime: ").append(s.uptime()).append("s\n");
                        // oneDecimal, not a Formatter: %f loads the locale providers (~50 classes and CLDR's format data, which
                        // berthd would keep for its life)
                        sb.append("cpu: ").append(oneDecimal(s.cpu() * 100)).append("% of ").append(trim(s.cpus())).append(" cpus\n");
                        sb.append("mem: ").append(size(s.mem())).append(" / ").append(size(s.maxmem())).append('\n');
                        sb.append("swap: ").append(size(s.swap())).append(" / ").append(size(s.maxswap())).append('\n');
                        sb.append("disk: ").append(size(s.disk())).append(" / ").append(size(s.maxdisk())).append('\n');
                        sb.append("diskread: ").append(size(s.diskread())).append(", diskwrite: ").append(size(s.diskwrite())).append('\n');
                        sb.append("netin: ").append(size(s.netin())).append(", netout: ").append(size(s.netout())).append('\n');
                    }
                    s.lock().ifPresent(l -> sb.append("lock: ").append(l).append('\n'));
                } else {
                    // the layout of printf("%-8s %-8s %-7s %-20s %8s %6s %10s %10s"), padded by hand: a Formatter per row
                    // cost more than the rest of the row
                    row(sb, "VMID", "Status", "Lock", "Name", "Uptime", "CPU%", "Mem", "Disk");
                    for (ContainerStatus s : list) {
                        row(sb, Integer.toString(s.vmid()), s.status().key(), s.lock().orElse(""), s.name(),
                                s.running() ? s.uptime() + "s" : "-", oneDecimal(s.cpu() * 100),
                                s.running() ? size(s.mem()) : "-", s.running() ? size(s.disk()) : "-");
                    }
                }
            }
            default -> {
                spec.commandLine().getErr().println("--output '" + output + "' is invalid; allowed: text, json");
                spec.commandLine().getErr().flush();
                return 2;
            }
        }
        out.print(sb);
        out.flush();
        return 0;
    }

    static void row(StringBuilder sb, String vmid, String status, String lock, String name, String uptime, String cpu,
                            String mem, String disk) {
        left(sb, vmid, 8).append(' ');
        left(sb, status, 8).append(' ');
        left(sb, lock, 7).append(' ');
        left(sb, name, 20).append(' ');
        right(sb, uptime, 8).append(' ');
        right(sb, cpu, 6).append(' ');
        right(sb, mem, 10).append(' ');
        right(sb, disk, 10).append('\n');
    }

    private static StringBuilder left(StringBuilder sb, String s, int width) {
        sb.append(s);
        for (int i = s.length(); i < width; i++) sb.append(' ');
        return sb;
    }

    private static StringBuilder right(StringBuilder sb, String s, int width) {
        for (int i = s.length(); i < width; i++) sb.append(' ');
        return sb.append(s);
    }

    /** {@code %.1f} without a Formatter: HALF_UP on the shortest decimal form, as Formatter rounds. */
    static String oneDecimal(double v) {
        if (!Double.isFinite(v)) return String.format(Locale.ROOT, "%.1f", v);
        return java.math.BigDecimal.valueOf(v).setScale(1, java.math.RoundingMode.HALF_UP).toPlainString();
    }

    static ObjectNode json(ObjectMapper m, ContainerStatus s) {
        ObjectNode n = m.createObjectNode();
        n.put("vmid", s.vmid());
        n.put("name", s.name());
        n.put("status", s.status().key());
        s.pid().ifPresent(p -> n.put("pid", p));
        n.put("uptime", s.uptime());
        n.put("cpu", s.cpu());
        n.put("cpus", s.cpus());
        n.put("mem", s.mem());
        n.put("maxmem", s.maxmem());
        n.put("swap", s.swap());
        n.put("maxswap", s.maxswap());
        n.put("disk", s.disk());
        n.put("maxdisk", s.maxdisk());
        n.put("diskread", s.diskread());
        n.put("diskwrite", s.diskwrite());
        n.put("netin", s.netin());
        n.put("netout", s.netout());
        s.lock().ifPresent(l -> n.put("lock", l));
        if (s.template()) n.put("template", 1);
        return n;
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    static String size(long bytes) {
        if (bytes < 0) return "unlimited";
        String[] u = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = 0;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return i == 0 ? bytes + "B" : oneDecimal(v) + u[i];
    }
}
