package io.berth.config;

import io.berth.error.InvalidInputException;
import io.berth.error.ParamError;
import java.util.List;
import java.util.stream.Collectors;

/** A config could not be parsed or a change is invalid; carries every error found, not only the first. */
public final class ConfigException extends InvalidInputException {
    private final List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")),
                errors.stream().map(ConfigException::param).toList());
        this.errors = List.copyOf(errors);
    }

    public ConfigException(ConfigError error) { this(List.of(error)); }

    /** The errors with file and line; {@link #paramErrors()} has the same keyed by parameter for the API. */
    public List<ConfigError> errors() { return errors; }

    private static ParamError param(ConfigError e) {
        String key = e.key() == null ? "" : e.key();
        return new ParamError(key, new ConfigError(e.file(), e.line(), "", e.value(), e.message()).toString());
    }
}
