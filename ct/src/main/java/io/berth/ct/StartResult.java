package io.berth.ct;

import java.util.List;

/** A started container's warnings (from the renderer and the pre-start hook). */
public record StartResult(List<String> warnings) {
    public StartResult {
        warnings = List.copyOf(warnings);
    }
}
