package io.berth.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Configs as Proxmox writes them load without a warning and print back byte for byte. */
class ProxmoxCorpusTest {
    static Stream<Path> corpus() throws IOException {
        return Files.list(Path.of("src/test/resources/proxmox")).filter(p -> p.toString().endsWith(".conf")).sorted();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void roundTripsByteForByte(Path conf) throws Exception {
        byte[] raw = Files.readAllBytes(conf);
        ParsedConfig p = ConfigParser.read(conf.toString(), raw);
        assertThat(p.warnings()).isEmpty();
        assertThat(ConfigPrinter.print(p.config())).isEqualTo(new String(raw, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(p.digest()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(raw)));
    }
}
