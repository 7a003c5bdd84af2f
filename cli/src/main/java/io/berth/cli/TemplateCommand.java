package io.berth.cli;

import io.berth.ct.template.BusyboxTemplate;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code berth template VMID} (pct template: convert a container into a template, see {@link CloneCommands}) and
 * {@code berth template build busybox} (make a template archive).
 */
@Command(name = "template", mixinStandardHelpOptions = true,
        description = {"Convert a stopped container without snapshots into a template (as pct template VMID):",
                "its volumes become read-only base volumes (base-VMID-disk-N); a template cannot be started, only cloned.",
                "'template build busybox' makes a template archive instead."},
        subcommands = {TemplateCommand.Build.class})
public final class TemplateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @picocli.CommandLine.Parameters(index = "0", arity = "0..1", paramLabel = "VMID", description = "The container to convert.")
    String vmid;

    @Override public Integer call() {
        if (vmid == null) {
            spec.commandLine().usage(spec.commandLine().getOut());
            return 0;
        }
        return CloneCommands.template(spec, vmid);
    }

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = "Build a template from the host. 'busybox' packs the host's busybox-static into a minimal rootfs.")
    static final class Build implements Callable<Integer> {
        @Spec CommandSpec spec;

        @picocli.CommandLine.Parameters(index = "0", description = "Template kind; allowed: busybox.")
        String kind;

        @Option(names = "--storage", description = "Storage with 'vztmpl' content to put the template in (default: the first one).")
        String storage;

        @Override public Integer call() throws Exception {
            if (!kind.equals("busybox")) {
                System.err.println("template kind '" + kind + "' is unknown; allowed: busybox");
                return 2;
            }
            BusyboxTemplate.Built b = CtCli.service(spec).buildBusyboxTemplate(Optional.ofNullable(storage));
            System.out.println(b.archive());
            return 0;
        }
    }
}
