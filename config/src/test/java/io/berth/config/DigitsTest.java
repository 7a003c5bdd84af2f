package io.berth.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The regex-free digit checks accept exactly what the regexes they replaced accepted. */
class DigitsTest {
    private static final List<String> SAMPLES = List.of("", "0", "00", "01", "1", "9", "10", "255", "0255", "1000", "9999",
            "10000", "-", "-0", "-1", "--1", "+1", " 1", "1 ", "1a", "a1", "１", "1.5", "1.", ".5", "0.25", "1.2.3",
            "123456789012", "1234567890123", "123456789012345678", "1234567890123456789", "12345678901234567890",
            "-123456789012345678", "123456789012.123456789012", "1234567890123.1", "1.1234567890123", "٣");

    @Test void integerIsTheSignedDigitsRegex() {
        for (String s : SAMPLES) {
            assertEquals(s.matches("-?\\d{1,18}"), Digits.integer(s, 18, true), s);
            assertEquals(s.matches("-?\\d{1,19}"), Digits.integer(s, 19, true), s);
            assertEquals(s.matches("\\d{1,4}"), Digits.integer(s, 4, false), s);
        }
    }

    @Test void decimalIsTheDecimalRegex() {
        for (String s : SAMPLES) assertEquals(s.matches("\\d{1,12}(?:\\.\\d{1,12})?"), Digits.decimal(s, 12), s);
    }

    @Test void indexIsTheIndexRegex() {
        for (String s : SAMPLES) assertEquals(s.matches("0|[1-9]\\d{0,3}"), Digits.index(s, 4), s);
    }
}
