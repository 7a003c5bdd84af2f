package io.berth.config;

import java.util.List;
import java.util.stream.Collectors;

/** A config could not be parsed or a change is invalid; carries every error found, not only the first. */
public final class ConfigException extends RuntimeException {
    private final List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
        if (errors.isEmpty()) throw new IllegalArgumentException("ConfigException without errors");
        this.errors = List.copyOf(errors);
    }

    public ConfigException(ConfigError error) { this(List.of(error)); }

    public List<ConfigError> errors() { return errors; }
}
