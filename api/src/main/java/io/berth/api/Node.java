package io.berth.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This host's node name as Proxmox uses it: the short host name. */
public final class Node {
    private static final String NAME = probe();

    private Node() {}

    public static String name() { return NAME; }

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
