package io.berth.storage;

/** A bad line in {@code storage.cfg}: names the file, line, key, value and what is allowed. */
public final class StorageConfigException extends StorageException {
    private final String file;
    private final int line;
    private final String key;
    private final String value;
    private final String allowed;

    public StorageConfigException(String file, int line, String key, String value, String allowed) {
        super("%s:%d: invalid %s '%s': allowed %s".formatted(file, line, key, value, allowed));
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
