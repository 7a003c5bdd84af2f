package io.berth.config;

/** A container's config as read, with the digest a write-if-digest must present to replace it. */
public record VersionedConfig(int vmid, ConfigFile config, ConfigDigest digest) {}
