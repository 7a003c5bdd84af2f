package io.berth.config;

import io.berth.error.InvalidInputException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A config's version as Proxmox computes it: SHA-1 (40 lowercase hex digits) of the raw file bytes
 * ({@code Digest::SHA::sha1_hex($raw)} in {@code PVE::LXC::Config::parse_pct_config}), so a digest read from a
 * Proxmox host's API matches ours for the same file.
 */
public record ConfigDigest(String hex) {
    public ConfigDigest {
        if (hex == null || !hex.matches("[0-9a-f]{40}"))
            throw new InvalidInputException("digest", "'" + hex + "' is invalid; allowed: 40 lowercase hex digits (SHA-1)");
    }

    public static ConfigDigest of(byte[] raw) {
        try {
            return new ConfigDigest(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(raw)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-1", e);
        }
    }

    /** Parses user input; upper-case hex is accepted as Proxmox's comparison is on the string the user gives. */
    public static ConfigDigest parse(String s) { return new ConfigDigest(s == null ? null : s.strip().toLowerCase(java.util.Locale.ROOT)); }

    @Override public String toString() { return hex; }
}
