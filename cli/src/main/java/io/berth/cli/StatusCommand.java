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
            return print(list, output, vmid != null);
        });
    }

    static int print(List<ContainerStatus> list, String output, boolean single) throws Exception {
        switch (output) {
            case "json" -> {
                ObjectMapper m = new ObjectMapper();
                if (single) System.out.println(m.writeValueAsString(json(m, list.getFirst())));
                else {
                    ArrayNode a = m.createArrayNode();
                    for (ContainerStatus s : list) a.add(json(m, s));
                    System.out.println(m.writeValueAsString(a));
                }
            }
            case "text" -> {
                if (single) {
                    ContainerStatus s = list.getFirst();
                    System.out.println("status: " + s.status().key());
                    s.pid().ifPresent(p -> System.out.println("pid: " + p));
                    if (s.running()) {
                        System.out.println("uptime: " + s.uptime() + "s");
                        System.out.printf(Locale.ROOT, "cpu: %.1f%% of %s cpus%n", s.cpu() * 100, trim(s.cpus()));
                        System.out.println("mem: " + size(s.mem()) + " / " + size(s.maxmem()));
                        System.out.println("swap: " + size(s.swap()) + " / " + size(s.maxswap()));
                        System.out.println("disk: " + size(s.disk()) + " / " + size(s.maxdisk()));
                        System.out.println("diskread: " + size(s.diskread()) + ", diskwrite: " + size(s.diskwrite()));
                        System.out.println("netin: " + size(s.netin()) + ", netout: " + size(s.netout()));
                    }
                    s.lock().ifPresent(l -> System.out.println("lock: " + l));
                } else {
                    System.out.printf("%-8s %-8s %-7s %-20s %8s %6s %10s %10s%n", "VMID", "Status", "Lock", "Name", "Uptime", "CPU%", "Mem", "Disk");
                    for (ContainerStatus s : list) {
                        System.out.printf(Locale.ROOT, "%-8d %-8s %-7s %-20s %8s %6.1f %10s %10s%n", s.vmid(), s.status().key(),
                                s.lock().orElse(""), s.name(), s.running() ? s.uptime() + "s" : "-", s.cpu() * 100,
                                s.running() ? size(s.mem()) : "-", s.running() ? size(s.disk()) : "-");
                    }
                }
            }
            default -> {
                System.err.println("--output '" + output + "' is invalid; allowed: text, json");
                return 2;
            }
        }
        return 0;
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
        return i == 0 ? bytes + "B" : String.format(Locale.ROOT, "%.1f%s", v, u[i]);
    }
}
