package io.berth.lxc.cgroup;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads {@link CgroupStats} of running containers from cgroup v1 and v2 files and /proc, locating the cgroups
 * through {@code /proc/<initpid>/cgroup}, so it works whatever cgroup names LXC picked. Spawns no process and parses
 * bytes in place. One instance reuses its read buffer: not thread-safe, use one per thread.
 */
public final class CgroupReader {
    /** USER_HZ, the unit of /proc/PID/stat start times; 100 on every Linux architecture Berth runs on. */
    private static final long CLOCK_TICKS = 100;
    /** v1 reports "no limit" as PAGE_COUNTER_MAX pages in bytes; anything this large is no limit. */
    private static final long V1_NO_LIMIT_THRESHOLD = 1L << 62;

    private final Map<String, String> v1Mounts;
    private final String unifiedMount;
    private byte[] buf = new byte[8192];
    private int len;

    /** Learns where each cgroup hierarchy is mounted from /proc/self/mountinfo. */
    public CgroupReader() throws IOException {
        CgroupMounts mounts = CgroupMounts.read();
        Map<String, String> v1 = new HashMap<>();
        mounts.v1().forEach((c, p) -> v1.put(c, p.toString()));
        String unified = mounts.unified().map(Path::toString).orElse(null);
        this.v1Mounts = Map.copyOf(v1);
        this.unifiedMount = unified;
    }

    /**
     * Cuts a cgroup path after the component LXC created for container {@code name}: LXC 5's {@code lxc.payload.<name>},
     * or Proxmox's {@code lxc/<name>} ({@code lxc.cgroup.dir.container}). Whatever the container's init did below it
     * (systemd's {@code init.scope}) is inside the container's figures, not all of them.
     */
    public static String containerLevel(String name, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            boolean payload = parts[i].equals("lxc.payload." + name);
            boolean pveStyle = parts[i].equals(name) && i > 0 && parts[i - 1].equals("lxc");
            if (payload || pveStyle) return String.join("/", java.util.Arrays.asList(parts).subList(0, i + 1));
        }
        return path;
    }

    /** Reads the figures of the container whose init process is {@code initPid}; {@code ctName} names it (and its cgroup). */
    public CgroupStats read(String ctName, int initPid) throws IOException {
        String proc = "/proc/" + initPid;
        if (!load(proc + "/cgroup")) throw new IOException("container " + ctName + ": init pid " + initPid + " is gone");
        String cpuacct = null, memory = null, blkio = null, pidsDir = null, v2 = null;
        // lines: "<id>:<controller,list>:<path>"
        int i = 0;
        while (i < len) {
            int eol = indexOf((byte) '\n', i);
            int c1 = indexOf((byte) ':', i);
            int c2 = c1 < 0 ? -1 : indexOf((byte) ':', c1 + 1);
            if (c1 >= 0 && c2 >= 0 && c2 < eol) {
                // a systemd init moves itself to <payload>/init.scope: the container is the payload cgroup (issue 10.11)
                String path = containerLevel(ctName, new String(buf, c2 + 1, eol - c2 - 1, java.nio.charset.StandardCharsets.UTF_8));
                if (c2 == c1 + 1) {
                    if (unifiedMount != null) v2 = unifiedMount + path;
                } else {
                    String ctrls = new String(buf, c1 + 1, c2 - c1 - 1, java.nio.charset.StandardCharsets.US_ASCII);
                    for (String c : ctrls.split(",")) {
                        String mount = v1Mounts.get(c);
                        if (mount == null) continue;
                        String dir = mount + path;
                        switch (c) {
                            case "cpuacct" -> cpuacct = dir;
                            case "memory" -> memory = dir;
                            case "blkio" -> blkio = dir;
                            case "pids" -> pidsDir = dir;
                            default -> { }
                        }
                    }
                }
            }
            i = eol + 1;
        }

        long cpu = 0;
        if (cpuacct != null) {
            cpu = readLong(cpuacct + "/cpuacct.usage");
        } else if (v2 != null && load(v2 + "/cpu.stat")) {
            cpu = keyed("usage_usec") * 1000;
        }

        long memUsage = 0, memCache = 0, memLimit = CgroupStats.UNLIMITED, swapUsage = 0, swapLimit = CgroupStats.UNLIMITED;
        if (memory != null) {
            memUsage = readLong(memory + "/memory.usage_in_bytes");
            memLimit = v1Limit(readLong(memory + "/memory.limit_in_bytes"));
            if (load(memory + "/memory.stat")) memCache = keyed("total_cache");
            long memsw = readLong(memory + "/memory.memsw.usage_in_bytes");
            if (memsw > 0) swapUsage = Math.max(0, memsw - memUsage);
            long memswLimit = v1Limit(readLong(memory + "/memory.memsw.limit_in_bytes"));
            if (memswLimit != CgroupStats.UNLIMITED && memLimit != CgroupStats.UNLIMITED) swapLimit = Math.max(0, memswLimit - memLimit);
        } else if (v2 != null) {
            memUsage = readLong(v2 + "/memory.current");
            memLimit = readLimitV2(v2 + "/memory.max");
            if (load(v2 + "/memory.stat")) memCache = keyed("file");
            swapUsage = readLong(v2 + "/memory.swap.current");
            swapLimit = readLimitV2(v2 + "/memory.swap.max");
        }

        long rd = 0, wr = 0;
        if (blkio != null) {
            if (load(blkio + "/blkio.throttle.io_service_bytes_recursive") || load(blkio + "/blkio.throttle.io_service_bytes")) {
                rd = sumV1Io("Read");
                wr = sumV1Io("Write");
            }
        } else if (v2 != null && load(v2 + "/io.stat")) {
            rd = sumKeyed("rbytes=");
            wr = sumKeyed("wbytes=");
        }

        long pids = pidsDir != null ? readLong(pidsDir + "/pids.current") : v2 != null ? readLong(v2 + "/pids.current") : 0;

        long netIn = 0, netOut = 0;
        if (load(proc + "/net/dev")) {
            long[] io = netDev();
            netIn = io[0];
            netOut = io[1];
        }

        long uptime = 0;
        if (load(proc + "/stat")) {
            long start = statStartTime();
            if (load("/proc/uptime")) {
                long upMillis = uptimeMillis();
                uptime = Math.max(0, upMillis - start * 1000 / CLOCK_TICKS);
            }
        }
        return new CgroupStats(cpu, memUsage, memCache, memLimit, swapUsage, swapLimit, rd, wr, pids, netIn, netOut, uptime);
    }

    /** Loads a whole file into the buffer; false when it does not exist. */
    private boolean load(String path) throws IOException {
        try (FileInputStream in = new FileInputStream(path)) {
            len = 0;
            while (true) {
                if (len == buf.length) buf = java.util.Arrays.copyOf(buf, buf.length * 2);
                int n = in.read(buf, len, buf.length - len);
                if (n < 0) return true;
                len += n;
            }
        } catch (java.io.FileNotFoundException | NoSuchFileException e) {
            len = 0;
            return false;
        }
    }

    private long readLong(String path) throws IOException {
        return load(path) ? parseLong(0) : 0;
    }

    private long readLimitV2(String path) throws IOException {
        if (!load(path)) return CgroupStats.UNLIMITED;
        if (len >= 3 && buf[0] == 'm' && buf[1] == 'a' && buf[2] == 'x') return CgroupStats.UNLIMITED;
        return parseLong(0);
    }

    private static long v1Limit(long v) {
        return v == 0 || v >= V1_NO_LIMIT_THRESHOLD ? CgroupStats.UNLIMITED : v;
    }

    /** Value of the line {@code key value} in a flat-keyed file such as memory.stat or cpu.stat; 0 when absent. */
    private long keyed(String key) {
        int i = 0;
        while (i < len) {
            int eol = indexOf((byte) '\n', i);
            if (startsWith(i, key) && i + key.length() < eol && buf[i + key.length()] == ' ') return parseLong(i + key.length() + 1);
            i = eol + 1;
        }
        return 0;
    }

    /** Sum of {@code key=N} fields over all lines (v2 io.stat has one line per device). */
    private long sumKeyed(String key) {
        long sum = 0;
        for (int i = 0; i + key.length() <= len; i++) {
            if ((i == 0 || buf[i - 1] == ' ' || buf[i - 1] == '\n') && startsWith(i, key)) sum += parseLong(i + key.length());
        }
        return sum;
    }

    /** Sum over devices of v1 {@code MAJ:MIN Read N} lines. */
    private long sumV1Io(String op) {
        long sum = 0;
        int i = 0;
        while (i < len) {
            int eol = indexOf((byte) '\n', i);
            int sp = indexOf((byte) ' ', i);
            if (sp < eol && startsWith(sp + 1, op) && sp + 1 + op.length() < eol && buf[sp + 1 + op.length()] == ' ') {
                sum += parseLong(sp + 2 + op.length());
            }
            i = eol + 1;
        }
        return sum;
    }

    /** Received and sent bytes over all interfaces but lo, from /proc/PID/net/dev. */
    private long[] netDev() {
        long in = 0, out = 0;
        int i = indexOf((byte) '\n', indexOf((byte) '\n', 0) + 1) + 1; // two header lines
        while (i < len) {
            int eol = indexOf((byte) '\n', i);
            int colon = indexOf((byte) ':', i);
            if (colon < eol) {
                int s = i;
                while (buf[s] == ' ') s++;
                boolean lo = colon - s == 2 && buf[s] == 'l' && buf[s + 1] == 'o';
                if (!lo) {
                    int p = colon + 1;
                    for (int f = 0; f < 16 && p < eol; f++) {
                        while (p < eol && buf[p] == ' ') p++;
                        if (f == 0) in += parseLong(p);
                        if (f == 8) out += parseLong(p);
                        while (p < eol && buf[p] != ' ') p++;
                    }
                }
            }
            i = eol + 1;
        }
        return new long[] {in, out};
    }

    /** Field 22 (starttime, in clock ticks since boot) of /proc/PID/stat; the comm field may contain spaces and ')'. */
    private long statStartTime() {
        int p = len - 1;
        while (p >= 0 && buf[p] != ')') p--;
        p += 2; // field 3 (state)
        for (int f = 3; f < 22 && p < len; f++) {
            while (p < len && buf[p] != ' ') p++;
            p++;
        }
        return parseLong(p);
    }

    /** /proc/uptime's first number ("12345.67") in milliseconds. */
    private long uptimeMillis() {
        long secs = parseLong(0);
        int dot = indexOf((byte) '.', 0);
        long frac = 0;
        if (dot < len && dot + 2 < len) frac = (buf[dot + 1] - '0') * 100L + (buf[dot + 2] - '0') * 10L;
        return secs * 1000 + frac;
    }

    private long parseLong(int p) {
        long v = 0;
        while (p < len && buf[p] == ' ') p++;
        while (p < len && buf[p] >= '0' && buf[p] <= '9') v = v * 10 + (buf[p++] - '0');
        return v;
    }

    private boolean startsWith(int p, String s) {
        if (p < 0 || p + s.length() > len) return false;
        for (int k = 0; k < s.length(); k++) if (buf[p + k] != s.charAt(k)) return false;
        return true;
    }

    private int indexOf(byte b, int from) {
        for (int k = Math.max(0, from); k < len; k++) if (buf[k] == b) return k;
        return len;
    }
}
