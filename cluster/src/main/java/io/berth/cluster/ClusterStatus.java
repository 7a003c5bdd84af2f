package io.berth.cluster;

import static io.berth.cluster.Etcd.await;

import io.berth.error.HostFailureException;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The cluster store's members, the health of each (does it answer a status call in time) and whether a majority
 * is healthy (quorum: writes possible), as {@code pvecm status} reports for corosync.
 */
public record ClusterStatus(List<MemberStatus> members, long leaderId) {
    /** One member; {@code error} is empty when it answered. */
    public record MemberStatus(long id, String name, List<URI> clientUrls, boolean healthy, boolean leader,
                               String version, long raftIndex, Optional<String> error) {}

    public long healthyCount() { return members.stream().filter(MemberStatus::healthy).count(); }

    /** Votes needed for quorum: a majority of the members. */
    public int quorumSize() { return members.size() / 2 + 1; }

    public boolean quorate() { return !members.isEmpty() && healthyCount() >= quorumSize(); }

    /** Asks {@code client}'s cluster for its members, then each member for its status (each call bounded by {@code timeout}). */
    public static ClusterStatus of(Client client, Duration timeout) {
        List<Member> ms = await(client.getClusterClient().listMember(), timeout, "list the cluster members").getMembers();
        List<MemberStatus> out = new ArrayList<>();
        long leader = 0;
        for (Member m : ms) {
            List<URI> urls = m.getClientURIs();
            if (urls.isEmpty()) {
                out.add(new MemberStatus(m.getId(), m.getName(), urls, false, false, "", 0, Optional.of("not started (no client URL)")));
                continue;
            }
            try {
                StatusResponse s = await(client.getMaintenanceClient().statusMember(urls.get(0).toString()), timeout,
                        "ask member " + m.getName() + " for its status");
                if (s.getLeader() != 0) leader = s.getLeader();
                out.add(new MemberStatus(m.getId(), m.getName(), urls, true, false, s.getVersion(), s.getRaftIndex(), Optional.empty()));
            } catch (HostFailureException e) {
                out.add(new MemberStatus(m.getId(), m.getName(), urls, false, false, "", 0, Optional.of(e.getMessage())));
            }
        }
        long l = leader;
        return new ClusterStatus(out.stream().map(s -> s.id() == l && s.healthy()
                ? new MemberStatus(s.id(), s.name(), s.clientUrls(), true, true, s.version(), s.raftIndex(), s.error()) : s).toList(), leader);
    }

    /** Human-readable, one line per member, like {@code pvecm status}. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("Cluster store: etcd\n");
        sb.append("Members:       ").append(members.size()).append('\n');
        sb.append("Healthy:       ").append(healthyCount()).append('\n');
        sb.append("Quorum:        ").append(quorumSize()).append(quorate() ? " (quorate)" : " (NOT quorate: writes are refused)").append('\n');
        sb.append('\n').append(String.format("%-16s %-16s %-8s %-7s %-9s %s%n", "Id", "Name", "Health", "Leader", "Version", "Client URL"));
        for (MemberStatus m : members)
            sb.append(String.format("%-16s %-16s %-8s %-7s %-9s %s%s%n", Long.toHexString(m.id()), m.name(), m.healthy() ? "ok" : "DOWN",
                    m.leader() ? "*" : "", m.version(), m.clientUrls().isEmpty() ? "-" : m.clientUrls().get(0),
                    m.error().map(e -> "  (" + e + ")").orElse("")));
        return sb.toString();
    }
}
