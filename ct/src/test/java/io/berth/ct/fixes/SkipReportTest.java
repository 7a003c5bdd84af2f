package io.berth.ct.fixes;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10.7: surefire only counts skips; scripts/test.sh ends with scripts/skipped.sh, which must name every skipped
 * test and its reason, whichever way JUnit reported it (assumption, abort, @Disabled).
 */
class SkipReportTest {
    @TempDir Path tmp;

    @Test
    void everySkippedTestIsListedWithItsReason() throws Exception {
        Path reports = Files.createDirectories(tmp.resolve("storage/target/surefire-reports"));
        // the shapes surefire 3.5 writes (copied from this repository's own reports)
        Files.writeString(reports.resolve("TEST-io.berth.storage.LvmThinStorageTest.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <testsuite name="io.berth.storage.LvmThinStorageTest" tests="3" skipped="1">
                  <testcase name="thinLvAllocResizeSnapshotFree" classname="io.berth.storage.LvmThinStorageTest" time="0.0">
                    <skipped type="org.opentest4j.TestAbortedException"><![CDATA[org.opentest4j.TestAbortedException: Assumption failed: device-mapper is not in this kernel
                	at org.junit.jupiter.api.Assumptions.throwAssumptionFailed(Assumptions.java:321)
                ]]></skipped>
                  </testcase>
                  <testcase name="vlan" classname="io.berth.ct.hotplug.NetHotplugTest" time="0.1">
                    <skipped type="org.opentest4j.TestAbortedException"><![CDATA[org.opentest4j.TestAbortedException: this kernel has no bridge VLAN filtering
                ]]></skipped>
                  </testcase>
                  <testcase name="off" classname="io.berth.X" time="0"><skipped message="not on &quot;this&quot; host"/></testcase>
                  <testcase name="passes" classname="io.berth.X" time="0.2"/>
                </testsuite>
                """);
        Path script = Path.of(System.getProperty("berth.source.root", "../"), "scripts/skipped.sh");
        Process p = new ProcessBuilder("bash", script.toString(), tmp.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out.lines().toList()).containsExactly(
                "SKIPPED io.berth.storage.LvmThinStorageTest.thinLvAllocResizeSnapshotFree: device-mapper is not in this kernel",
                "SKIPPED io.berth.ct.hotplug.NetHotplugTest.vlan: this kernel has no bridge VLAN filtering",
                "SKIPPED io.berth.X.off: not on \"this\" host",
                "3 test(s) skipped");
    }
}
