/**
 * In-container setup per distribution, modelled on Proxmox's {@code PVE::LXC::Setup::*} plugins: hostname,
 * /etc/hosts, network configuration in the distribution's own format, resolv.conf, timezone, root password and
 * SSH keys.
 *
 * <p>Entry points: {@link io.berth.guest.GuestSetup#detect(java.nio.file.Path)} and
 * {@link io.berth.guest.GuestSetup#apply(java.nio.file.Path, io.berth.guest.GuestSpec, io.berth.guest.Phase)}.
 *
 * <p>Threat model: the rootfs belongs to the container. During create and pre-start the container is not
 * running, but an earlier run (or a hostile template) may have planted symlinks, FIFOs or odd file types
 * anywhere in it. Every write therefore walks the path one component at a time through directory file
 * descriptors ({@link java.nio.file.SecureDirectoryStream}, i.e. {@code openat(O_NOFOLLOW|O_DIRECTORY)}),
 * refuses a symlinked directory, never reads through a symlink, and replaces a final component by
 * {@code renameat} of a temp file written in the same directory, which replaces a symlink itself instead of its
 * target. See {@link io.berth.guest.RootFs}.
 */
package io.berth.guest;
