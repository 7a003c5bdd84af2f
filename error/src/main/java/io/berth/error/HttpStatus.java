package io.berth.error;

/** The one mapping from error kind to HTTP status, for the API (Proxmox's API uses the same classes). */
public final class HttpStatus {
    private HttpStatus() {}

    public static int of(BerthException e) {
        return switch (e) {
            case InvalidInputException x -> 400;
            case PermissionDeniedException x -> 403;
            case NotFoundException x -> 404;
            case ConflictException x -> 409;
            case HostFailureException x -> 500;
            case UnsupportedException x -> 501;
        };
    }
}
