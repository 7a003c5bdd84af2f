package io.berth.cli;

import picocli.CommandLine.ITypeConverter;
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
}
