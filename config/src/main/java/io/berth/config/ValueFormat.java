package io.berth.config;

import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/** The type and allowed values of a config key; {@link #check} throws a {@link ConfigValueException} saying what is allowed. */
public sealed interface ValueFormat
        permits ValueFormat.Bool, ValueFormat.Int, ValueFormat.Num, ValueFormat.Text, ValueFormat.Choice, ValueFormat.Structured {

    record Bool() implements ValueFormat {}

    record Int(long min, long max) implements ValueFormat {}

    record Num(double min, double max) implements ValueFormat {}

    /** A string matching {@code pattern}; {@code what} describes it for humans. */
    record Text(Pattern pattern, String what) implements ValueFormat {}

    record Choice(List<String> values) implements ValueFormat {
        public Choice {
            values = List.copyOf(values);
        }
    }

    /** A property string (mount point, network, ...) with its own parser. */
    record Structured(String what, Consumer<String> parser) implements ValueFormat {}

    /** Short type name for docs and help. */
    default String typeName() {
        return switch (this) {
            case Bool b -> "boolean";
            case Int i -> "integer";
            case Num n -> "number";
            case Text t -> "string";
            case Choice c -> "enum";
            case Structured s -> "property string";
        };
    }

    /** What values are allowed, for error messages, docs and help. */
    default String allowed() {
        return switch (this) {
            case Bool b -> "0 or 1 (also yes/no, on/off, true/false)";
            case Int i -> i.max() == Long.MAX_VALUE ? "integer >= " + i.min() : "integer " + i.min() + ".." + i.max();
            case Num n -> "number " + fmt(n.min()) + ".." + fmt(n.max());
            case Text t -> t.what();
            case Choice c -> String.join(" | ", c.values());
            case Structured s -> s.what();
        };
    }

    private static String fmt(double d) { return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d); }

    default void check(String value) {
        switch (this) {
            case Bool b -> {
                if (!List.of("0", "1", "yes", "no", "on", "off", "true", "false").contains(value)) throw bad(value);
            }
            case Int i -> {
                if (!Digits.integer(value, 18, true)) throw bad(value);
                long v = Long.parseLong(value);
                if (v < i.min() || v > i.max()) throw bad(value);
            }
            case Num n -> {
                if (!Digits.decimal(value, 12)) throw bad(value);
                double v = Double.parseDouble(value);
                if (v < n.min() || v > n.max()) throw bad(value);
            }
            case Text t -> {
                if (!t.pattern().matcher(value).matches()) throw bad(value);
            }
            case Choice c -> {
                if (!c.values().contains(value)) throw bad(value);
            }
            case Structured s -> s.parser().accept(value);
        }
    }

    private ConfigValueException bad(String value) {
        return new ConfigValueException("not allowed; allowed: " + allowed());
    }
}
