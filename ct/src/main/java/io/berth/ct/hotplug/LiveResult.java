package io.berth.ct.hotplug;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

import io.berth.config.ConfigFile;
import io.berth.config.ContainerConfig;

/**
 * What {@link LiveChanges#apply} did. Applied changes go into the main section; pending ones into the
 * {@code [pending]} section, each with the reason it could not be applied live.
 *
 * @param appliedSet     keys set live (or metadata) with their new values
 * @param appliedDelete  keys removed live
 * @param pendingSet     keys to set at the next start
 * @param pendingDelete  keys to remove at the next start
 * @param reasons        why each pending key is pending
 * @param warnings       non-fatal notes (e.g. a loop device still held elsewhere)
 */
public record LiveResult(SequencedMap<String, String> appliedSet, List<String> appliedDelete,
                         SequencedMap<String, String> pendingSet, List<String> pendingDelete,
                         SequencedMap<String, String> reasons, List<String> warnings) {

    public LiveResult {
        appliedSet = java.util.Collections.unmodifiableSequencedMap(new LinkedHashMap<>(appliedSet));
        pendingSet = java.util.Collections.unmodifiableSequencedMap(new LinkedHashMap<>(pendingSet));
        reasons = java.util.Collections.unmodifiableSequencedMap(new LinkedHashMap<>(reasons));
        appliedDelete = List.copyOf(appliedDelete);
        pendingDelete = List.copyOf(pendingDelete);
        warnings = List.copyOf(warnings);
    }

    /** Reason text of a key whose live change was tried and failed (and was rolled back). */
    public static final String FAILED_PREFIX = "live change failed: ";

    /** Keys whose live change failed, with the reason; they are kept pending. */
    public SequencedMap<String, String> failures() {
        SequencedMap<String, String> out = new LinkedHashMap<>();
        reasons.forEach((k, r) -> {
            if (r.startsWith(FAILED_PREFIX)) out.put(k, r.substring(FAILED_PREFIX.length()));
        });
        return out;
    }

    public boolean allApplied() {
        return pendingSet.isEmpty() && pendingDelete.isEmpty();
    }

    /**
     * The config file with this result written in: applied keys in the main section (and dropped from
     * pending), pending keys in the pending section. Pure; the caller stores it via ConfigStore.update.
     */
    public ConfigFile applyTo(ConfigFile file) {
        ContainerConfig main = file.main();
        ContainerConfig pending = file.pending().orElse(ContainerConfig.empty());
        for (var e : appliedSet.entrySet()) {
            main = main.with(e.getKey(), e.getValue());
            pending = dropPending(pending, e.getKey());
        }
        for (String k : appliedDelete) {
            main = main.without(k);
            pending = dropPending(pending, k);
        }
        for (var e : pendingSet.entrySet()) {
            pending = withoutDelete(pending, e.getKey()).with(e.getKey(), e.getValue());
        }
        for (String k : pendingDelete) {
            pending = pending.without(k);
            List<String> ds = new ArrayList<>(pending.deletes());
            if (!ds.contains(k)) ds.add(k);
            pending = pending.withDeletes(ds);
        }
        return file.withMain(main).withPending(java.util.Optional.of(pending));
    }

    private static ContainerConfig dropPending(ContainerConfig p, String key) {
        return withoutDelete(p.get(key).isPresent() ? p.without(key) : p, key);
    }

    private static ContainerConfig withoutDelete(ContainerConfig p, String key) {
        if (!p.deletes().contains(key) && !p.deletes().contains("!" + key)) return p;
        return p.withDeletes(p.deletes().stream().filter(d -> !d.equals(key) && !d.equals("!" + key)).toList());
    }

    /** Human-readable summary, one line per key. */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        appliedSet.forEach((k, v) -> out.add("applied " + k + ": " + v));
        appliedDelete.forEach(k -> out.add("applied delete " + k));
        pendingSet.forEach((k, v) -> out.add("pending " + k + ": " + v + " (" + reasons.get(k) + ")"));
        pendingDelete.forEach(k -> out.add("pending delete " + k + " (" + reasons.get(k) + ")"));
        warnings.forEach(w -> out.add("warning: " + w));
        return out;
    }

    /** Builder used while applying. */
    static final class Builder {
        final Map<String, String> appliedSet = new LinkedHashMap<>();
        final List<String> appliedDelete = new ArrayList<>();
        final Map<String, String> pendingSet = new LinkedHashMap<>();
        final List<String> pendingDelete = new ArrayList<>();
        final Map<String, String> reasons = new LinkedHashMap<>();
        final List<String> warnings = new ArrayList<>();

        void applied(String key, java.util.Optional<String> value) {
            if (value.isPresent()) appliedSet.put(key, value.get());
            else appliedDelete.add(key);
        }

        void pending(String key, java.util.Optional<String> value, String reason) {
            if (value.isPresent()) pendingSet.put(key, value.get());
            else pendingDelete.add(key);
            reasons.put(key, reason);
        }

        LiveResult build() {
            return new LiveResult(new LinkedHashMap<>(appliedSet), appliedDelete, new LinkedHashMap<>(pendingSet), pendingDelete,
                    new LinkedHashMap<>(reasons), warnings);
        }
    }
}
