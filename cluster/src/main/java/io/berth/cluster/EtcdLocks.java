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
 * {@code owner} as value and attached to this instance's session lease of {@code ttl}, which it keeps alive (one
 * lease per process, as etcd's own concurrency package does: a lock costs one transaction to take and one to
 * release). Releasing deletes the key (if it is still ours); a holder that dies or loses the cluster stops renewing,
 * so its locks disappear at most {@code ttl} later. Reentrant within a thread of this instance. Waiting for a held
 * lock polls the key (at most every 200 ms) until the caller's timeout.
 */
public final class EtcdLocks implements Locks {
    private final KV kv;
    private final Lease lease;
    private final EtcdLayout layout;
    private final Duration ttl;
    private final Duration callTimeout;
    private final Map<Integer, Holding> held = new ConcurrentHashMap<>();
    private long session; // guarded by this; 0: none (not yet granted, or lost)
    private CloseableClient sessionKeepAlive;

    private final class Holding {
        final Thread thread = Thread.currentThread();
        final int vmid;
        final long revision;
        int count = 1;

        Holding(int vmid, long revision) {
            this.vmid = vmid;
            this.revision = revision;
        }

        void release() {
            if (--count > 0) return;
            held.remove(vmid, this);
            try {
                delete(vmid, revision);
            } catch (HostFailureException e) {
                // the cluster is unreachable now: keep trying in the background, so the lock does not outlive its
                // operation for as long as this process keeps the session alive
                Thread.ofVirtual().name("berth-unlock-" + vmid).start(() -> {
                    for (long pause = 500; ; pause = Math.min(pause * 2, 10_000)) {
                        try {
                            Thread.sleep(pause);
                            delete(vmid, revision);
                            return;
                        } catch (InterruptedException ie) {
                            return;
                        } catch (HostFailureException again) {
                            // still unreachable
                        }
                    }
                });
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

    /** Deletes the lock key if it is still the one we created (a lost session may have let someone else take it). */
    private void delete(int vmid, long revision) {
        ByteSequence key = bytes(layout.lock(vmid));
        await(kv.txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(revision)))
                .Then(Op.delete(key, io.etcd.jetcd.options.DeleteOption.DEFAULT)).commit(), callTimeout, "release the lock of container " + vmid);
    }

    /** The session lease, granted at first use and kept alive by this client. */
    private synchronized long session(int vmid) {
        if (session != 0) return session;
        long id = await(lease.grant(Math.max(2, ttl.toSeconds())), callTimeout, "lock container " + vmid).getID();
        sessionKeepAlive = lease.keepAlive(id, new StreamObserver<LeaseKeepAliveResponse>() {
            @Override public void onNext(LeaseKeepAliveResponse r) {
                if (r.getTTL() <= 0) lost(id); // expired meanwhile (the cluster was unreachable longer than the ttl)
            }
            @Override public void onError(Throwable t) { lost(id); }
            @Override public void onCompleted() { lost(id); }
        });
        session = id;
        return id;
    }

    /** The session lease is gone (its keys with it): the next lock grants a new one. */
    private synchronized void lost(long id) {
        if (session != id) return;
        session = 0;
        if (sessionKeepAlive != null) sessionKeepAlive.close();
        sessionKeepAlive = null;
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
        ByteSequence key = bytes(layout.lock(vmid));
        for (long pause = 20; ; pause = Math.min(200, pause * 2)) {
            long leaseId = session(vmid);
            TxnResponse r;
            try {
                r = await(kv.txn()
                        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                        .Then(Op.put(key, bytes(owner), PutOption.builder().withLeaseId(leaseId).build()))
                        .commit(), callTimeout, "lock container " + vmid);
            } catch (ClusterUnavailableException e) {
                if (!String.valueOf(e.getMessage()).contains("lease not found")) throw e;
                lost(leaseId); // expired while this process was cut off: a new session, then again
                continue;
            }
            if (r.isSucceeded()) {
                Holding h = new Holding(vmid, r.getPutResponses().get(0).getHeader().getRevision());
                held.put(vmid, h);
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
    }

    @Override public Optional<String> owner(int vmid) {
        return await(kv.get(bytes(layout.lock(vmid))), callTimeout, "read the lock of container " + vmid).getKvs().stream()
                .findFirst().map(k -> k.getValue().toString(StandardCharsets.UTF_8));
    }
}
