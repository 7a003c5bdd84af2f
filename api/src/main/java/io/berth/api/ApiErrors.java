package io.berth.api;

import io.berth.access.AuthenticationException;
import io.berth.error.BerthException;
import io.berth.error.HttpStatus;
import io.berth.error.InvalidInputException;
import io.berth.error.ParamError;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Failures to HTTP, in one place: Berth's error kinds through {@link HttpStatus#of} (400 with Proxmox's
 * {@code {"errors":{...}}} for invalid input), authentication failures as 401, anything unexpected as 500.
 */
public final class ApiErrors {
    private ApiErrors() {}

    public static ApiException map(Throwable t) {
        return switch (t) {
            case ApiException a -> a;
            case AuthenticationException a -> new ApiException(401, a.getMessage());
            case InvalidInputException i -> {
                Map<String, String> errors = new LinkedHashMap<>();
                for (ParamError e : i.paramErrors()) {
                    errors.merge(e.param() == null || e.param().isEmpty() ? "config" : e.param(), e.message(), (x, y) -> x + "; " + y);
                }
                yield ApiException.params(errors);
            }
            case BerthException b -> new ApiException(HttpStatus.of(b), b.getMessage());
            case IllegalArgumentException c -> new ApiException(400, c.getMessage());
            case UncheckedIOException io -> new ApiException(500, io.getMessage());
            default -> new ApiException(500, t.getClass().getSimpleName() + ": " + t.getMessage());
        };
    }
}
