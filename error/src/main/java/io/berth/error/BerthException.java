package io.berth.error;

/**
 * Every refusal or failure Berth reports to an admin or an API client. Closed: a front end maps each kind once
 * (CLI exit code, HTTP status) with an exhaustive switch, so a new kind cannot be added without deciding both.
 * Messages are for the admin as they are: they name the container, key or value and what is allowed, never a
 * Java class.
 */
public sealed abstract class BerthException extends RuntimeException
        permits NotFoundException, ConflictException, InvalidInputException, UnsupportedException,
        PermissionDeniedException, HostFailureException {

    protected BerthException(String message, Throwable cause) {
        super(message, cause);
    }
}
