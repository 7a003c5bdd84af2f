package io.berth.config;

import java.util.List;

/**
 * A config file as read: the config, the {@code digest} of the raw bytes (SHA-1 hex, as Proxmox computes it, for
 * write-if-unchanged), {@code warnings} for entries that did not validate or lines that were skipped (each naming
 * file, line, key and value), and {@code notes} such as deprecated raw key names.
 */
public record ParsedConfig(ConfigFile config, String digest, List<ConfigError> warnings, List<String> notes) {
    public ParsedConfig {
        warnings = List.copyOf(warnings);
        notes = List.copyOf(notes);
    }
}
