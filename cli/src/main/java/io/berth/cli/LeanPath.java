package io.berth.cli;

/**
 * Which entry path {@link Main#main} takes: {@code --version} and LXC's {@code hook} calls skip building the
 * picocli model of every command, which is most of a cold start. Anything else (help, unknown options, other
 * commands) takes the full path, so the lean paths never change what a command accepts.
 */
sealed interface LeanPath {
    record Version() implements LeanPath {}

    record Hook() implements LeanPath {}

    record Full() implements LeanPath {}

    static LeanPath of(String[] args) {
        int i = 0;
        // only the global --root may precede the command, as bin/berth and the rendered hook command pass it
        while (i < args.length && (args[i].equals("--root") || args[i].startsWith("--root="))) {
            i += args[i].equals("--root") ? 2 : 1;
        }
        if (i >= args.length) return new Full();
        String first = args[i];
        if ((first.equals("--version") || first.equals("-V")) && i == args.length - 1) return new Version();
        if (first.equals("hook")) {
            for (int j = i + 1; j < args.length; j++) {
                if (args[j].startsWith("-")) return new Full();
            }
            return new Hook();
        }
        return new Full();
    }
}
