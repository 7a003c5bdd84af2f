package io.berth.cli;

import io.berth.cli.daemon.ClientContext;
import io.berth.sys.Fd;
import io.berth.sys.Namespaces;
import io.berth.sys.NsType;
import io.berth.sys.Processes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code berth hook NAME SECTION TYPE}: what LXC runs for {@code lxc.hook.pre-start}, {@code autodev} and
 * {@code post-stop} (it appends the container name, the section and the hook type to our command).
 */
@Command(name = "hook", mixinStandardHelpOptions = true, hidden = true,
        description = "Internal: LXC hook entry point (pre-start, autodev, post-stop).")
public final class LxcHookCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "ARG", description = "TYPE (with LXC_NAME set), or NAME lxc TYPE as old-style hooks pass them.")
    List<String> args = new java.util.ArrayList<>();

    @Override public Integer call() {
        return CliErrors.run(spec, () -> {
            // Under berthd the hook's environment and mount namespace are the client's (the bash
            // bin/berth that LXC ran inside the monitor's namespace), not the daemon's.
            ClientContext client = ClientContext.current();
            Map<String, String> env = client.env();
            String name, type;
            if (args.size() >= 3) {
                name = args.get(0);
                type = args.get(2);
            } else {
                name = env.get("LXC_NAME");
                type = args.isEmpty() ? env.get("LXC_HOOK_TYPE") : args.getFirst();
                if (type == null) throw new IllegalArgumentException("hook: no hook type given (argument or LXC_HOOK_TYPE)");
                if (name == null) throw new IllegalArgumentException("hook " + type + ": no container name (LXC_NAME is not set)");
            }
            var hooks = CtCli.service(spec).hooks();
            String hookName = name, hookType = type;
            if (!client.remote()) {
                hooks.run(type, name, env);
                return 0;
            }
            // The pidfd pins the client while we work in its namespace.
            try (Fd pidfd = Processes.pidfdOpen(client.pid()); Fd mntns = Processes.nsFd(pidfd, NsType.MNT)) {
                Namespaces.inMountNamespace(mntns, () -> {
                    hooks.run(hookType, hookName, env);
                    return null;
                });
            }
            return 0;
        });
    }
}
