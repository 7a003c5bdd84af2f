package io.berth.guest;

/** Zone names as found under /usr/share/zoneinfo; the pattern also keeps {@code ..} out of paths. */
final class Timezones {
    private Timezones() {}

    static boolean isValidName(String tz) {
        return tz.matches("[A-Za-z0-9_+\\-]+(/[A-Za-z0-9_+\\-]+){0,3}") && tz.length() <= 128;
    }
}
