package io.berth.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

/**
 * The UI files the build put on the classpath, loaded once: only names listed in {@code assets.txt} exist (no
 * path is ever resolved against a directory). Hashed names are immutable; {@code index.html} is revalidated.
 */
public final class UiAssets {
    static final String ROOT = "io/berth/web/ui/";

    public record Asset(String name, byte[] body, byte[] gzip, String contentType, String etag, boolean immutable) {}

    private final Map<String, Asset> assets;

    private UiAssets(Map<String, Asset> assets) { this.assets = assets; }

    /** Loads the assets from the class loader of this class; empty when the UI was not built. */
    public static UiAssets load() {
        ClassLoader cl = UiAssets.class.getClassLoader();
        Map<String, Asset> m = new LinkedHashMap<>();
        byte[] list = read(cl, ROOT + "assets.txt");
        if (list != null) {
            for (String name : new String(list, StandardCharsets.UTF_8).split("\n")) {
                name = name.strip();
                if (name.isEmpty()) continue;
                byte[] body = read(cl, ROOT + name);
                if (body == null) throw new IllegalStateException("UI asset " + name + " is listed in assets.txt but missing");
                String type = contentType(name);
                byte[] gz = compressible(type) && body.length > 1024 ? gzip(body) : null;
                m.put(name, new Asset(name, body, gz, type, etag(body), !name.equals("index.html") && !name.endsWith(".txt")));
            }
        }
        return new UiAssets(Map.copyOf(m));
    }

    public boolean built() { return assets.containsKey("index.html"); }

    public Optional<Asset> find(String name) { return Optional.ofNullable(assets.get(name)); }

    public Map<String, Asset> all() { return assets; }

    static String contentType(String name) {
        int dot = name.lastIndexOf('.');
        return switch (dot < 0 ? "" : name.substring(dot + 1)) {
            case "html" -> "text/html; charset=utf-8";
            case "js" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "svg" -> "image/svg+xml";
            case "png" -> "image/png";
            case "woff2" -> "font/woff2";
            case "txt" -> "text/plain; charset=utf-8";
            default -> "application/octet-stream";
        };
    }

    private static boolean compressible(String type) {
        return type.startsWith("text/") || type.startsWith("image/svg");
    }

    private static byte[] read(ClassLoader cl, String path) {
        try (InputStream in = cl.getResourceAsStream(path)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading UI asset " + path, e);
        }
    }

    private static byte[] gzip(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length / 3);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String etag(byte[] b) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(b);
            return '"' + HexFormat.of().formatHex(d, 0, 12) + '"';
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
