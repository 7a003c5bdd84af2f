package io.berth.ct.backup;

import io.berth.sys.ProcessRunner;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * An archive read once from a stream ({@code berth restore VMID -}, e.g. fed by {@code berth backup --stdout} or
 * Proxmox's {@code vzdump --stdout}). Its compression is told by its magic bytes and undone by the tool for it (a
 * process fed from here); its first member, {@code ./etc/vzdump/pct.conf} (vzdump writes it first), is read ahead from
 * the tar stream so that the volumes can be allocated before anything is extracted; {@link #tar()} then gives the
 * whole tar stream again, the bytes read ahead first.
 */
final class StreamArchive implements AutoCloseable {
    private static final int BLOCK = 512;
    /** A config bigger than this is no container config. */
    private static final int MAX_CONFIG = 1 << 20;

    final Compression compression;
    final String config;
    private final ProcessRunner.Running decompressor;
    private final InputStream rest;
    private final byte[] head;

    private StreamArchive(Compression compression, ProcessRunner.Running decompressor, InputStream rest, byte[] head, String config) {
        this.compression = compression;
        this.decompressor = decompressor;
        this.rest = rest;
        this.head = head;
        this.config = config;
    }

    static StreamArchive open(InputStream in) throws IOException {
        BufferedInputStream buf = new BufferedInputStream(in, 1 << 16);
        buf.mark(16);
        byte[] magic = new byte[9];
        int n = buf.readNBytes(magic, 0, magic.length);
        buf.reset();
        if (n == 0) throw new RestoreService.BadArchive("the archive on standard input is empty");
        Compression c = Compression.ofMagic(magic, n);
        Optional<List<String>> tool = c.decompressor();
        ProcessRunner.Running p = null;
        InputStream tar = buf;
        if (tool.isPresent()) {
            p = ProcessRunner.pipeline(List.of(tool.get())).stdinFromCaller().start();
            ProcessRunner.Running proc = p;
            Thread.ofPlatform().daemon().name("restore-stdin-feed").start(() -> {
                try (OutputStream o = proc.stdin()) {
                    buf.transferTo(o);
                } catch (IOException e) {
                    // the decompressor stopped reading (a corrupt stream): its exit status says why
                }
            });
            tar = new BufferedInputStream(p.stdout(), 1 << 20);
        }
        StreamArchive a = null;
        try {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            String conf = firstConfig(tar, head);
            a = new StreamArchive(c, p, tar, head.toByteArray(), conf);
            return a;
        } finally {
            if (a == null && p != null) p.close();
        }
    }

    /** The whole uncompressed tar stream, the bytes read ahead included. */
    InputStream tar() { return new SequenceInputStream(new ByteArrayInputStream(head), rest); }

    /** After tar is done: a decompressor that failed means a corrupt or truncated stream. */
    void checkDecompressor() throws IOException {
        if (decompressor == null) return;
        try {
            ProcessRunner.Result r = decompressor.await().getFirst();
            if (!r.ok()) {
                throw new RestoreService.BadArchive("decompressing the archive on standard input (" + compression.key() + ") failed (exit "
                        + r.exitCode() + "): " + String.join("\n", r.stderr().strip().lines().limit(20).toList()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for the decompressor", e);
        }
    }

    @Override public void close() {
        if (decompressor != null) decompressor.close();
    }

    /**
     * Reads tar headers up to the first file member, which must be {@code ./etc/vzdump/pct.conf}, and returns its
     * text; every byte read is copied to {@code head}. pax ({@code x}, {@code g}) and GNU long-name ({@code L})
     * headers before it are followed.
     */
    static String firstConfig(InputStream tar, ByteArrayOutputStream head) throws IOException {
        String longName = null, paxPath = null;
        for (int i = 0; i < 16; i++) {
            byte[] h = readBlock(tar, head, "a tar header");
            boolean zero = true;
            for (byte b : h) zero &= b == 0;
            if (zero) throw new RestoreService.BadArchive("the archive on standard input ends before its ./etc/vzdump/pct.conf");
            long size = number(h, 124, 12);
            if (size < 0 || size > MAX_CONFIG) {
                throw new RestoreService.BadArchive("the archive on standard input is not a vzdump container backup: a member of " + size
                        + " bytes comes before ./etc/vzdump/pct.conf");
            }
            byte[] data = new byte[(int) size];
            int off = 0;
            while (off < size) {
                byte[] b = readBlock(tar, head, "member data");
                int k = (int) Math.min(BLOCK, size - off);
                System.arraycopy(b, 0, data, off, k);
                off += k;
            }
            char type = (char) h[156];
            String name = text(h, 0, 100);
            String prefix = text(h, 345, 155);
            if (text(h, 257, 5).equals("ustar") && !prefix.isEmpty()) name = prefix + "/" + name;
            switch (type) {
                case 'x' -> {
                    paxPath = paxValue(data, "path").orElse(null);
                    continue;
                }
                case 'g' -> {
                    continue;
                }
                case 'L' -> {
                    longName = text(data, 0, data.length);
                    continue;
                }
                default -> {
                    // a real member
                }
            }
            if (paxPath != null) name = paxPath;
            else if (longName != null) name = longName;
            String normal = name.startsWith("./") ? name.substring(2) : name;
            if ((type == '0' || type == '\0') && normal.equals("etc/vzdump/pct.conf")) return new String(data, StandardCharsets.UTF_8);
            throw new RestoreService.BadArchive("the archive on standard input starts with '" + name + "', not ./etc/vzdump/pct.conf (vzdump"
                    + " writes the config first): it is not a vzdump container backup");
        }
        throw new RestoreService.BadArchive("the archive on standard input has no ./etc/vzdump/pct.conf among its first headers");
    }

    private static byte[] readBlock(InputStream in, ByteArrayOutputStream head, String what) throws IOException {
        byte[] b = in.readNBytes(BLOCK);
        head.write(b);
        if (b.length < BLOCK) throw new RestoreService.BadArchive("the archive on standard input ends within " + what + ": truncated, or not a tar archive");
        return b;
    }

    /** A header number field: octal text, or base-256 when the first byte's high bit is set. */
    static long number(byte[] h, int off, int len) {
        if ((h[off] & 0x80) != 0) {
            long v = h[off] & 0x7f;
            for (int i = off + 1; i < off + len; i++) v = (v << 8) | (h[i] & 0xff);
            return v;
        }
        String s = text(h, off, len).strip();
        if (s.isEmpty()) return 0;
        try {
            return Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String text(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && end < b.length && b[end] != 0) end++;
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    /** A pax record {@code LEN KEY=VALUE\n}'s value. */
    static Optional<String> paxValue(byte[] data, String key) {
        String s = new String(data, StandardCharsets.UTF_8);
        for (String rec : s.split("\n")) {
            int sp = rec.indexOf(' ');
            if (sp < 0) continue;
            String kv = rec.substring(sp + 1);
            if (kv.startsWith(key + "=")) return Optional.of(kv.substring(key.length() + 1));
        }
        return Optional.empty();
    }
}
