package io.berth.config;

/** A raw {@code lxc.*} line passed through to the LXC config, kept in file order. */
public record RawLxc(String key, String value) {}
