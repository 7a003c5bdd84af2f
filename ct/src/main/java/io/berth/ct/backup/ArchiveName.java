package io.berth.ct.backup;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A vzdump archive name: {@code vzdump-lxc-VMID-YYYY_MM_DD-HH_MM_SS.tar[.zst|.gz|.lzo]} (local time, as vzdump
 * names them); its log is {@code vzdump-lxc-VMID-DATE.log}, its notes and protection marker sit beside the archive
 * as {@code ARCHIVE.notes} and {@code ARCHIVE.protected}.
 */
public record ArchiveName(String type, int vmid, LocalDateTime time, Compression compression) {
    static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy_MM_dd-HH_mm_ss");
    private static final Pattern NAME = Pattern.compile(
            "vzdump-(lxc|qemu|openvz)-(\\d+)-(\\d{4}_\\d{2}_\\d{2}-\\d{2}_\\d{2}_\\d{2})\\.(tar(?:\\.zst|\\.gz|\\.lzo)?|tgz|vma(?:\\.zst|\\.gz|\\.lzo)?)");

    public static ArchiveName of(int vmid, LocalDateTime time, Compression c) {
        return new ArchiveName("lxc", vmid, time.withNano(0), c);
    }

    /** Parses a file name; empty for anything that is not a vzdump archive name. */
    public static Optional<ArchiveName> parse(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) return Optional.empty();
        String ext = m.group(4);
        Compression c = ext.endsWith(".zst") ? Compression.ZSTD : ext.endsWith(".gz") || ext.equals("tgz") ? Compression.GZIP
                : ext.endsWith(".lzo") ? Compression.LZO : Compression.NONE;
        try {
            return Optional.of(new ArchiveName(m.group(1), Integer.parseInt(m.group(2)), LocalDateTime.parse(m.group(3), STAMP), c));
        } catch (RuntimeException e) {
            return Optional.empty(); // 2024_13_45: not a real date
        }
    }

    /** {@code vzdump-lxc-100-2024_01_31-12_00_00}. */
    public String base() { return "vzdump-" + type + "-" + vmid + "-" + STAMP.format(time); }

    public String fileName() { return base() + ".tar" + compression.suffix(); }

    public String logName() { return base() + ".log"; }

    public String notesName() { return fileName() + ".notes"; }

    public String protectedName() { return fileName() + ".protected"; }
}
