package io.berth.api;

import io.berth.error.HostFailureException;
import io.berth.error.InvalidInputException;
import io.berth.storage.ContentType;
import io.berth.storage.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code POST /nodes/{node}/storage/{storage}/upload} with a {@code multipart/form-data} body, as the Proxmox GUI and
 * clients send it (fields {@code content}, {@code filename}, optional {@code checksum} and
 * {@code checksum-algorithm}, then the file). Only container templates ({@code vztmpl}) are taken: Berth has no VMs.
 * The file is streamed into the storage's {@code template/cache} directory under a temporary name (so keeping it is a
 * rename on the same file system), bounded by the storage's free space and {@link #MAX_BYTES}; the name is normalized
 * as Proxmox does and must end in {@code .tar.gz}, {@code .tar.xz} or {@code .tar.zst}. The {@code imgcopy} task
 * checks the checksum and renames the file into place; on any failure the partial file is removed.
 */
final class UploadEndpoint {
    static final String PATH = "/nodes/{node}/storage/{storage}/upload";
    /** Upper bound of one upload, whatever the free space: {@code -Dberth.api.upload.max-bytes}, default 16 GiB. */
    static final long MAX_BYTES = Long.getLong("berth.api.upload.max-bytes", 16L << 30);
    /** Space kept free on the storage after the upload. */
    private static final long RESERVE = 64L << 20;
    private static final Pattern TEMPLATE_NAME = Pattern.compile("[^/]+\\.tar\\.(gz|xz|zst)");

    private final Api api;

    UploadEndpoint(Api api) { this.api = api; }

    void register(ApiService s) { s.onUpload(PATH, this::upload); }

    /** Proxmox's normalization: every character outside {@code [a-zA-Z0-9_.-]} becomes {@code _}. */
    static String normalize(String filename) { return filename.replaceAll("[^a-zA-Z0-9_.\\-]", "_"); }

    private Object upload(Call pre, Multipart body) throws IOException {
        Api.checkNode(pre);
        String storage = pre.str("storage");
        Storage st = api.ct().storages().get(storage);
        Path dir = st.def().has(ContentType.VZTMPL) ? st.templateDir().orElse(null) : null;
        if (dir == null) throw ApiException.param("storage", "storage '" + storage + "' does not hold container templates (content vztmpl)");
        Files.createDirectories(dir);
        long free = Files.getFileStore(dir).getUsableSpace() - RESERVE;
        long max = Math.max(0, Math.min(MAX_BYTES, free));
        if (body.declaredLength() > max) {
            throw new ApiException(413, "upload of " + body.declaredLength() + " bytes is larger than allowed on storage '" + storage + "' ("
                    + max + " bytes: the free space less " + (RESERVE >> 20) + " MiB, at most " + MAX_BYTES + ")");
        }
        // Form.close() removes the file part unless keepAs moved it away
        try (Multipart.Form form = body.read(dir, max)) {
            Map<String, String> all = new LinkedHashMap<>(pre.params());
            all.putAll(form.fields());
            // the Proxmox GUI sends the file as the part named 'filename': its file name is the parameter
            if (!all.containsKey("filename") && form.file().isPresent()) {
                String n = form.file().get().fileName();
                all.put("filename", n.substring(Math.max(n.lastIndexOf('/'), n.lastIndexOf('\\')) + 1));
            }
            var def = api.service().schema().route(PATH).orElseThrow().methods().get("POST");
            Map<String, String> p = ApiSchema.validate(def, all);
            if (p.containsKey("tmpfilename")) throw ApiException.param("tmpfilename", "is set by the server only; send the file in the request body");
            if (!p.get("content").equals("vztmpl")) {
                throw ApiException.param("content", "Berth stores container templates only (vztmpl), not '" + p.get("content") + "'");
            }
            String name = normalize(p.get("filename"));
            if (!TEMPLATE_NAME.matcher(name).matches() || name.startsWith(".")) {
                throw ApiException.param("filename", "wrong file extension or name '" + name + "': a template is NAME.tar.gz, NAME.tar.xz or NAME.tar.zst");
            }
            Multipart.FilePart file = form.file().orElseThrow(() -> ApiException.param("filename", "the request has no file part"));
            String algorithm = p.get("checksum-algorithm"), checksum = p.get("checksum");
            if ((algorithm == null) != (checksum == null)) {
                throw ApiException.param(checksum == null ? "checksum" : "checksum-algorithm", "'checksum' and 'checksum-algorithm' go together");
            }
            Path staged = dir.resolve(".upload-" + HexFormat.of().formatHex(java.security.SecureRandom.getSeed(8)) + ".tmp");
            file.keepAs(staged);
            Path target = dir.resolve(name);
            String volid = storage + ":vztmpl/" + name;
            try {
                return copyTask(pre, file, staged, target, volid, algorithm, checksum);
            } catch (RuntimeException e) {
                Files.deleteIfExists(staged);
                throw e;
            }
        }
    }

    private String copyTask(Call pre, Multipart.FilePart file, Path staged, Path target, String volid, String algorithm, String checksum) {
        long size = file.length();
        return api.tasks().start("imgcopy", "", pre.who().authid(), log -> {
                try {
                    log.line("starting file import from: " + file.fileName() + " (" + size + " bytes)");
                    if (algorithm != null) {
                        log.line("calculating checksum...");
                        String got = digest(staged, algorithm);
                        if (!got.equalsIgnoreCase(checksum.strip())) {
                            throw new InvalidInputException("checksum", "checksum mismatch: got '" + got + "' != expected '" + checksum + "' (" + algorithm + ")");
                        }
                        log.line("checksum verified");
                    }
                    log.line("target file: " + target);
                    Files.move(staged, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    log.line("imported " + volid);
                } finally {
                    Files.deleteIfExists(staged);
                }
            });
    }

    private static String digest(Path file, String algorithm) throws IOException {
        String jca = switch (algorithm) {
            case "md5" -> "MD5";
            case "sha1" -> "SHA-1";
            case "sha224" -> "SHA-224";
            case "sha256" -> "SHA-256";
            case "sha384" -> "SHA-384";
            case "sha512" -> "SHA-512";
            default -> throw ApiException.param("checksum-algorithm", "value '" + algorithm + "' is not one of md5, sha1, sha224, sha256, sha384, sha512");
        };
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance(jca.toUpperCase(Locale.ROOT));
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new HostFailureException("this JVM lacks the " + jca + " digest: " + e.getMessage(), e);
        }
    }
}
