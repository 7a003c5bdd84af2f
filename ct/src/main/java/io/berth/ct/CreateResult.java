package io.berth.ct;

import java.util.List;

/** A created container: its detected ostype/arch, the volumes allocated for it, and what the admin should know. */
public record CreateResult(int vmid, String ostype, String arch, List<String> volumes, List<String> warnings) {
    public CreateResult {
        volumes = List.copyOf(volumes);
        warnings = List.copyOf(warnings);
    }
}
