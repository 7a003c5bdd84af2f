package io.berth.api;

/** Serves one method of one path; returns what goes into {@code data} (null for none). */
@FunctionalInterface
public interface Handler {
    Object handle(Call call) throws Exception;
}
