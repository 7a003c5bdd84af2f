package io.berth.api;

import io.berth.access.AccessStore;
import io.berth.access.Authenticator;
import io.berth.api.task.TaskManager;
import io.berth.ct.ContainerService;
import io.berth.web.WebUi;
import java.nio.file.Path;

/**
 * The assembled API of one Berth root: access files under {@code <config>/access}, tasks under
 * {@code <state>/tasks}, every endpoint registered on one {@link ApiService}.
 */
public final class Api {
    private final ContainerService ct;
    private final AccessStore store;
    private final TaskManager tasks;
    private final ApiService service;

    private final WebUi web;
    private final StatusCache status;
    /** Proxmox's status daemon samples guests every minute; its RRD rows are built on that step. */
    static final long RRD_STEP_SECONDS = 60;

    public Api(ContainerService ct, java.util.function.Consumer<String> authLog) {
        this.ct = ct;
        this.store = new AccessStore(accessDir(ct));
        // the façade's task store: an operation the API submits and the service's own task are then one task
        this.tasks = new TaskManager(ct.tasks());
        this.service = new ApiService(ApiSchema.load(), new Authenticator(store, authLog));
        this.web = new WebUi(ct, req -> {
            for (var c : org.eclipse.jetty.server.Request.getCookies(req)) {
                if (c.getName().equals("PVEAuthCookie")) {
                    return service.auth().byTicket(HttpsServer.cookieValue(c.getValue()))
                            .map(Authenticator.Caller::userid);
                }
            }
            return java.util.Optional.empty();
        });
        this.status = new StatusCache(ct);
        service.onContainerWrite(status::drop);
        tasks.onEnd(u -> {
            if (u.id().matches("\\d{1,9}")) status.drop(Integer.parseInt(u.id()));
        });
        new NodeEndpoints(this).register(service);
        new LxcEndpoints(this).register(service);
        new LxcDiskEndpoints(this).register(service);
        new MigrateEndpoints(this).register(service); // issue 17: pct migrate
        new UploadEndpoint(this).register(service);
        new AccessEndpoints(this).register(service);
        new StorageEndpoints(this, new io.berth.api.rrd.RrdSampler(ct, RRD_STEP_SECONDS).resumeIfArchived()).register();
    }

    public static Path accessDir(ContainerService ct) { return ct.roots().configDir().resolve("access"); }

    public ContainerService ct() { return ct; }

    /** Container status for {@code status/current}, read at most once a second per container. */
    StatusCache status() { return status; }

    public AccessStore store() { return store; }

    public TaskManager tasks() { return tasks; }

    public ApiService service() { return service; }

    /** The browser UI and its console, served by the same HTTPS server. */
    public WebUi web() { return web; }

    public io.berth.ct.storage.StorageContext storageContext() {
        return new io.berth.ct.storage.StorageContext(ct.roots(), new io.berth.config.ConfigStore(ct.roots()), ct.storages());
    }

    /** Throws unless {@code node} is this host (Berth is a single-node "cluster"). */
    static void checkNode(Call c) {
        String node = c.params().get("node");
        if (node != null && !node.equals(Node.name()) && !node.equals("localhost")) {
            throw new ApiException(500, "no such cluster node '" + node + "'");
        }
    }
}
