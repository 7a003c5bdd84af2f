package io.berth.ct.access;

import io.berth.ct.ExecResult;
import io.berth.ct.lifecycle.CtContext;
import io.berth.error.InvalidInputException;
import io.berth.sys.ProcessRunner;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code pct enter}, {@code pct exec} and {@code pct console}: commands into a running container. */
public final class ExecService {
    private final CtContext ctx;

    public ExecService(CtContext ctx) { this.ctx = ctx; }

    /** The command that runs {@code command} (a shell if empty) in the running container, for the caller's terminal. */
    public List<String> attachCommand(int vmid, List<String> command) {
        mustExist(vmid);
        return ctx.running(vmid).attachCommand(command);
    }

    /** {@link #attachCommand(int, List)}; with {@code keepEnv} the command's own environment passes in (pct's default). */
    public List<String> attachCommand(int vmid, List<String> command, boolean keepEnv) {
        mustExist(vmid);
        io.berth.ct.phases.Phases.mark("exists");
        var rt = ctx.running(vmid);
        io.berth.ct.phases.Phases.mark("running");
        return rt.attachCommand(command, keepEnv);
    }

    /**
     * As pct's exec/enter, which load the config only "to be sure the ct exists": nothing of it is used, and parsing
     * and validating it was a fifth of berthd's work for an exec.
     */
    private void mustExist(int vmid) {
        if (!ctx.configs().exists(io.berth.config.Vmid.check(vmid))) {
            throw new io.berth.config.NoSuchContainerException(vmid, ctx.configs().path(vmid).toString());
        }
    }

    /** The console as the config's {@code cmode} asks (tty, console or shell), with lxc-console's escape prefix. */
    public List<String> consoleCommand(int vmid, Optional<String> escape) {
        escape.ifPresent(e -> {
            if (!e.matches("\\^?[a-z]|-1")) throw new InvalidInputException("escape",
                    "'" + e + "' is invalid; allowed: a letter a-z or ^a..^z (Ctrl+letter), or -1 for none");
        });
        String cmode = ctx.configs().read(vmid).main().cmode();
        // '-1' disables the escape sequence, as with pct
        Optional<String> esc = escape.filter(e -> !e.equals("-1"));
        return ctx.running(vmid).consoleCommand(cmode, escape.isPresent() && esc.isEmpty() ? Optional.of("-1") : esc);
    }

    /** Runs {@code command} in the container with its output captured; past {@code timeout} it is killed. */
    public ExecResult exec(int vmid, List<String> command, Duration timeout) {
        ProcessRunner.Result r = ProcessRunner.of(attachCommand(vmid, command)).timeout(timeout).run();
        return new ExecResult(r.exitCode(), r.stdout(), r.stderr());
    }
}
