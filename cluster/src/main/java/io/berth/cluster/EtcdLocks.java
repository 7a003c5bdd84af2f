package io.berth.cluster;

import static io.berth.cluster.Etcd.await;
import static io.berth.cluster.Etcd.bytes;

import io.berth.config.Locks;
import io.berth.config.Vmid;
import io.berth.error.HostFailureException;
import io.berth.error.LockedException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Operation locks across nodes: {@code /berth/locks/lxc/VMID} created (create revision 0) with the holder's
 * {@code owner} as value and attached to a lease of {@code ttl} that this client keeps alive while the lock is
 * held. Releasing revokes the lease (deleting the key); a holder that dies or loses the cluster stops renewing, so
 * its lock disappears at most {@code ttl} later. Reentrant within a thread of this instance. Waiting for a held
 * lock polls the key (at most every 200 ms) until the caller's timeout.
 */
public final class EtcdLocks implements Locks {
    private final KV kv;
    private final Lease lease;
    private final EtcdLayout layout;
    private final Duration ttl;
    private final Duration callTimeout;
    private final Map<Integer, Holding> held = new ConcurrentHashMap<>();

    private final class Holding {
        final Thread thread = Thread.currentThread();
        final int vmid;
        final long leaseId;
        final CloseableClient keepAlive;
        int count = 1;

        Holding(int vmid, long leaseId, CloseableClient keepAlive) {
            this.vmid = vmid;
            this.leaseId = leaseId;
            this.keepAlive = keepAlive;
        }

        void release() {
            if (--count > 0) return;
            held.remove(vmid, this);
            keepAlive.close();
            try {
                await(lease.revoke(leaseId), callTimeout, "release the lock of container " + vmid);
            } catch (HostFailureException e) {
                // the cluster is unreachable: the lease is no longer renewed and expires within the ttl
            }
        }
    }

    public EtcdLocks(Client client, Duration ttl, Duration callTimeout) {
        this(client, EtcdLayout.DEFAULT, ttl, callTimeout);
    }

    public EtcdLocks(Client client, EtcdLayout layout, Duration ttl, Duration callTimeout) {
        this.kv = client.getKVClient();
        this.lease = client.getLeaseClient();
        this.layout = layout;
        this.ttl = ttl;
        this.callTimeout = callTimeout;
    }

    @Override public Held lock(int vmid, String owner, Duration timeout) {
        return tryLock(vmid, owner, timeout).orElseThrow(() -> {
            String holder = owner(vmid).orElse("");
            return new LockedException("can't lock container " + vmid + ": "
                    + (holder.isEmpty() ? "another operation" : holder) + " holds its cluster lock for more than "
                    + timeout.toSeconds() + " s", holder);
        });
    }

    @Override public Optional<Held> tryLock(int vmid, String owner, Duration timeout) {
        Vmid.check(vmid);
        Holding mine = held.get(vmid);
        if (mine != null && mine.thread == Thread.currentThread()) {
            mine.count++;
            return Optional.of(mine::release);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        long leaseId = await(lease.grant(Math.max(1, ttl.toSeconds())), callTimeout, "lock container " + vmid).getID();
        CloseableClient keep = lease.keepAlive(leaseId, new StreamObserver<LeaseKeepAliveResponse>() {
            @Override public void onNext(LeaseKeepAliveResponse r) {}
            @Override public void onError(Throwable t) {}
            @Override public void onCompleted() {}
        });
        boolean ok = false;
        try {
            ByteSequence key = bytes(layout.lock(vmid));
            for (long pause = 20; ; pause = Math.min(200, pause * 2)) {
                TxnResponse r = await(kv.txn()
                        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                        .Then(Op.put(key, bytes(owner), PutOption.builder().withLeaseId(leaseId).build()))
                        .commit(), callTimeout, "lock container " + vmid);
                if (r.isSucceeded()) {
                    Holding h = new Holding(vmid, leaseId, keep);
                    held.put(vmid, h);
                    ok = true;
                    return Optional.of(h::release);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) return Optional.empty();
                try {
                    Thread.sleep(Math.min(pause, Math.max(1, left / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new HostFailureException("interrupted while locking container " + vmid, e);
                }
            }
        } finally {
            if (!ok) {
                keep.close();
                lease.revoke(leaseId); // best effort, asynchronous: an unused lease also expires on its own
            }
        }
    }

    @Override public Optional<String> owner(int vmid) {
        return await(kv.get(bytes(layout.lock(vmid))), callTimeout, "read the lock of container " + vmid).getKvs().stream()
                .findFirst().map(k -> k.getValue().toString(StandardCharsets.UTF_8));
    }
}
