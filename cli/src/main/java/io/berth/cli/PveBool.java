package io.berth.cli;

import java.util.Stack;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.IParameterConsumer;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.TypeConversionException;

/** A pct boolean option value: {@code --forceStop 1}, {@code --keep-env 0} (also true/false, yes/no, on/off). */
public final class PveBool implements ITypeConverter<Boolean> {
    @Override public Boolean convert(String value) {
        return parse("value", value);
    }

    static boolean parse(String key, String value) {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "1", "true", "yes", "on" -> true;
            case "0", "false", "no", "off" -> false;
            default -> throw new TypeConversionException(key + ": '" + value + "' is not a boolean; allowed: 1, 0, true, false, yes, no, on, off");
        };
    }

    /**
     * For a boolean option with an optional value: picocli itself only takes {@code true}/{@code false} as the value of
     * a boolean with arity 0..1 and reads {@code --force 1} as an option and a stray argument. This takes the next
     * argument if it is one of the literals above ({@code --keep-env 0 -- cmd}, {@code --force=1}), else means 1.
     */
    public static final class Consumer implements IParameterConsumer {
        @Override public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec commandSpec) {
            boolean value = true;
            if (!args.isEmpty() && isLiteral(args.peek())) value = parse(((picocli.CommandLine.Model.OptionSpec) argSpec).longestName(), args.pop());
            argSpec.setValue(value);
        }

        private static boolean isLiteral(String s) {
            return switch (s.toLowerCase(java.util.Locale.ROOT)) {
                case "1", "true", "yes", "on", "0", "false", "no", "off" -> true;
                default -> false;
            };
        }
    }
}
