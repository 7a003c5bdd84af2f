package io.berth.ct.backup;

import io.berth.error.InvalidInputException;

/** vzdump's {@code --mode}: {@code snapshot} (default), {@code suspend}, {@code stop}. */
public enum BackupMode {
    SNAPSHOT, SUSPEND, STOP;

    public String key() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static BackupMode parse(String s) {
        return switch (s) {
            case "snapshot" -> SNAPSHOT;
            case "suspend" -> SUSPEND;
            case "stop" -> STOP;
            default -> throw new InvalidInputException("mode", "mode '" + s + "' is invalid; allowed: snapshot, suspend, stop");
        };
    }
}
