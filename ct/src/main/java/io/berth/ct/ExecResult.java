package io.berth.ct;

/** The outcome of a command run inside a container with its output captured. */
public record ExecResult(int exitCode, String stdout, String stderr) {}
