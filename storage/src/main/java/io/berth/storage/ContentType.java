package io.berth.storage;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** What a storage may hold ({@code content} in storage.cfg). */
public enum ContentType {
    IMAGES("images"), ROOTDIR("rootdir"), VZTMPL("vztmpl"), BACKUP("backup"), ISO("iso"),
    SNIPPETS("snippets"), IMPORT("import");

    private final String key;

    ContentType(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static Optional<ContentType> of(String key) {
        return Arrays.stream(values()).filter(c -> c.key.equals(key)).findFirst();
    }

    public static String allowed() {
        return Arrays.stream(values()).map(ContentType::key).collect(Collectors.joining(", ")) + " or none";
    }
}
