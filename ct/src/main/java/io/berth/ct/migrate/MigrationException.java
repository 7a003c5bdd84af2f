package io.berth.ct.migrate;

import io.berth.error.HostFailureException;

/** A migration step failed on the host (a transfer, a tool, the target node). */
public final class MigrationException extends HostFailureException {
    public MigrationException(String message) { super(message); }

    public MigrationException(String message, Throwable cause) { super(message, cause); }
}
