/**
 * Container storage as Proxmox has it: {@link io.berth.storage.StorageConfig} ({@code storage.cfg}), the
 * drivers behind {@link io.berth.storage.Storage} (dir, btrfs, lvmthin), volume ids
 * ({@link io.berth.storage.VolumeId}), the new-disk syntax ({@link io.berth.storage.NewDisk}), the
 * registry {@link io.berth.storage.Storages} and {@link io.berth.storage.Rescan}. Storage operations shell
 * out to the standard tools (mkfs.ext4, resize2fs, btrfs, lvm) through {@link io.berth.storage.HostCommand},
 * which bounds every call in time.
 */
package io.berth.storage;
