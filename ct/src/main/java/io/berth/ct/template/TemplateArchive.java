package io.berth.ct.template;

import java.nio.file.Path;
import java.util.List;

/** A template tarball and the compression its name implies. */
public record TemplateArchive(Path path, Compression compression) {

    /** The compressions templates come in; the tar flag that decompresses each. */
    public enum Compression {
        GZIP("--gzip"), XZ("--xz"), ZSTD("--zstd"), NONE(null);

        private final String tarFlag;

        Compression(String tarFlag) { this.tarFlag = tarFlag; }

        List<String> tarFlags() { return tarFlag == null ? List.of() : List.of(tarFlag); }
    }

    /** Picks the compression from the file name suffix. */
    public static TemplateArchive of(Path path) {
        String n = path.getFileName().toString();
        Compression c;
        if (n.endsWith(".tar.gz") || n.endsWith(".tgz")) c = Compression.GZIP;
        else if (n.endsWith(".tar.xz") || n.endsWith(".txz")) c = Compression.XZ;
        else if (n.endsWith(".tar.zst") || n.endsWith(".tzst")) c = Compression.ZSTD;
        else if (n.endsWith(".tar")) c = Compression.NONE;
        else throw new io.berth.error.InvalidInputException("ostemplate", "template '" + path + "' has an unknown suffix: allowed are "
                + ".tar.gz, .tgz, .tar.xz, .txz, .tar.zst, .tzst, .tar");
        return new TemplateArchive(path, c);
    }
}
