/**
 * The storage-facing container commands (pct rescan, resize; pvesm list/status/alloc/free): decisions are pure
 * functions over a {@link io.berth.config.ConfigFile} and what the storages report, the I/O stays at the edges.
 */
package io.berth.ct.storage;
