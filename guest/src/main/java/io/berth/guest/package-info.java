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
 * anywhere in it. Proxmox runs its setup in a chroot; Berth gets the same view without one: reads and tests
 * resolve symlinks the way {@code RESOLVE_IN_ROOT} does (absolute targets and {@code ..} clamped to the rootfs),
 * and a write first resolves its directory that way, then walks the path one component at a time through
 * directory file descriptors ({@link java.nio.file.SecureDirectoryStream}, i.e.
 * {@code openat(O_NOFOLLOW|O_DIRECTORY)}), refuses a symlinked directory (one swapped in meanwhile), and replaces
 * the final component by {@code renameat} of a temp file written in the same directory, which replaces a symlink
 * itself instead of its target. See {@link io.berth.guest.RootFs} and {@link io.berth.guest.CtFiles}.
 */
package io.berth.guest;
