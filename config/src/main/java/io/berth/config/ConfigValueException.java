package io.berth.config;

/**
 * A single value is invalid; the message says what is wrong and what is allowed. Callers that know the file,
 * line and key turn it into a {@link ConfigError}.
 */
public final class ConfigValueException extends RuntimeException {
    public ConfigValueException(String message) { super(message); }
}
