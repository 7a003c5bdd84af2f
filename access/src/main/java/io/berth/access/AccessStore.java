package io.berth.access;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The access files under one directory (Proxmox keeps them in /etc/pve): {@code user.cfg} (users, groups, roles,
 * pools, tokens, ACLs), and root-only {@code priv/shadow.cfg} (password hashes of the pve realm),
 * {@code priv/token.cfg} (SHA-256 of token secrets), {@code priv/tfa.cfg} (TOTP secrets), {@code priv/authkey.key}
 * (ticket signing key). Reads are cached and reloaded when a file changes (the CLI and the daemon share them);
 * updates are atomic and serialized by a lock file, so a CLI edit and an API edit never lose each other.
 */
public final class AccessStore {
    private final Path dir;
    private final Path userCfg;
    private final Path priv;
    private volatile Cached<AccessData> data;
    private volatile Cached<Map<String, String>> shadow, tokens, tfa;
    private byte[] authKey;
    /** Permissions of the current data; privileges it computed are memoized until the data changes. */
    private volatile Permissions permissions;

    private record Cached<T>(String stamp, T value) {}

    public AccessStore(Path dir) {
        this.dir = dir;
        this.userCfg = dir.resolve("user.cfg");
        this.priv = dir.resolve("priv");
    }

    public Path dir() { return dir; }

    /** The current data; callers must not modify it (use {@link #update}). */
    public AccessData read() {
        Cached<AccessData> c = data;
        String mt = stamp(userCfg);
        if (c == null || !c.stamp().equals(mt)) {
            String text = readText(userCfg);
            AccessData d = text == null ? AccessData.initial() : AccessData.parse(text);
            if (!d.users.containsKey("root@pam")) d.users.put("root@pam", AccessData.initial().users.get("root@pam"));
            data = c = new Cached<>(mt, d);
        }
        return c.value();
    }

    /**
     * Effective privileges on the current data. The instance is replaced when {@code user.cfg} changes, so what it
     * memoized (privileges per caller and path: every request asks) never outlives the ACLs it was computed from.
     */
    public Permissions permissions() {
        AccessData d = read();
        Permissions p = permissions;
        if (p == null || p.data() != d) permissions = p = new Permissions(d);
        return p;
    }

    /** The token secrets' current cache entry (its identity changes when {@code token.cfg} does). */
    Object tokenSecretsVersion() { return secrets("token.cfg", false); }

    /** Runs {@code change} on a copy of the data under the lock and writes the result. */
    public synchronized void update(Consumer<AccessData> change) {
        withLock(() -> {
            data = null;
            AccessData d = read().copy();
            change.accept(d);
            write(userCfg, d.print(), "rw-r-----");
            data = null;
        });
    }

    public Optional<String> passwordHash(String userid) { return Optional.ofNullable(secrets("shadow.cfg", true).get(userid)); }

    public synchronized void setPassword(String userid, String password) {
        String hash = PasswordHash.hash(password);
        updateSecrets("shadow.cfg", m -> m.put(userid, hash));
    }

    public synchronized void removeSecrets(String idPrefix) {
        for (String f : new String[]{"shadow.cfg", "token.cfg", "tfa.cfg"}) {
            updateSecrets(f, m -> m.keySet().removeIf(k -> k.equals(idPrefix) || k.startsWith(idPrefix + "!")));
        }
    }

    /** Stores the SHA-256 of a token's secret (a random UUID: a slow hash buys nothing and would cost every request). */
    public synchronized void setTokenSecret(String tokenid, String secret) {
        String h = sha256(secret);
        updateSecrets("token.cfg", m -> m.put(tokenid, h));
    }

    public synchronized void removeTokenSecret(String tokenid) { updateSecrets("token.cfg", m -> m.remove(tokenid)); }

    public boolean tokenSecretMatches(String tokenid, String secret) {
        String h = secrets("token.cfg", false).get(tokenid);
        return h != null && MessageDigest.isEqual(h.getBytes(StandardCharsets.US_ASCII), sha256(secret).getBytes(StandardCharsets.US_ASCII));
    }

    public Optional<String> totpSecret(String userid) { return Optional.ofNullable(secrets("tfa.cfg", true).get(userid)); }

    public synchronized void setTotpSecret(String userid, String secret) {
        updateSecrets("tfa.cfg", m -> {
            if (secret == null) m.remove(userid);
            else m.put(userid, secret);
        });
    }

    /** The ticket signing key, made at first use (256 random bits, root-only). */
    public synchronized byte[] authKey() {
        if (authKey != null) return authKey;
        Path p = priv.resolve("authkey.key");
        try {
            if (!Files.exists(p)) {
                byte[] k = new byte[32];
                new SecureRandom().nextBytes(k);
                write(p, HexFormat.of().formatHex(k), "rw-------");
            }
            authKey = HexFormat.of().parseHex(Files.readString(p).strip());
            return authKey;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    // ---- files ----

    private Map<String, String> secrets(String name, boolean slowChanging) {
        Path p = priv.resolve(name);
        Cached<Map<String, String>> c = switch (name) {
            case "shadow.cfg" -> shadow;
            case "token.cfg" -> tokens;
            default -> tfa;
        };
        String mt = stamp(p);
        if (c != null && c.stamp().equals(mt)) return c.value();
        Map<String, String> m = new TreeMap<>();
        String text = readText(p);
        if (text != null) {
            for (String line : text.split("\n")) {
                int i = line.indexOf(':');
                // a token id contains no ':', a userid neither: the first ':' ends the key
                if (i > 0) m.put(line.substring(0, i), line.substring(i + 1).strip());
            }
        }
        c = new Cached<>(mt, Map.copyOf(m));
        switch (name) {
            case "shadow.cfg" -> shadow = c;
            case "token.cfg" -> tokens = c;
            default -> tfa = c;
        }
        return c.value();
    }

    private void updateSecrets(String name, Consumer<Map<String, String>> change) {
        withLock(() -> {
            Path p = priv.resolve(name);
            Map<String, String> m = new TreeMap<>(secrets(name, false));
            change.accept(m);
            StringBuilder sb = new StringBuilder();
            m.forEach((k, v) -> sb.append(k).append(':').append(v).append('\n'));
            write(p, sb.toString(), "rw-------");
        });
    }

    private void withLock(Runnable r) {
        try {
            Files.createDirectories(priv);
            Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rwx------"));
            try (FileChannel ch = FileChannel.open(priv.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock l = ch.lock()) {
                r.run();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + priv, e);
        }
    }

    private static void write(Path p, String text, String perms) {
        try {
            Files.createDirectories(p.getParent());
            Path tmp = p.resolveSibling("." + p.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(perms)));
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + p, e);
        }
    }

    private static String readText(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    /** Inode, mtime and size: every write replaces the file (new inode), so a change is never missed. */
    private static String stamp(Path p) {
        try {
            var a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class);
            return a.fileKey() + "/" + a.lastModifiedTime().toMillis() + "/" + a.size();
        } catch (IOException e) {
            return "absent";
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
