package io.berth.config;

import io.berth.error.InvalidInputException;

/**
 * A single value is invalid; the message says what is wrong and what is allowed. Callers that know the file,
 * line and key turn it into a {@link ConfigError}.
 */
public final class ConfigValueException extends InvalidInputException {
    public ConfigValueException(String message) { super("", message); }
}
