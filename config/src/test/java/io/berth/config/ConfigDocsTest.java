package io.berth.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigDocsTest {
    @Test void docsConfigMdIsUpToDate() throws IOException {
        Path doc = Path.of(System.getProperty("berth.source.root", ".."), "docs", "config.md");
        String expected = ConfigDocs.markdown();
        assertThat(Files.exists(doc) ? Files.readString(doc) : "")
                .as("docs/config.md is stale; regenerate with: java -cp config/target/classes:idmap/target/classes "
                        + "io.berth.config.ConfigDocs docs/config.md")
                .isEqualTo(expected);
        for (ConfigKey k : Schema.KEYS) assertThat(expected).contains("`" + k.displayName() + "`");
    }
}
