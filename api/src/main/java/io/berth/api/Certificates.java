package io.berth.api;

import io.berth.error.HostFailureException;
import io.berth.sys.ProcessRunner;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The server's certificate: a custom PKCS#12 key store when configured, else a self-signed one made at first start
 * (EC P-256, 10 years, SAN with the node name and localhost) by the JDK's keytool.
 */
public final class Certificates {
    private Certificates() {}

    /** The password of the self-signed key store (the file is root-only: the password guards nothing more). */
    public static String selfSignedPassword() { return "berth-" + Node.hostName(); }

    /**
     * A TLS client context that trusts exactly the certificates in {@code keyStore} (the server's own: PKIX with them
     * as the only anchors, the host name checked against the SAN, which names localhost and 127.0.0.1): for tests,
     * benchmarks and tools on the server's host, instead of trusting any certificate.
     */
    public static SSLContext clientContext(Path keyStore, String password) {
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password.toCharArray());
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            for (String alias : java.util.Collections.list(ks.aliases())) {
                if (ks.getCertificate(alias) != null) anchors.setCertificateEntry(alias, ks.getCertificate(alias));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(anchors);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new HostFailureException("cannot read the certificate " + keyStore + ": " + e.getMessage(), e);
        }
    }

    /** Makes {@code keyStore} if missing; returns its path. */
    public static Path ensure(Path keyStore, String password, String node) {
        if (Files.exists(keyStore)) return keyStore;
        try {
            Files.createDirectories(keyStore.getParent());
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            Path tmp = keyStore.resolveSibling("." + keyStore.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            // the password goes through the environment: argv is readable in /proc and ends up in error messages
            ProcessRunner.of(List.of(keytool, "-genkeypair", "-alias", "berth", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-validity", "3650", "-dname", "CN=" + node + ", O=Berth self-signed", "-ext",
                    "SAN=dns:" + node + ",dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", tmp.toString(),
                    "-storepass:env", "BERTH_KEYSTORE_PASS", "-keypass:env", "BERTH_KEYSTORE_PASS"))
                    .env("BERTH_KEYSTORE_PASS", password).timeout(Duration.ofMinutes(2)).run().orThrow();
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.move(tmp, keyStore, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return keyStore;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the certificate " + keyStore, e);
        }
    }
}
