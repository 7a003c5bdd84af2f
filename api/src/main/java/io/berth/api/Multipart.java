package io.berth.api;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code multipart/form-data} request body, left unread until the request is authenticated and allowed: then
 * {@link #read} streams the file part to disk (never into memory) and returns the text fields.
 */
public interface Multipart {
    /** The request's Content-Length, or -1 when it did not say. */
    long declaredLength();

    /**
     * Reads the body; a file part is written into {@code fileDir} (which must be on the file system it is going to
     * stay on, so keeping it is a rename). Throws {@link ApiException} 413 past {@code maxFileBytes}.
     */
    Form read(Path fileDir, long maxFileBytes) throws IOException;

    /** The text fields and the (first) file part; closing removes the file unless it was kept. */
    interface Form extends AutoCloseable {
        Map<String, String> fields();

        Optional<FilePart> file();

        @Override void close();
    }

    interface FilePart {
        /** The name the client gave the file, as sent (not to be trusted as a path). */
        String fileName();

        long length();

        /** Moves the uploaded bytes to {@code target} (replacing it). */
        void keepAs(Path target) throws IOException;
    }
}
