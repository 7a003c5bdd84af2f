package io.berth.storage;

import io.berth.error.InvalidInputException;
import io.berth.error.ParamError;
import java.util.List;

/**
 * A bad line in {@code storage.cfg}: names the file, line, key, value and what is allowed. Invalid input (HTTP 400,
 * exit 2), not a host failure: the file says something Berth cannot accept, and fixing it is the admin's part.
 */
public final class StorageConfigException extends InvalidInputException {
    private final String file;
    private final int line;
    private final String key;
    private final String value;
    private final String allowed;

    public StorageConfigException(String file, int line, String key, String value, String allowed) {
        super("%s:%d: invalid %s '%s': allowed %s".formatted(file, line, key, value, allowed),
                List.of(new ParamError(key, "%s:%d: invalid value '%s': allowed %s".formatted(file, line, value, allowed))));
        this.file = file;
        this.line = line;
        this.key = key;
        this.value = value;
        this.allowed = allowed;
    }

    public String file() { return file; }
    public int line() { return line; }
    public String key() { return key; }
    public String value() { return value; }
    public String allowed() { return allowed; }
}
