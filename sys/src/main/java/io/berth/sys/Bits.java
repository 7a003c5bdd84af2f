package io.berth.sys;

/** Renders flag words for error messages, e.g. {@code O_PATH|O_DIRECTORY|0x4}. */
final class Bits {
    private Bits() {}

    /** {@code names} alternates values (Long/Integer) and names. Zero renders as {@code zero}. */
    static String render(long value, String zero, Object... names) {
        if (value == 0) return zero;
        StringBuilder sb = new StringBuilder();
        long rest = value;
        for (int i = 0; i < names.length; i += 2) {
            long bit = ((Number) names[i]).longValue();
            if (bit != 0 && (rest & bit) == bit) {
                if (!sb.isEmpty()) sb.append('|');
                sb.append(names[i + 1]);
                rest &= ~bit;
            }
        }
        if (rest != 0) {
            if (!sb.isEmpty()) sb.append('|');
            sb.append("0x").append(Long.toHexString(rest));
        }
        return sb.toString();
    }
}
