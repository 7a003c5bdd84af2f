package io.berth.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.config.BerthRoots;
import io.berth.config.ClusterBackend;
import io.berth.config.ConfigParser;
import io.berth.config.FileConfigRepository;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * etcd with TLS on its client and peer ports and client-certificate auth, set up with the openssl commands of
 * docs/CLUSTER.md: a node with the CA, a client certificate and its PKCS#8 key creates a cluster and writes through
 * it; a node without a client certificate is refused.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class EtcdTlsTest {
    private static void sh(Path dir, String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    @Test void aNodeWithAClientCertificateWorksOneWithoutIsRefused() throws Exception {
        Path dir = Files.createTempDirectory("berth-etcd-tls-");
        Process etcd = null;
        BerthRoots roots = BerthRoots.resolve(dir.resolve("n1").toString());
        try {
            sh(dir, """
                    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=berth-etcd-ca -keyout ca.key -out ca.pem
                    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=h1 -keyout h1.key -out h1.csr
                    openssl x509 -req -in h1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -out h1.pem \\
                        -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:h1\\nextendedKeyUsage=serverAuth,clientAuth')
                    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=berth-h1 -keyout berth-h1.key -out berth-h1.csr
                    openssl x509 -req -in berth-h1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -out berth-h1.pem \\
                        -extfile <(printf 'extendedKeyUsage=clientAuth')
                    openssl pkcs8 -topk8 -nocrypt -in berth-h1.key -out berth-h1.pk8
                    """);
            int client = TestPorts.next(), peer = TestPorts.next();
            etcd = new ProcessBuilder("etcd", "--name", "h1", "--data-dir", dir.resolve("data").toString(),
                    "--listen-client-urls", "https://127.0.0.1:" + client, "--advertise-client-urls", "https://127.0.0.1:" + client,
                    "--listen-peer-urls", "https://127.0.0.1:" + peer, "--initial-advertise-peer-urls", "https://127.0.0.1:" + peer,
                    "--initial-cluster", "h1=https://127.0.0.1:" + peer, "--cert-file", "h1.pem", "--key-file", "h1.key",
                    "--client-cert-auth", "--trusted-ca-file", "ca.pem", "--peer-cert-file", "h1.pem", "--peer-key-file", "h1.key",
                    "--peer-client-cert-auth", "--peer-trusted-ca-file", "ca.pem").directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("etcd.log").toFile()).start();
            List<URI> endpoints = List.of(URI.create("https://127.0.0.1:" + client));
            ClusterConf withCert = new ClusterConf("tls", "n1", endpoints, Optional.empty(), Optional.of(dir.resolve("ca.pem")),
                    Optional.of(dir.resolve("berth-h1.pem")), Optional.of(dir.resolve("berth-h1.pk8")), Optional.empty(), Optional.empty(),
                    "/berth", Duration.ofSeconds(20), Duration.ofSeconds(4));
            long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (true) {
                try {
                    ClusterAdmin.create(roots, withCert);
                    break;
                } catch (ClusterUnavailableException e) {
                    if (System.nanoTime() > end) throw e;
                }
            }
            assertThat(ClusterConf.read(roots).cert()).contains(dir.resolve("berth-h1.pem"));
            new FileConfigRepository(roots).create(5900, ConfigParser.parse("t", "arch: amd64\nhostname: tls\n"));
            assertThat(ClusterNode.of(roots).etcdConfigs().owners()).containsEntry(5900, "n1");

            ClusterConf noCert = new ClusterConf("tls", "n2", endpoints, Optional.empty(), Optional.of(dir.resolve("ca.pem")),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), "/berth", Duration.ofSeconds(5), Duration.ofSeconds(4));
            assertThatThrownBy(() -> ClusterAdmin.join(BerthRoots.resolve(dir.resolve("n2").toString()), noCert))
                    .isInstanceOf(ClusterUnavailableException.class).hasMessageContaining("client certificate");
            assertThat(Files.exists(dir.resolve("n2/etc/cluster.conf"))).isFalse();
        } finally {
            ClusterBackend.of(roots).ifPresent(b -> ((ClusterNode) b).close());
            ClusterBackend.forget(roots);
            if (etcd != null) {
                etcd.destroyForcibly();
                etcd.waitFor(30, TimeUnit.SECONDS);
            }
            try (var w = Files.walk(dir)) {
                w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
