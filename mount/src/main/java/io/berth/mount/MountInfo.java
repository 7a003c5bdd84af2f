package io.berth.mount;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One line of /proc/PID/mountinfo. Paths are unescaped (the kernel writes space as \040 etc.). */
public record MountInfo(long id, long parentId, String majorMinor, String root, String mountPoint, String mountOptions,
                        String fsType, String source, String superOptions) {

    /** The calling thread's mount table (its own mount namespace, also on namespace threads). */
    public static List<MountInfo> current() {
        return read(Path.of("/proc/thread-self/mountinfo"));
    }

    public static List<MountInfo> read(Path file) {
        try {
            return parse(Files.readAllLines(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public static List<MountInfo> parse(List<String> lines) {
        List<MountInfo> out = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) continue;
            String[] f = line.split(" ");
            int sep = -1;
            for (int i = 6; i < f.length; i++) if (f[i].equals("-")) { sep = i; break; }
            if (sep < 0 || f.length < sep + 4) throw new IllegalArgumentException("malformed mountinfo line: " + line);
            out.add(new MountInfo(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2], unescape(f[3]), unescape(f[4]), f[5],
                    f[sep + 1], unescape(f[sep + 2]), f[sep + 3]));
        }
        return out;
    }

    public boolean readOnly() {
        return List.of(mountOptions.split(",")).contains("ro");
    }

    /** True when the mount point is {@code dir} or lies below it. */
    public boolean isAtOrBelow(String dir) {
        String d = dir.endsWith("/") && dir.length() > 1 ? dir.substring(0, dir.length() - 1) : dir;
        return mountPoint.equals(d) || mountPoint.startsWith(d.equals("/") ? "/" : d + "/");
    }

    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) return false;
        for (int i = from; i < from + 3; i++) if (s.charAt(i) < '0' || s.charAt(i) > '7') return false;
        return true;
    }
}
