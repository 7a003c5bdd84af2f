package io.berth.web;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Serves the UI: {@code /} is {@code index.html} (revalidated on every load, it names the current bundle),
 * {@code /ui/NAME} the content-hashed files (cached for a year, immutable). Other paths fall through to the next
 * handler (the API). gzip is served when the browser accepts it.
 */
public final class UiHandler extends Handler.Abstract.NonBlocking {
    private final UiAssets assets;

    public UiHandler(UiAssets assets) { this.assets = assets; }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String name;
        if (path.equals("/") || path.equals("/index.html")) name = "index.html";
        else if (path.startsWith("/ui/")) name = path.substring(4);
        else return false;
        String method = request.getMethod();
        if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
            response.setStatus(HttpStatus.METHOD_NOT_ALLOWED_405);
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            callback.succeeded();
            return true;
        }
        for (Map.Entry<String, String> h : SecurityHeaders.ALL.entrySet()) response.getHeaders().put(h.getKey(), h.getValue());
        var asset = assets.find(name);
        if (asset.isEmpty() || name.equals("assets.txt")) {
            Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404,
                    name.equals("index.html") ? "the web UI was not built (mvn -pl web package runs npm)" : "no such UI file");
            return true;
        }
        UiAssets.Asset a = asset.get();
        response.getHeaders().put(HttpHeader.ETAG, a.etag());
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, a.immutable() ? "public, max-age=31536000, immutable" : "no-cache");
        response.getHeaders().put(HttpHeader.VARY, "Accept-Encoding");
        String inm = request.getHeaders().get(HttpHeader.IF_NONE_MATCH);
        if (inm != null && inm.contains(a.etag())) {
            response.setStatus(HttpStatus.NOT_MODIFIED_304);
            callback.succeeded();
            return true;
        }
        byte[] body = a.body();
        if (a.gzip() != null && acceptsGzip(request)) {
            body = a.gzip();
            response.getHeaders().put(HttpHeader.CONTENT_ENCODING, "gzip");
        }
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, a.contentType());
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        if (HttpMethod.HEAD.is(method)) callback.succeeded();
        else response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    private static boolean acceptsGzip(Request request) {
        for (HttpField f : request.getHeaders().getFields(HttpHeader.ACCEPT_ENCODING)) {
            if (f.getValue().toLowerCase(java.util.Locale.ROOT).contains("gzip")) return true;
        }
        return false;
    }
}
