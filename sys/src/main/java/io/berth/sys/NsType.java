package io.berth.sys;

/** Linux namespace kinds: the /proc/PID/ns name, the CLONE_NEW* flag, and the PIDFD_GET_*_NAMESPACE ioctl number. */
public enum NsType {
    MNT("mnt", 0x00020000, 3),
    NET("net", 0x40000000, 4),
    USER("user", 0x10000000, 9),
    PID("pid", 0x20000000, 5),
    UTS("uts", 0x04000000, 10),
    IPC("ipc", 0x08000000, 2),
    CGROUP("cgroup", 0x02000000, 1),
    TIME("time", 0x00000080, 7);

    private final String procName;
    private final int cloneFlag;
    private final int pidfdIoctlNr;

    NsType(String procName, int cloneFlag, int pidfdIoctlNr) {
        this.procName = procName;
        this.cloneFlag = cloneFlag;
        this.pidfdIoctlNr = pidfdIoctlNr;
    }

    /** The name under /proc/PID/ns/. */
    public String procName() { return procName; }

    public int cloneFlag() { return cloneFlag; }

    /** _IO(PIDFS_IOCTL_MAGIC, nr). */
    int pidfdIoctl() { return (0xFF << 8) | pidfdIoctlNr; }
}
