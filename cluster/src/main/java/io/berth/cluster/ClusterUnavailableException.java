package io.berth.cluster;

import io.berth.error.HostFailureException;

/**
 * The cluster store could not be reached in time or has no quorum (a majority of etcd members down or cut off):
 * writes and consistent reads are refused rather than risking a split brain, as pmxcfs makes /etc/pve read-only
 * without quorum. HTTP 500, CLI exit code 1.
 */
public final class ClusterUnavailableException extends HostFailureException {
    public ClusterUnavailableException(String message, Throwable cause) { super(message, cause); }
}
