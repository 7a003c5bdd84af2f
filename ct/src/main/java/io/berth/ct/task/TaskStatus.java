package io.berth.ct.task;

/**
 * Where a task is. Finished tasks carry Proxmox's status text: {@code OK}, {@code WARNINGS: n}, the error message,
 * or {@code unexpected status} when the process running it died without recording an end (e.g. berthd killed).
 */
public sealed interface TaskStatus {
    /** The status text as Proxmox's API reports {@code exitstatus} (empty while running). */
    String text();

    record Running(int percent, String step) implements TaskStatus {
        @Override public String text() { return ""; }
    }

    record Ok() implements TaskStatus {
        @Override public String text() { return "OK"; }
    }

    record Warnings(int count) implements TaskStatus {
        @Override public String text() { return "WARNINGS: " + count; }
    }

    record Failed(String message) implements TaskStatus {
        @Override public String text() { return message; }
    }

    record Vanished() implements TaskStatus {
        @Override public String text() { return "unexpected status"; }
    }

    static TaskStatus ofText(String s) {
        if (s.equals("OK")) return new Ok();
        if (s.equals("unexpected status")) return new Vanished();
        if (s.matches("WARNINGS: \\d+")) return new Warnings(Integer.parseInt(s.substring("WARNINGS: ".length())));
        return new Failed(s);
    }
}
