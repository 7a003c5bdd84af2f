package io.berth.lxc.render;

import io.berth.config.ContainerConfig;
import io.berth.lxc.host.DeviceNumber;
import io.berth.lxc.host.HostFacts;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the renderer reads.
 *
 * @param vmid           the container id; also its LXC name
 * @param conf           the container config (current section, pending changes already applied or not, as the caller decides)
 * @param host           the host's facts
 * @param lxcPath        LXC's lxcpath; the config goes to {@code <lxcPath>/<vmid>/config}
 * @param hookCommand    the command line of our hook entry point, e.g. {@code /opt/berth/bin/berth --root /x hook};
 *                       LXC runs it through {@code sh -c} with the hook type appended, so it must not contain shell
 *                       metacharacters. With {@code lxc.hook.version = 1} LXC passes no further arguments; the hook
 *                       reads {@code LXC_NAME}, {@code LXC_HOOK_TYPE}, {@code LXC_ROOTFS_MOUNT}, {@code LXC_CONFIG_FILE}
 *                       from its environment
 * @param rootfsMountDir where the pre-start hook mounts the rootfs; {@code lxc.rootfs.path}
 * @param devices        device numbers of the {@code devN} paths, probed on the host by the caller
 *                       ({@link DeviceNumber#probe})
 */
public record RenderInput(int vmid, ContainerConfig conf, HostFacts host, Path lxcPath, String hookCommand,
                          Path rootfsMountDir, Map<String, DeviceNumber> devices) {
    public RenderInput {
        Objects.requireNonNull(conf, "conf");
        Objects.requireNonNull(host, "host");
        devices = Map.copyOf(devices);
        if (!hookCommand.matches("[A-Za-z0-9_./=:@+,-]+( [A-Za-z0-9_./=:@+,-]+)*")) {
            throw new IllegalArgumentException("hook command '" + hookCommand
                    + "' is invalid: allowed are words of [A-Za-z0-9_./=:@+,-] separated by single spaces (LXC runs it through sh -c)");
        }
    }

    /** Without device passthrough. */
    public RenderInput(int vmid, ContainerConfig conf, HostFacts host, Path lxcPath, String hookCommand, Path rootfsMountDir) {
        this(vmid, conf, host, lxcPath, hookCommand, rootfsMountDir, Map.of());
    }

    /** {@code <lxcPath>/<vmid>/config}. */
    public Path configPath() { return lxcPath.resolve(Integer.toString(vmid)).resolve("config"); }

    /** {@code <lxcPath>/<vmid>/rules.seccomp}: where a generated seccomp profile must be written. */
    public Path seccompProfilePath() { return lxcPath.resolve(Integer.toString(vmid)).resolve("rules.seccomp"); }
}
