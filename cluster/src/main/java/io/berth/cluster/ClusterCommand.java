package io.berth.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.berth.config.BerthRoots;
import io.berth.error.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code berth cluster create|join|leave|status|nodes}: what {@code pvecm} does, on etcd. Failures are thrown as
 * Berth's error kinds, so the CLI maps them to its exit codes.
 */
@Command(name = "cluster", description = "Make this node part of a cluster on etcd, or take it out; show the cluster.",
        mixinStandardHelpOptions = true,
        subcommands = {ClusterCommand.Create.class, ClusterCommand.Join.class, ClusterCommand.Leave.class, ClusterCommand.Status.class,
                ClusterCommand.Nodes.class, ClusterCommand.MoveConfig.class})
public final class ClusterCommand implements Runnable {
    /** Default etcd endpoint: the local member, as a cluster node runs one. */
    public static final String DEFAULT_ENDPOINTS = "http://127.0.0.1:2379";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    /** The roots of the {@code --root} option of the root command (whatever its class), else BERTH_ROOT, else defaults. */
    static BerthRoots roots(CommandLine.Model.CommandSpec spec) {
        CommandLine.Model.OptionSpec o = spec.root().findOption("--root");
        return BerthRoots.resolve(o == null ? null : o.getValue());
    }

    static void print(CommandLine.Model.CommandSpec spec, String output, Object json, String text) {
        PrintWriter out = spec.commandLine().getOut();
        if ("json".equals(output)) {
            try {
                out.println(JSON.writeValueAsString(json));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        } else out.print(text);
        out.flush();
    }

    static String shortHostname() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            int dot = h.indexOf('.');
            return dot > 0 ? h.substring(0, dot) : h;
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** How to reach etcd and who this node is: the options of create and join. */
    static final class Connect {
        @Option(names = "--endpoints", split = ",", paramLabel = "URL",
                description = "etcd client URLs, comma separated (default: ${DEFAULT-VALUE}); https:// for TLS",
                defaultValue = "${env:BERTH_ETCD_ENDPOINTS:-" + DEFAULT_ENDPOINTS + "}")
        List<URI> endpoints;

        @Option(names = "--node", paramLabel = "NAME", description = "this node's name in the cluster (default: the short host name)")
        String node;

        @Option(names = "--api", paramLabel = "URL", description = "how the other nodes reach this node's API, https://HOST:PORT "
                + "(default: the host name's address, with the port berthd serves the API on)")
        URI api;

        @Option(names = "--ca", paramLabel = "PEM", description = "CA certificate(s) of the etcd server certificates (TLS)")
        Path ca;

        @Option(names = "--cert", paramLabel = "PEM", description = "client certificate for etcd's client-certificate auth")
        Path cert;

        @Option(names = "--key", paramLabel = "PEM", description = "the client certificate's key (PKCS#8 PEM)")
        Path key;

        @Option(names = "--user", description = "etcd user (etcd role-based auth), with --password-file")
        String user;

        @Option(names = "--password-file", paramLabel = "FILE", description = "file holding the etcd user's password")
        Path passwordFile;

        @Option(names = "--prefix", description = "key prefix of the cluster in etcd (default: ${DEFAULT-VALUE})", defaultValue = "/berth")
        String prefix;

        @Option(names = "--timeout", paramLabel = "S", description = "seconds to wait for etcd per call (default: ${DEFAULT-VALUE})", defaultValue = "10")
        long timeout;

        @Option(names = "--ttl", paramLabel = "S", description = "lease time of locks and heartbeats in seconds (default: ${DEFAULT-VALUE})", defaultValue = "10")
        long ttl;

        ClusterConf conf(String cluster) {
            if (timeout < 1) throw new InvalidInputException("timeout", timeout + " is too small; allowed: 1 or more seconds");
            if (ttl < 2) throw new InvalidInputException("ttl", ttl + " is too small; allowed: 2 or more seconds");
            return new ClusterConf(cluster, node != null ? node : shortHostname(), endpoints, Optional.ofNullable(api), Optional.ofNullable(ca),
                    Optional.ofNullable(cert), Optional.ofNullable(key), Optional.ofNullable(user), Optional.ofNullable(passwordFile),
                    prefix, Duration.ofSeconds(timeout), Duration.ofSeconds(ttl));
        }
    }

    static String joined(ClusterAdmin.Joined j, String verb) {
        return verb + " cluster " + j.conf().cluster() + " as node " + j.conf().node() + " (etcd " + j.conf().endpoints() + ")"
                + (j.imported().isEmpty() ? "" : "; containers brought in: " + j.imported()) + "\n"
                + "start berthd (berth daemon start) so that the node heartbeats, follows the cluster and serves forwarded requests\n";
    }

    static Map<String, Object> joinedJson(ClusterAdmin.Joined j) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cluster", j.conf().cluster());
        m.put("node", j.conf().node());
        m.put("endpoints", j.conf().endpoints().stream().map(URI::toString).toList());
        m.put("imported", j.imported());
        return m;
    }

    @Command(name = "create", description = "Create a cluster in an etcd that holds none, with this node as its first member "
            + "(its containers are brought in).", mixinStandardHelpOptions = true)
    static final class Create implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "the cluster's name") String name;
        @Mixin Connect connect;
        @Option(names = "--output", description = "text or json (default: ${DEFAULT-VALUE})", defaultValue = "text") String output;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override public Integer call() {
            ClusterAdmin.Joined j = ClusterAdmin.create(roots(spec), connect.conf(name));
            print(spec, output, joinedJson(j), joined(j, "created"));
            return 0;
        }
    }

    @Command(name = "join", description = "Join the cluster whose etcd is at --endpoints (this node's containers are brought in; "
            + "their ids must be free in the cluster).", mixinStandardHelpOptions = true)
    static final class Join implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "the cluster's name (must match the one in etcd)") String name;
        @Mixin Connect connect;
        @Option(names = "--output", description = "text or json (default: ${DEFAULT-VALUE})", defaultValue = "text") String output;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override public Integer call() {
            ClusterAdmin.Joined j = ClusterAdmin.join(roots(spec), connect.conf(name));
            print(spec, output, joinedJson(j), joined(j, "joined"));
            return 0;
        }
    }

    @Command(name = "leave", description = "Take this node out of its cluster; its containers stay here, on files, as on a single host.",
            mixinStandardHelpOptions = true)
    static final class Leave implements Callable<Integer> {
        @Option(names = "--output", description = "text or json (default: ${DEFAULT-VALUE})", defaultValue = "text") String output;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override public Integer call() {
            BerthRoots roots = roots(spec);
            String node = ClusterConf.read(roots).node();
            List<Integer> ids = ClusterAdmin.leave(roots);
            print(spec, output, Map.of("node", node, "containers", ids), "node " + node + " left the cluster"
                    + (ids.isEmpty() ? "" : "; its containers " + ids + " stay on this host") + "\n");
            return 0;
        }
    }

    @Command(name = "status", description = "Show the cluster: nodes online, the etcd members, their health and the quorum "
            + "(exit 0 when quorate, 1 otherwise).", mixinStandardHelpOptions = true)
    static final class Status implements Callable<Integer> {
        @Option(names = "--output", description = "text or json (default: ${DEFAULT-VALUE})", defaultValue = "text") String output;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override public Integer call() {
            ClusterNode n = ClusterNode.of(roots(spec));
            ClusterStatus s = n.storeStatus();
            List<NodeRegistry.NodeState> nodes = s.quorate() ? n.registry().states() : List.of();
            long online = nodes.stream().filter(NodeRegistry.NodeState::online).count();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cluster", n.conf().cluster());
            m.put("node", n.node());
            m.put("quorate", s.quorate());
            m.put("nodes", nodes.size());
            m.put("nodes_online", online);
            List<Map<String, Object>> members = new ArrayList<>();
            for (ClusterStatus.MemberStatus ms : s.members()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("id", Long.toHexString(ms.id()));
                e.put("name", ms.name());
                e.put("healthy", ms.healthy());
                e.put("leader", ms.leader());
                e.put("client_urls", ms.clientUrls().stream().map(URI::toString).toList());
                ms.error().ifPresent(x -> e.put("error", x));
                members.add(e);
            }
            m.put("etcd_members", members);
            m.put("etcd_quorum", s.quorumSize());
            StringBuilder t = new StringBuilder();
            t.append("Cluster:       ").append(n.conf().cluster()).append('\n');
            t.append("This node:     ").append(n.node()).append('\n');
            t.append("Nodes:         ").append(s.quorate() ? online + " online of " + nodes.size() : "unknown (no quorum)").append('\n');
            t.append(s.render());
            print(spec, output, m, t.toString());
            return s.quorate() ? 0 : 1;
        }
    }

    @Command(name = "move-config", description = "Hand a container's config to another node (recovery when its node is dead, "
            + "as moving /etc/pve/nodes/A/lxc/VMID.conf on Proxmox): its volumes must be reachable there and it must not run.",
            mixinStandardHelpOptions = true)
    static final class MoveConfig implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "VMID") int vmid;
        @Parameters(index = "1", paramLabel = "NODE", description = "the node that takes the container") String target;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override public Integer call() {
            String from = ClusterAdmin.moveConfig(ClusterNode.of(roots(spec)), vmid, target);
            spec.commandLine().getOut().println("container " + vmid + " moved from node " + from + " to node " + target);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "nodes", description = "List the cluster's nodes: online or not, API address, number of containers.",
            mixinStandardHelpOptions = true)
    static final class Nodes implements Callable<Integer> {
        @Option(names = "--output", description = "text or json (default: ${DEFAULT-VALUE})", defaultValue = "text") String output;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override public Integer call() {
            ClusterNode n = ClusterNode.of(roots(spec));
            List<NodeRegistry.NodeState> nodes = n.registry().states();
            Map<Integer, String> owners = n.etcdConfigs().owners();
            List<Map<String, Object>> rows = new ArrayList<>();
            StringBuilder t = new StringBuilder(String.format("%-20s %-8s %-6s %-10s %s%n", "Node", "Status", "Local", "Containers", "API"));
            for (NodeRegistry.NodeState s : nodes) {
                String name = s.member().name();
                long cts = owners.values().stream().filter(name::equals).count();
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("node", name);
                r.put("online", s.online());
                r.put("local", name.equals(n.node()));
                r.put("containers", cts);
                s.member().api().ifPresent(a -> r.put("api", a.toString()));
                s.member().fingerprint().ifPresent(f -> r.put("fingerprint", f));
                rows.add(r);
                t.append(String.format("%-20s %-8s %-6s %-10d %s%n", name, s.online() ? "online" : "offline",
                        name.equals(n.node()) ? "*" : "", cts, s.member().api().map(URI::toString).orElse("-")));
            }
            print(spec, output, rows, t.toString());
            return 0;
        }
    }

}
