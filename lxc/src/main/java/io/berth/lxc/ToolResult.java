package io.berth.lxc;

import java.util.List;

/**
 * The outcome of one {@code lxc-*} tool run.
 *
 * @param command  the argv that ran
 * @param exitCode its exit status (-1 when it was killed after its timeout)
 * @param stdout   its standard output
 * @param stderr   its standard error
 * @param logLines the lines of LXC's log file for this run (lxc-start -o), with LXC's prefix removed
 */
public record ToolResult(List<String> command, int exitCode, String stdout, String stderr, List<String> logLines) {
    public ToolResult {
        command = List.copyOf(command);
        logLines = List.copyOf(logLines);
    }

    public boolean ok() { return exitCode == 0; }

    /** A one-paragraph failure text: the command, its status, stderr and the error lines of the log. */
    public String describe() {
        StringBuilder sb = new StringBuilder(String.join(" ", command)).append(" exited with ").append(exitCode);
        if (!stderr.isBlank()) sb.append("\n").append(stderr.strip());
        for (String l : logLines) {
            if (l.contains("ERROR") || l.contains("WARN")) sb.append("\n").append(l);
        }
        return sb.toString();
    }
}
