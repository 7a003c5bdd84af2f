package io.berth.cli;

import io.berth.ct.template.BusyboxTemplate;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth template build busybox}. */
@Command(name = "template", mixinStandardHelpOptions = true, description = "Manage container templates.",
        subcommands = {TemplateCommand.Build.class})
public final class TemplateCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

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
