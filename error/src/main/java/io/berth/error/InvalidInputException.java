package io.berth.error;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The request itself is wrong (bad id, bad key or value, a config file that does not parse); every problem
 * found is listed, each naming the parameter. HTTP 400.
 */
public non-sealed class InvalidInputException extends BerthException {
    private final List<ParamError> errors;

    public InvalidInputException(List<ParamError> errors) {
        super(errors.stream().map(ParamError::toString).collect(Collectors.joining("\n")), null);
        if (errors.isEmpty()) throw new IllegalArgumentException("InvalidInputException without errors");
        this.errors = List.copyOf(errors);
    }

    public InvalidInputException(String param, String message) { this(List.of(new ParamError(param, message))); }

    /** For subclasses whose message is rendered differently (e.g. with file and line) from the same errors. */
    protected InvalidInputException(String message, List<ParamError> errors) {
        super(message, null);
        if (errors.isEmpty()) throw new IllegalArgumentException("InvalidInputException without errors");
        this.errors = List.copyOf(errors);
    }

    /** Every problem, each naming its parameter (Proxmox API: {@code {"errors":{"param":"msg"}}}). */
    public List<ParamError> paramErrors() { return errors; }
}
