/**
 * The web UI: assets built by npm into {@code io/berth/web/ui/} (see {@code web/ui/build.mjs}), served by
 * {@link io.berth.web.UiHandler} with a strict Content-Security-Policy and long-lived caching for content-hashed
 * files; the browser console lives in {@link io.berth.web.console}.
 */
package io.berth.web;
