package io.berth.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code berth api get|set|create|delete PATH [--PARAM VALUE]...}: the API from the shell, as root (what pvesh does). */
@Command(name = "api", mixinStandardHelpOptions = true, description = "Call the Proxmox-compatible API in process as root@pam (like pvesh).",
        subcommands = {ApiCommand.Get.class, ApiCommand.Set.class, ApiCommand.Create.class, ApiCommand.Delete.class, ApiCommand.Server.class})
public final class ApiCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    abstract static class Call implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "PATH", description = "API path, e.g. /nodes/NODE/lxc or /access/users.")
        String path;

        @Option(names = "--output-format", defaultValue = "text", description = "text, json or json-pretty (default ${DEFAULT-VALUE}).")
        String format;

        @Unmatched List<String> rest = new ArrayList<>();

        abstract String method();

        @Override public Integer call() {
            return CliErrors.run(spec, () -> ApiCli.run(spec, method(), path.startsWith("/") ? path : "/" + path, ApiCli.params(rest), format));
        }
    }

    @Command(name = "get", aliases = "ls", mixinStandardHelpOptions = true, description = "GET PATH.") static final class Get extends Call { String method() { return "GET"; } }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "PUT PATH.") static final class Set extends Call { String method() { return "PUT"; } }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "POST PATH.") static final class Create extends Call { String method() { return "POST"; } }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "DELETE PATH.") static final class Delete extends Call { String method() { return "DELETE"; } }

    /** {@code berth api server}: the HTTPS API in the foreground. */
    @Command(name = "server", mixinStandardHelpOptions = true, description = "Serve the HTTPS API (and web UI) in the foreground.")
    static final class Server implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(names = "--port", defaultValue = "8006", description = "TCP port (default ${DEFAULT-VALUE}).")
        int port;

        @Option(names = "--listen", defaultValue = "0.0.0.0", description = "Address to listen on (default ${DEFAULT-VALUE}).")
        String listen;

        @Option(names = "--cert", description = "PKCS#12 key store with a custom certificate (password in $BERTH_CERT_PASSWORD); "
                + "default: a self-signed one made at first start.")
        java.nio.file.Path cert;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                try (var s = io.berth.api.ApiMain.start(ApiCli.api(spec), listen, port, cert)) {
                    spec.commandLine().getErr().println("berth api listening on https://" + listen + ":" + s.port() + "/api2/json");
                    spec.commandLine().getErr().flush();
                    s.jetty().join();
                }
                return 0;
            });
        }
    }
}
