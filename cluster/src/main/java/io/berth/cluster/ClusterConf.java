package io.berth.cluster;

import io.berth.config.BerthRoots;
import io.berth.error.InvalidInputException;
import io.berth.error.NotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code <config>/cluster.conf}: this node's membership, written by {@code berth cluster create|join}, removed by
 * {@code leave}. Its presence is what makes a node a cluster node ({@link io.berth.config.ClusterBackend}).
 * Format: {@code key: value} lines, {@code #} comments.
 *
 * @param cluster   the cluster's name
 * @param node      this node's name (unique in the cluster)
 * @param endpoints etcd client URLs ({@code https://} with {@code ca} for TLS)
 * @param api       how the other nodes reach this node's API ({@code https://HOST:PORT}); empty: not served
 * @param ca        PEM CA certificate(s) the etcd server certificates must chain to
 * @param cert      PEM client certificate for etcd client-certificate auth (with {@code key}, PKCS#8 PEM)
 * @param user      etcd user (role-based auth), with {@code passwordFile}
 * @param prefix    key prefix of the cluster in etcd (several clusters, or tests, can share one etcd)
 * @param timeout   the longest wait for one etcd call; without quorum writes fail after it
 * @param ttl       lease time of locks and of the node's heartbeat: a dead holder's lock, or a dead node, is noticed
 *                  at most this long after
 */
public record ClusterConf(String cluster, String node, List<URI> endpoints, Optional<URI> api, Optional<Path> ca,
                          Optional<Path> cert, Optional<Path> key, Optional<String> user, Optional<Path> passwordFile,
                          String prefix, Duration timeout, Duration ttl) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(10);

    public ClusterConf {
        EtcdLayout.checkNode(node);
        if (cluster == null || !cluster.matches("[a-zA-Z0-9][a-zA-Z0-9-]{0,39}"))
            throw new InvalidInputException("clustername", "'" + cluster + "' is not a valid cluster name; allowed: letters, digits, '-', at most 40, starting with a letter or digit");
        if (endpoints.isEmpty()) throw new InvalidInputException("endpoints", "at least one etcd endpoint is needed");
        for (URI u : endpoints)
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null || u.getPort() <= 0)
                throw new InvalidInputException("endpoints", "'" + u + "' is not an etcd client URL; allowed: http(s)://HOST:PORT");
        if (cert.isPresent() != key.isPresent())
            throw new InvalidInputException(cert.isPresent() ? "key" : "cert", "a client certificate needs both cert and key");
        if (user.isPresent() != passwordFile.isPresent())
            throw new InvalidInputException(user.isPresent() ? "password-file" : "user", "etcd user auth needs both user and password-file");
        api.ifPresent(a -> {
            if (!"https".equals(a.getScheme()) || a.getHost() == null || a.getPort() <= 0)
                throw new InvalidInputException("api", "'" + a + "' is not this node's API address; allowed: https://HOST:PORT");
        });
        new EtcdLayout(prefix);
        endpoints = List.copyOf(endpoints);
    }

    public EtcdLayout layout() { return new EtcdLayout(prefix); }

    public static Optional<ClusterConf> readIfExists(BerthRoots roots) {
        Path p = roots.clusterConf();
        if (!Files.exists(p)) return Optional.empty();
        try {
            return Optional.of(parse(p.toString(), Files.readString(p, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    public static ClusterConf read(BerthRoots roots) {
        return readIfExists(roots).orElseThrow(() -> new NotFoundException("this node is not in a cluster (" + roots.clusterConf()
                + " does not exist); create one with: berth cluster create NAME, or join one with: berth cluster join"));
    }

    public static ClusterConf parse(String file, String text) {
        String cluster = null, node = null, prefix = EtcdLayout.DEFAULT.prefix();
        List<URI> endpoints = new ArrayList<>();
        Optional<URI> api = Optional.empty();
        Optional<Path> ca = Optional.empty(), cert = Optional.empty(), key = Optional.empty(), pw = Optional.empty();
        Optional<String> user = Optional.empty();
        Duration timeout = DEFAULT_TIMEOUT, ttl = DEFAULT_TTL;
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            int c = l.indexOf(':');
            if (c <= 0) throw new InvalidInputException("cluster.conf", file + " line " + n + ": '" + l + "' is not 'key: value'");
            String k = l.substring(0, c).strip(), v = l.substring(c + 1).strip();
            try {
                switch (k) {
                    case "cluster" -> cluster = v;
                    case "node" -> node = v;
                    case "endpoints" -> { for (String e : v.split(",")) if (!e.isBlank()) endpoints.add(uri(file, n, e.strip())); }
                    case "api" -> api = Optional.of(uri(file, n, v));
                    case "ca" -> ca = Optional.of(Path.of(v));
                    case "cert" -> cert = Optional.of(Path.of(v));
                    case "key" -> key = Optional.of(Path.of(v));
                    case "user" -> user = Optional.of(v);
                    case "password-file" -> pw = Optional.of(Path.of(v));
                    case "prefix" -> prefix = v;
                    case "timeout" -> timeout = Duration.ofSeconds(Long.parseLong(v));
                    case "ttl" -> ttl = Duration.ofSeconds(Long.parseLong(v));
                    default -> throw new InvalidInputException("cluster.conf", file + " line " + n + ": unknown key '" + k
                            + "'; allowed: cluster, node, endpoints, api, ca, cert, key, user, password-file, prefix, timeout, ttl");
                }
            } catch (NumberFormatException | java.time.DateTimeException | java.nio.file.InvalidPathException e) {
                throw new InvalidInputException("cluster.conf", file + " line " + n + ": bad value '" + v + "' for " + k + ": " + e.getMessage());
            }
        }
        if (cluster == null || node == null)
            throw new InvalidInputException("cluster.conf", file + ": 'cluster' and 'node' are required");
        return new ClusterConf(cluster, node, endpoints, api, ca, cert, key, user, pw, prefix, timeout, ttl);
    }

    private static URI uri(String file, int line, String v) {
        try {
            return new URI(v);
        } catch (java.net.URISyntaxException e) {
            throw new InvalidInputException("cluster.conf", file + " line " + line + ": '" + v + "' is not a URL: " + e.getReason());
        }
    }

    public String print() {
        StringBuilder sb = new StringBuilder("# this node's cluster membership: written by berth cluster create/join, removed by leave\n");
        sb.append("cluster: ").append(cluster).append('\n');
        sb.append("node: ").append(node).append('\n');
        sb.append("endpoints: ").append(String.join(",", endpoints.stream().map(URI::toString).toList())).append('\n');
        api.ifPresent(a -> sb.append("api: ").append(a).append('\n'));
        ca.ifPresent(p -> sb.append("ca: ").append(p).append('\n'));
        cert.ifPresent(p -> sb.append("cert: ").append(p).append('\n'));
        key.ifPresent(p -> sb.append("key: ").append(p).append('\n'));
        user.ifPresent(u -> sb.append("user: ").append(u).append('\n'));
        passwordFile.ifPresent(p -> sb.append("password-file: ").append(p).append('\n'));
        if (!prefix.equals(EtcdLayout.DEFAULT.prefix())) sb.append("prefix: ").append(prefix).append('\n');
        if (!timeout.equals(DEFAULT_TIMEOUT)) sb.append("timeout: ").append(timeout.toSeconds()).append('\n');
        if (!ttl.equals(DEFAULT_TTL)) sb.append("ttl: ").append(ttl.toSeconds()).append('\n');
        return sb.toString();
    }

    /** Writes the file atomically, mode 0600 (it names the key files and the etcd user). */
    public void write(BerthRoots roots) {
        Path p = roots.clusterConf();
        try {
            Files.createDirectories(p.getParent());
            Path tmp = p.resolveSibling(".cluster.conf.tmp." + ProcessHandle.current().pid());
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, print(), StandardCharsets.UTF_8);
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    public ClusterConf withApi(Optional<URI> a) {
        return new ClusterConf(cluster, node, endpoints, a, ca, cert, key, user, passwordFile, prefix, timeout, ttl);
    }
}
