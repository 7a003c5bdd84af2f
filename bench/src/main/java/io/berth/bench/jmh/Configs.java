package io.berth.bench.jmh;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** The sample configs shipped in the bench jar (copies of the config and lxc modules' golden files). */
final class Configs {
    private Configs() {}

    static String text(String name) {
        String res = "/bench-configs/" + name + ".conf";
        try (InputStream in = Configs.class.getResourceAsStream(res)) {
            if (in == null) throw new IllegalStateException("bench resource " + res + " is missing from the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + res + ": " + e.getMessage(), e);
        }
    }
}
