package io.berth.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This host's node name as Proxmox uses it: the short host name, or the name it has in its cluster. */
public final class Node {
    private static final String HOST = probe();
    private static volatile String name = HOST;

    private Node() {}

    public static String name() { return name; }

    /** The short host name, whatever the node's cluster name is. */
    public static String hostName() { return HOST; }

    /**
     * A cluster node's name comes from its cluster.conf (berthd sets it before serving the API): in a cluster the
     * name routes requests, and several test nodes share one host.
     */
    public static void use(String clusterName) { name = clusterName; }

    private static String probe() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            int dot = h.indexOf('.');
            return dot > 0 ? h.substring(0, dot) : h;
        } catch (IOException e) {
            return "localhost";
        }
    }
}
