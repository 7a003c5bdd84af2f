package io.berth.ct.backup;

import io.berth.error.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * vzdump's {@code --compress} choices and the tools that do them: zstd on every core, pigz when installed (gzip
 * otherwise), lzop. The archive suffix names the compression, as Proxmox reads it.
 */
public enum Compression {
    ZSTD("zstd", ".zst", "--zstd"),
    GZIP("gzip", ".gz", "--gzip"),
    LZO("lzo", ".lzo", "--lzop"),
    NONE("0", "", null);

    private final String key;
    private final String suffix;
    private final String tarFlag;

    Compression(String key, String suffix, String tarFlag) {
        this.key = key;
        this.suffix = suffix;
        this.tarFlag = tarFlag;
    }

    public String key() { return key; }

    /** {@code .zst}, {@code .gz}, {@code .lzo} or empty (plain {@code .tar}). */
    public String suffix() { return suffix; }

    /** The tar option that decompresses this format on extraction. */
    public List<String> tarFlags() { return tarFlag == null ? List.of() : List.of(tarFlag); }

    /** {@code --compress} value: {@code zstd}, {@code gzip} (or {@code 1}), {@code lzo}, {@code 0}. */
    public static Compression parse(String s) {
        return switch (s) {
            case "zstd" -> ZSTD;
            case "gzip", "1" -> GZIP;
            case "lzo" -> LZO;
            case "0", "none" -> NONE;
            default -> throw new InvalidInputException("compress", "compress '" + s + "' is invalid; allowed: 0, 1, gzip, lzo, zstd");
        };
    }

    /** From an archive's suffix ({@code .tar.zst} etc.); empty for a name that is no tar archive Berth restores. */
    public static Optional<Compression> ofFileName(String name) {
        if (name.endsWith(".tar.zst") || name.endsWith(".tzst")) return Optional.of(ZSTD);
        if (name.endsWith(".tar.gz") || name.endsWith(".tgz")) return Optional.of(GZIP);
        if (name.endsWith(".tar.lzo")) return Optional.of(LZO);
        if (name.endsWith(".tar")) return Optional.of(NONE);
        return Optional.empty();
    }

    /** The compressor reading tar on stdin and writing the compressed stream on stdout; empty for none. */
    public Optional<List<String>> compressor() {
        return switch (this) {
            case ZSTD -> Optional.of(List.of("zstd", "-q", "-c", "-T0"));
            case GZIP -> Optional.of(Files.isExecutable(Path.of("/usr/bin/pigz")) ? List.of("pigz", "-c") : List.of("gzip", "-c"));
            case LZO -> Optional.of(List.of("lzop", "-c"));
            case NONE -> Optional.empty();
        };
    }

    /** The tool decompressing this format from stdin to stdout; empty for none. */
    public Optional<List<String>> decompressor() {
        return switch (this) {
            case ZSTD -> Optional.of(List.of("zstd", "-q", "-d", "-c"));
            case GZIP -> Optional.of(Files.isExecutable(Path.of("/usr/bin/pigz")) ? List.of("pigz", "-d", "-c") : List.of("gzip", "-d", "-c"));
            case LZO -> Optional.of(List.of("lzop", "-d", "-c"));
            case NONE -> Optional.empty();
        };
    }

    /** The format a stream's first bytes name (zstd, gzip and lzop magic numbers); anything else is read as plain tar. */
    public static Compression ofMagic(byte[] head, int n) {
        if (n >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xB5 && (head[2] & 0xff) == 0x2F && (head[3] & 0xff) == 0xFD) return ZSTD;
        if (n >= 2 && (head[0] & 0xff) == 0x1F && (head[1] & 0xff) == 0x8B) return GZIP;
        if (n >= 4 && (head[0] & 0xff) == 0x89 && head[1] == 'L' && head[2] == 'Z' && head[3] == 'O') return LZO;
        return NONE;
    }
}
