package io.berth.api;

import io.berth.access.AccessException;
import io.berth.config.ConfigError;
import io.berth.config.ConfigException;
import io.berth.config.ConfigValueException;
import io.berth.config.NoSuchContainerException;
import io.berth.ct.CtException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one mapping of failures to HTTP statuses and Proxmox's error shapes. */
public final class ApiErrors {
    private ApiErrors() {}

    public static ApiException map(Throwable t) {
        return switch (t) {
            case ApiException a -> a;
            case AccessException a -> switch (a.kind()) {
                case BAD_REQUEST -> a.errors().isEmpty() ? new ApiException(400, a.getMessage()) : ApiException.params(a.errors());
                case UNAUTHENTICATED -> new ApiException(401, a.getMessage());
                case FORBIDDEN -> new ApiException(403, a.getMessage());
                case NOT_FOUND -> new ApiException(404, a.getMessage());
                case CONFLICT -> new ApiException(409, a.getMessage());
            };
            case ConfigException c -> {
                Map<String, String> errors = new LinkedHashMap<>();
                for (ConfigError e : c.errors()) errors.merge(e.key() == null || e.key().isEmpty() ? "config" : e.key(), e.message(), (x, y) -> x + "; " + y);
                yield ApiException.params(errors);
            }
            case ConfigValueException c -> new ApiException(400, c.getMessage());
            case IllegalArgumentException c -> new ApiException(400, c.getMessage());
            // Proxmox answers 500 for a missing guest config ("Configuration file ... does not exist")
            case NoSuchContainerException n -> new ApiException(500, "Configuration file 'nodes/" + Node.name() + "/lxc/" + n.vmid()
                    + ".conf' does not exist");
            case CtException c -> new ApiException(conflict(c.getMessage()) ? 409 : 500, c.getMessage());
            case UncheckedIOException io -> new ApiException(500, io.getMessage());
            default -> new ApiException(500, t.getClass().getSimpleName() + ": " + t.getMessage());
        };
    }

    private static boolean conflict(String m) {
        return m != null && (m.contains("is locked") || m.contains("exists already") || m.contains("already running")
                || m.contains("is running") || m.contains("not running"));
    }
}
