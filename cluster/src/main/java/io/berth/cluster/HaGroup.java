package io.berth.cluster;

import io.berth.error.InvalidInputException;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A HA group as in Proxmox's {@code groups.cfg}: member nodes with priorities ({@code node[:prio]}, higher first),
 * {@code restricted} (the resource may run only on members) and {@code nofailback}. Kept at
 * {@code /berth/ha/groups/NAME}.
 */
public record HaGroup(String name, Map<String, Integer> nodes, boolean restricted, boolean nofailback) {
    public HaGroup {
        checkName(name);
        nodes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
        if (nodes.isEmpty()) throw new InvalidInputException("nodes", "a HA group needs at least one node");
        nodes.keySet().forEach(EtcdLayout::checkNode);
    }

    static String checkName(String name) {
        if (name == null || !name.matches("[A-Za-z][A-Za-z0-9\\-_.]*[A-Za-z0-9]"))
            throw new InvalidInputException("group", "'" + name + "' is not a valid group name: allowed a letter, then letters, "
                    + "digits, '-', '_', '.', ending in a letter or digit");
        return name;
    }

    /** Parses Proxmox's {@code nodes} value: {@code node1:2,node2,node3:1}. */
    public static Map<String, Integer> parseNodes(String s) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String part : s.split("[,;\\s]+")) {
            if (part.isEmpty()) continue;
            String[] np = part.split(":", 2);
            int prio;
            try {
                prio = np.length > 1 ? Integer.parseInt(np[1]) : 0;
            } catch (NumberFormatException e) {
                throw new InvalidInputException("nodes", "'" + part + "': allowed NODE or NODE:PRIORITY (0..1000)");
            }
            if (prio < 0 || prio > 1000) throw new InvalidInputException("nodes", "'" + part + "': priority allowed 0..1000");
            m.put(EtcdLayout.checkNode(np[0]), prio);
        }
        return m;
    }

    public String format() {
        StringBuilder sb = new StringBuilder("group: ").append(name).append('\n');
        StringBuilder ns = new StringBuilder();
        nodes.forEach((n, p) -> ns.append(ns.isEmpty() ? "" : ",").append(n).append(p == 0 ? "" : ":" + p));
        sb.append("\tnodes ").append(ns).append('\n');
        if (nofailback) sb.append("\tnofailback 1\n");
        if (restricted) sb.append("\trestricted 1\n");
        return sb.toString();
    }

    public static HaGroup parse(String text) {
        String name = null;
        Map<String, Integer> nodes = Map.of();
        boolean restricted = false, nofailback = false;
        for (String line : text.lines().toList()) {
            String l = line.strip();
            if (l.isEmpty()) continue;
            if (l.startsWith("group:")) { name = l.substring(6).strip(); continue; }
            String[] kv = l.split("\\s+", 2);
            String v = kv.length > 1 ? kv[1] : "";
            switch (kv[0]) {
                case "nodes" -> nodes = parseNodes(v);
                case "restricted" -> restricted = v.equals("1");
                case "nofailback" -> nofailback = v.equals("1");
                default -> { } // comment and options Berth does not use
            }
        }
        return new HaGroup(name, nodes, restricted, nofailback);
    }

    /**
     * Where a resource of this group may be recovered to, best first: the online members by priority; when none is
     * online and the group is not restricted, the other online nodes.
     */
    public List<String> candidates(Set<String> online) {
        List<String> members = nodes.entrySet().stream().filter(e -> online.contains(e.getKey()))
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).map(Map.Entry::getKey).toList();
        if (!members.isEmpty() || restricted) return members;
        return online.stream().sorted(Comparator.naturalOrder()).toList();
    }

    /** The node's priority in the group; -1 for a node that is not a member. */
    public int priority(String node) { return nodes.getOrDefault(node, -1); }

    /**
     * Where a resource should run among the {@code online} nodes not in {@code avoid}: its group's members by
     * priority (highest first; a restricted group only them, an unrestricted one any node when no member is
     * online), then the node with the fewest HA containers ({@code load}), then by name. Used for recovery from a
     * fenced node, relocation after failed starts and failback.
     */
    public static Optional<String> place(Optional<HaGroup> group, Set<String> online, Map<String, Integer> load, Set<String> avoid) {
        Set<String> on = new java.util.TreeSet<>(online);
        on.removeAll(avoid);
        List<String> candidates = group.map(g -> g.candidates(on)).orElseGet(() -> List.copyOf(on));
        return candidates.stream().min(Comparator.comparingInt((String n) -> -group.map(g -> g.priority(n)).orElse(0))
                .thenComparingInt(n -> load.getOrDefault(n, 0)).thenComparing(Comparator.naturalOrder()));
    }
}
