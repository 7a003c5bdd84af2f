package io.berth.ct.hook;

import io.berth.config.ContainerConfig;
import io.berth.ct.CtException;
import io.berth.error.BerthException;
import io.berth.error.InvalidInputException;
import io.berth.storage.Storages;
import io.berth.sys.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The config key {@code hookscript: STORAGE:snippets/NAME} as Proxmox runs it (PVE::GuestHelpers check_hookscript,
 * exec_hookscript): {@code SCRIPT VMID PHASE} at {@code pre-start} (a failure aborts the start), {@code post-start},
 * {@code pre-stop} and {@code post-stop} (failures are warnings). Its output (stdout and stderr) goes to the task log,
 * or for post-stop, which LXC's hook runs, to that hook's output.
 */
public final class Hookscript {
    public static final String KEY = "hookscript";
    /** For the phases run inside a task (Proxmox has none; a hung script must not hold the container's lock forever). */
    public static final Duration TIMEOUT = Duration.ofMinutes(5);
    /** post-stop runs before the monitor exits, which stop waits for (shutdown: 30 s after lxc-stop). */
    public static final Duration POST_STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern SNIPPET = Pattern.compile("([^:]+):snippets/([^/]+)");

    private Hookscript() {}

    /**
     * check_hookscript: the script's path, or an {@link InvalidInputException} naming {@code hookscript} when
     * {@code volid} is not a snippets volume, does not exist or is not executable (Proxmox's messages).
     */
    public static Path check(String volid, Storages storages) {
        Matcher m = SNIPPET.matcher(volid);
        if (!m.matches()) throw invalid("'" + volid + "' is not in the snippets directory");
        Path p;
        try {
            p = storages.snippetPath(m.group(1), m.group(2));
        } catch (BerthException e) {
            throw invalid("'" + volid + "': " + e.getMessage());
        }
        if (!Files.isRegularFile(p)) throw invalid("script '" + volid + "' does not exist");
        if (!Files.isExecutable(p)) throw invalid("script '" + volid + "' is not executable");
        return p;
    }

    private static InvalidInputException invalid(String msg) {
        return new InvalidInputException(KEY, msg);
    }

    /**
     * exec_hookscript: runs the container's hookscript, if it has one, as {@code SCRIPT VMID PHASE}; each output line
     * goes to {@code output}. A failure (the check, a non-zero exit, the timeout) is thrown as a {@link CtException}
     * {@code "hookscript error for VMID on PHASE: ..."} when {@code stopOnError}, else given to {@code warn}.
     * {@code onThisThread}: no watcher thread (post-stop runs on a thread in the monitor's mount namespace).
     */
    public static void exec(ContainerConfig c, int vmid, String phase, Storages storages, boolean stopOnError,
                            Consumer<String> output, Consumer<String> warn, boolean onThisThread) {
        if (c.hookscript().isEmpty()) return;
        try {
            Path script = check(c.hookscript().get(), storages);
            List<String> argv = List.of(script.toString(), Integer.toString(vmid), phase);
            ProcessRunner.Result r = onThisThread ? ProcessRunner.runOnThisThread(argv, POST_STOP_TIMEOUT)
                    : ProcessRunner.of(argv).stderrToStdout().timeout(TIMEOUT).run();
            r.stdout().lines().forEach(output);
            if (!r.ok()) throw new CtException("command '" + String.join(" ", argv) + "' failed: " + r.how());
        } catch (RuntimeException e) {
            String why = e instanceof InvalidInputException i ? i.paramErrors().getFirst().message() : e.getMessage();
            String msg = "hookscript error for " + vmid + " on " + phase + ": " + why;
            if (stopOnError) throw new CtException(msg, e);
            warn.accept(msg);
        }
    }
}
