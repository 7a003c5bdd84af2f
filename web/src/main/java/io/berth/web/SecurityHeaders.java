package io.berth.web;

import java.util.Map;

/**
 * Headers on every UI response. Scripts only from this origin (no inline script, no eval); styles allow inline
 * {@code <style>} elements because xterm.js sizes its character grid with one (values are never styles); the page
 * cannot be framed, and connections go only back to this origin (the API and the console WebSocket).
 */
public final class SecurityHeaders {
    private SecurityHeaders() {}

    public static final String CSP = String.join("; ",
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'");

    public static final Map<String, String> ALL = Map.of(
            "Content-Security-Policy", CSP,
            "X-Content-Type-Options", "nosniff",
            "X-Frame-Options", "DENY",
            "Referrer-Policy", "no-referrer",
            "Cross-Origin-Opener-Policy", "same-origin",
            "Strict-Transport-Security", "max-age=31536000");
}
