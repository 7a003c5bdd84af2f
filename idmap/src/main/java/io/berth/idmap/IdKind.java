package io.berth.idmap;

/** Whether an id map entry maps user ids or group ids. Rendered as {@code u} / {@code g} as in {@code lxc.idmap}. */
public enum IdKind {
    UID('u'), GID('g');

    private final char letter;

    IdKind(char letter) { this.letter = letter; }

    /** {@code 'u'} or {@code 'g'}. */
    public char letter() { return letter; }

    /** Parses {@code "u"} or {@code "g"}. */
    public static IdKind ofLetter(String s) {
        return switch (s) {
            case "u" -> UID;
            case "g" -> GID;
            default -> throw new IdMapException(IdMapException.MOUNT_IDMAP, "id kind '" + s + "' is invalid: allowed are 'u' and 'g'");
        };
    }

    @Override public String toString() { return String.valueOf(letter); }
}
