package io.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.config.BerthRoots;
import io.berth.ct.ContainerService;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/API.md lists exactly what is implemented: regenerate with {@code java -cp ... io.berth.api.ApiDocs docs/API.md}. */
class ApiDocsTest {
    @TempDir Path tmp;

    @Test void endpointTableIsCurrent() throws Exception {
        Path doc = Path.of(System.getProperty("berth.source.root", "..")).resolve("docs/API.md");
        Api api = new Api(new ContainerService(BerthRoots.resolve(tmp.toString())), l -> {});
        String text = Files.readString(doc);
        String expected = ApiDocs.render(text, ApiDocs.table(api.service()));
        assertThat(text).as("docs/API.md is stale: run io.berth.api.ApiDocs docs/API.md").isEqualTo(expected);
        assertThat(text).contains("| `/nodes/{node}/lxc/{vmid}/status/start` | POST | yes |").contains("| `/cluster/ha/groups` | GET | 501 |");
    }
}
