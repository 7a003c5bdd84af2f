package io.berth.cli.migrate;

import io.berth.cluster.ClusterNode;
import io.berth.cluster.HaGroup;
import io.berth.cluster.HaResource;
import io.berth.cluster.HaStore;
import io.berth.config.BerthRoots;
import io.berth.config.ClusterBackend;
import io.berth.config.NoSuchContainerException;
import io.berth.ct.ContainerService;
import io.berth.ct.migrate.MigrationService;
import io.berth.error.InvalidInputException;
import io.berth.error.UnsupportedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** {@code berth ha}: the HA configuration in etcd, checked against this node's storage.cfg. */
public final class ClusterHa {
    private ClusterHa() {}

    static ClusterNode node(BerthRoots roots) {
        if (ClusterBackend.of(roots).isEmpty())
            throw new UnsupportedException("this host is in no cluster: HA needs a cluster (berth cluster create|join)");
        return ClusterNode.of(roots);
    }

    static HaStore store(ClusterNode cn) { return new HaStore(cn.client(), cn.layout(), cn.conf().timeout()); }

    public static void add(BerthRoots roots, HaResource r) {
        ClusterNode cn = node(roots);
        HaStore store = store(cn);
        check(roots, cn, store, r);
        store.add(r);
    }

    public static void set(BerthRoots roots, UnaryOperator<HaResource> change, int vmid) {
        ClusterNode cn = node(roots);
        HaStore store = store(cn);
        HaResource old = store.resource(vmid).orElseThrow(() -> new io.berth.error.NotFoundException("no HA resource ct:" + vmid
                + "; add it with: berth ha add " + vmid));
        HaResource next = change.apply(old);
        if (next.group().isPresent() && store.group(next.group().get()).isEmpty())
            throw new InvalidInputException("group", "no HA group '" + next.group().get() + "'; create it with: berth ha groupadd");
        store.set(next);
        // disabling is the way out of the error state (ha-manager.adoc, Error Recovery): the counts start over
        if (next.state() == HaResource.State.DISABLED) store.clearService(vmid);
    }

    public static void remove(BerthRoots roots, int vmid) {
        HaStore store = store(node(roots));
        store.remove(vmid);
        store.clearService(vmid);
    }

    public static void putGroup(BerthRoots roots, HaGroup g) { store(node(roots)).putGroup(g); }

    public static void removeGroup(BerthRoots roots, String name) { store(node(roots)).removeGroup(name); }

    /** HA needs the container to be recoverable without its node: shared storage only (Proxmox requires the same). */
    private static void check(BerthRoots roots, ClusterNode cn, HaStore store, HaResource r) {
        String owner = store.owners().get(r.vmid());
        if (owner == null) throw new NoSuchContainerException(r.vmid(), "the cluster (no /vmids/" + r.vmid() + ")");
        var config = cn.configsOf(owner).read(r.vmid()).config().main();
        List<String> problems = new MigrationService(ContainerService.shared(roots)).haProblems(r.vmid(), config);
        if (!problems.isEmpty())
            throw new UnsupportedException("cannot put container " + r.vmid() + " under HA: " + String.join("; ", problems));
        if (r.group().isPresent() && store.group(r.group().get()).isEmpty())
            throw new InvalidInputException("group", "no HA group '" + r.group().get() + "'; create it with: berth ha groupadd");
    }

    public record Lrm(String node, String state) {}

    public record Service(String sid, int vmid, String node, String state, Optional<String> group) {}

    public record Status(boolean quorate, Optional<String> master, List<Lrm> lrm, List<Service> services) {
        public String render() {
            StringBuilder sb = new StringBuilder("quorum " + (quorate ? "OK" : "NO") + "\n");
            sb.append("master ").append(master.map(m -> m + " (active)").orElse("none")).append('\n');
            for (Lrm l : lrm) sb.append("lrm ").append(l.node()).append(" (").append(l.state()).append(")\n");
            for (Service s : services) sb.append("service ").append(s.sid()).append(" (").append(s.node()).append(", ").append(s.state()).append(")\n");
            return sb.toString();
        }
    }

    public static Status status(BerthRoots roots) {
        ClusterNode cn = node(roots);
        HaStore store = store(cn);
        boolean quorate = cn.storeStatus().quorate();
        Map<String, HaStore.Lrm> lrms = store.lrms();
        List<Lrm> lrm = new ArrayList<>();
        for (var m : cn.registry().members()) lrm.add(new Lrm(m.name(), lrms.containsKey(m.name()) ? "active" : "dead or idle (no lease)"));
        Map<Integer, String> owners = store.owners();
        Map<Integer, HaStore.Service> states = store.services();
        List<Service> services = new ArrayList<>();
        for (HaResource r : store.resources().values()) {
            String owner = owners.getOrDefault(r.vmid(), "?");
            String state = r.state().key();
            HaStore.Service sv = states.getOrDefault(r.vmid(), HaStore.Service.NONE);
            if (sv.error() && r.state() != HaResource.State.IGNORED) state = "error";
            else if (sv.relocateTo().filter(t -> !t.equals(owner)).isPresent()) state = "relocate (to " + sv.relocateTo().get() + ")";
            if (!lrms.containsKey(owner) && r.state() != HaResource.State.IGNORED) state = "fence (node " + owner + " lost its HA lease)";
            services.add(new Service(r.sid(), r.vmid(), owner, state, r.group()));
        }
        return new Status(quorate, store.crm(), lrm, services);
    }
}
