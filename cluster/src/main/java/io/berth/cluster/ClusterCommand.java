package io.berth.cluster;

import io.berth.error.BerthException;
import io.etcd.jetcd.Client;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code berth cluster ...}: cluster commands. For now only {@code status}; runnable on its own as
 * {@code java -cp <cluster module classpath> io.berth.cluster.ClusterCommand status --endpoints URL,...}
 * (not yet mounted under the {@code berth} CLI: that would put jetcd on the cli classpath).
 */
@Command(name = "cluster", description = "Cluster commands.", mixinStandardHelpOptions = true,
        subcommands = {ClusterCommand.Status.class})
public final class ClusterCommand {
    /** Default etcd endpoint: the local member, as a cluster node runs one. */
    public static final String DEFAULT_ENDPOINTS = "http://127.0.0.1:2379";

    @Command(name = "status", description = "Show the cluster store's members, their health and the quorum.", mixinStandardHelpOptions = true)
    public static final class Status implements Callable<Integer> {
        @Option(names = "--endpoints", split = ",", description = "etcd client URLs (default: ${DEFAULT-VALUE}; env BERTH_ETCD_ENDPOINTS)",
                defaultValue = "${env:BERTH_ETCD_ENDPOINTS:-" + DEFAULT_ENDPOINTS + "}")
        List<String> endpoints;

        @Option(names = "--timeout", description = "seconds to wait for each member (default: ${DEFAULT-VALUE})", defaultValue = "5")
        int timeoutSeconds;

        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override public Integer call() {
            PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
            try (Client c = Client.builder().endpoints(endpoints.toArray(String[]::new)).build()) {
                ClusterStatus s = ClusterStatus.of(c, Duration.ofSeconds(timeoutSeconds));
                out.print(s.render());
                out.flush();
                return s.quorate() ? 0 : 1;
            } catch (BerthException e) {
                err.println("berth cluster status: " + e.getMessage());
                err.flush();
                return 1;
            }
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ClusterCommand()).execute(args));
    }
}
