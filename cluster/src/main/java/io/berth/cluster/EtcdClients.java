package io.berth.cluster;

import io.berth.error.HostFailureException;
import io.berth.error.InvalidInputException;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A jetcd client from a {@link ClusterConf}: endpoints, TLS (CA, client certificate) and etcd user auth. */
public final class EtcdClients {
    private EtcdClients() {}

    static {
        // a CLI's stderr is for its own messages: no SLF4J "no providers" notice, no netty use of sun.misc.Unsafe
        // (JDK 25 warns about it on stderr); the cluster's traffic is small enough for netty's safe paths
        if (System.getProperty("slf4j.provider") == null) System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
        if (System.getProperty("slf4j.internal.verbosity") == null) System.setProperty("slf4j.internal.verbosity", "ERROR");
        if (System.getProperty("io.netty.noUnsafe") == null) System.setProperty("io.netty.noUnsafe", "true");
    }

    public static Client open(ClusterConf c) {
        ClientBuilder b = Client.builder().endpoints(c.endpoints().stream().map(URI::toString).toArray(String[]::new))
                .connectTimeout(c.timeout()).keepaliveTime(Duration.ofSeconds(15)).keepaliveTimeout(c.timeout());
        boolean tls = c.endpoints().stream().anyMatch(u -> "https".equals(u.getScheme()));
        if (tls || c.ca().isPresent() || c.cert().isPresent()) {
            for (Path p : new Path[] {c.ca().orElse(null), c.cert().orElse(null), c.key().orElse(null)})
                if (p != null && !Files.isReadable(p))
                    throw new InvalidInputException("cluster.conf", "cannot read " + p + " (named in the cluster config)");
            try {
                b.sslContext(s -> {
                    c.ca().ifPresent(ca -> s.trustManager(ca.toFile()));
                    if (c.cert().isPresent()) s.keyManager(c.cert().get().toFile(), c.key().get().toFile());
                });
            } catch (IOException | RuntimeException e) {
                throw new HostFailureException("cannot set up TLS to etcd with " + c.ca().map(Path::toString).orElse("the system CAs")
                        + c.cert().map(p -> " and client certificate " + p).orElse("") + ": " + e.getMessage(), e);
            }
        }
        if (c.user().isPresent()) {
            try {
                String pw = Files.readString(c.passwordFile().get(), StandardCharsets.UTF_8).strip();
                b.user(Etcd.bytes(c.user().get())).password(Etcd.bytes(pw));
            } catch (IOException e) {
                throw new HostFailureException("cannot read the etcd password file " + c.passwordFile().get() + ": " + e.getMessage(), e);
            }
        }
        return b.build();
    }
}
