package io.berth.guest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The host facts setup reads: its resolv.conf (when the config has no nameserver), its timezone (for
 * {@code timezone: host}) and ssh-keygen (for SSH host keys at create). Tests pass their own.
 *
 * @param resolvConf the host's resolv.conf
 * @param timezone the host's zone name, if known
 * @param sshKeygen ssh-keygen to generate SSH host keys at create; empty skips host key generation
 */
public record HostEnv(Path resolvConf, Optional<String> timezone, Optional<Path> sshKeygen) {

    /** This machine: /etc/resolv.conf, /etc/timezone or the /etc/localtime link, ssh-keygen from PATH. */
    public static HostEnv system() {
        Optional<Path> keygen = Optional.empty();
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "ssh-keygen");
            if (Files.isExecutable(p)) {
                keygen = Optional.of(p);
                break;
            }
        }
        return new HostEnv(Path.of("/etc/resolv.conf"), hostTimezone(Path.of("/etc")), keygen);
    }

    /** No host facts: no resolv.conf, no time zone, no ssh-keygen (for reading a rootfs only). */
    public static HostEnv none() {
        return new HostEnv(Path.of("/nonexistent/berth/resolv.conf"), Optional.empty(), Optional.empty());
    }

    /** The zone named by {@code etc/timezone}, or by the target of the {@code etc/localtime} symlink. */
    static Optional<String> hostTimezone(Path etc) {
        try {
            Path tz = etc.resolve("timezone");
            if (Files.isRegularFile(tz)) {
                String z = Files.readString(tz, StandardCharsets.UTF_8).strip();
                if (Timezones.isValidName(z)) {
                    return Optional.of(z);
                }
            }
            Path lt = etc.resolve("localtime");
            if (Files.isSymbolicLink(lt)) {
                String target = Files.readSymbolicLink(lt).toString();
                int i = target.indexOf("zoneinfo/");
                if (i >= 0) {
                    String z = target.substring(i + "zoneinfo/".length());
                    if (Timezones.isValidName(z)) {
                        return Optional.of(z);
                    }
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    String readResolvConf() {
        try {
            return Files.isRegularFile(resolvConf) ? Files.readString(resolvConf, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
