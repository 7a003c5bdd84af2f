package io.berth.api;

import io.berth.access.Authenticator.Caller;
import java.util.Map;
import java.util.Optional;

/**
 * One API request as a handler sees it: validated parameters (path variables included), the authenticated caller
 * (empty for the few world-readable methods), and the client address.
 */
public record Call(String method, String template, Map<String, String> params, Optional<Caller> caller, String rhost) {
    public Optional<String> opt(String name) { return Optional.ofNullable(params.get(name)); }

    public String str(String name) {
        String v = params.get(name);
        if (v == null) throw ApiException.param(name, "property is missing and it is not optional");
        return v;
    }

    public int integer(String name) { return Integer.parseInt(str(name)); }

    public int vmid() { return integer("vmid"); }

    public boolean flag(String name) { return "1".equals(params.get(name)); }

    public Caller who() { return caller.orElseThrow(() -> new ApiException(401, "No ticket")); }
}
