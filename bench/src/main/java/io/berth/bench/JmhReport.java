package io.berth.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns JMH's CSV result ({@code -rf csv}) into the markdown table of docs/PERFORMANCE.md's JMH section.
 * Usage: {@code JmhReport RESULT.csv [DOC.md]}; without DOC the table goes to stdout only. {@code JmhReport --section NAME
 * TABLE.md DOC.md} puts a ready markdown table into section NAME of DOC.
 */
public final class JmhReport {
    private JmhReport() {}

    /** One benchmark result; {@code param} is the config sample, empty for benchmarks without one. */
    record Result(String benchmark, String param, double score, double error, String unit) {}

    public static void main(String[] args) throws IOException {
        if (args.length == 4 && args[0].equals("--section")) {
            // a ready markdown table (hyperfine's --export-markdown) into the named section of DOC
            String load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
            BenchMain.writeSection(Path.of(args[3]), args[1], "Load average when measured: " + load + ".\n\n" + Files.readString(Path.of(args[2])));
            return;
        }
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: JmhReport RESULT.csv [DOC.md]");
            System.exit(2);
        }
        List<Result> rs = parse(Files.readAllLines(Path.of(args[0])));
        String table = render(rs);
        System.out.println(table);
        if (args.length == 2) BenchMain.writeSection(Path.of(args[1]), "JMH", table);
    }

    static List<Result> parse(List<String> lines) {
        List<Result> out = new ArrayList<>();
        if (lines.isEmpty()) return out;
        List<String> header = fields(lines.getFirst());
        // one "Param: name" column per parameter name of any benchmark; a row fills only its own
        List<Integer> paramCols = new ArrayList<>();
        for (int i = 0; i < header.size(); i++) if (header.get(i).startsWith("Param:")) paramCols.add(i);
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) continue;
            List<String> f = fields(line);
            List<String> params = new ArrayList<>();
            for (int c : paramCols) if (c < f.size() && !f.get(c).isEmpty()) params.add(f.get(c));
            out.add(new Result(f.get(0), String.join(", ", params), num(f.get(4)), num(f.get(5)), f.get(6)));
        }
        return out;
    }

    private static double num(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** JMH quotes every field and never puts a quote inside one. */
    private static List<String> fields(String line) {
        List<String> f = new ArrayList<>();
        for (String p : line.split(",", -1)) f.add(p.strip().replace("\"", ""));
        return f;
    }

    static String render(List<Result> rs) {
        StringBuilder sb = new StringBuilder("| benchmark | sample | ops/s | ± (99.9%) | µs/op |\n| --- | --- | ---: | ---: | ---: |\n");
        for (Result r : rs) {
            String name = r.benchmark().replaceFirst("^io\\.berth\\.bench\\.jmh\\.", "");
            sb.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %,.0f | %.2f |%n", name, r.param().isEmpty() ? "-" : r.param(),
                    r.score(), r.error(), 1e6 / r.score()));
        }
        return sb.toString();
    }
}
