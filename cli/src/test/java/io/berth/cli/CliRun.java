package io.berth.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/**
 * What a berth command did, run in-process on a test's root through the command tree the launcher and berthd build
 * ({@link Main#commandLine(String[])}): its exit code and what it printed.
 */
record CliRun(int rc, String out, String err) {
    static CliRun run(Path root, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 2];
        all[0] = "--root";
        all[1] = root.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        var cl = Main.commandLine(all);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int rc = cl.execute(all);
        return new CliRun(rc, out.toString(), err.toString());
    }
}
