package io.berth.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.freeze.FreezingArchRule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module rules of docs/ARCHITECTURE.md, checked on the compiled classes of every module cli sees (all but
 * web/e2e/bench): only {@code sys} touches {@code java.lang.foreign}; a module uses only the modules below it that
 * its pom names (transitively); cli reaches the service layer through its façade. The import is checked to be
 * non-empty, so a class-file format ArchUnit cannot read fails here instead of passing with nothing checked.
 */
class ArchitectureTest {
    /** Each module's package and the modules it may use (its pom's dependencies, transitively), bottom up. */
    static final Map<String, Set<String>> MAY_USE = new LinkedHashMap<>();

    static {
        MAY_USE.put("error", Set.of());
        MAY_USE.put("sys", Set.of("error"));
        MAY_USE.put("idmap", Set.of("error"));
        MAY_USE.put("config", Set.of("error", "idmap"));
        MAY_USE.put("storage", Set.of("error", "sys"));
        MAY_USE.put("mount", Set.of("error", "sys", "idmap"));
        MAY_USE.put("lxc", Set.of("error", "sys", "config", "idmap"));
        MAY_USE.put("guest", Set.of("error", "sys", "config", "idmap"));
        MAY_USE.put("ct", Set.of("error", "sys", "idmap", "config", "storage", "mount", "lxc", "guest"));
        MAY_USE.put("access", Set.of("error", "sys"));
        MAY_USE.put("cluster", Set.of("error", "sys", "idmap", "config"));
    }

    static JavaClasses classes;

    @BeforeAll static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.berth");
        for (String m : List.of("error", "sys", "config", "storage", "mount", "lxc", "guest", "ct", "cli")) {
            assertThat(classes.stream().filter(c -> c.getPackageName().startsWith("io.berth." + m)).count())
                    .as("classes of module %s imported", m).isPositive();
        }
    }

    @Test void onlySysUsesTheForeignFunctionApi() {
        noClasses().that().resideOutsideOfPackage("io.berth.sys..")
                .should().dependOnClassesThat().resideInAPackage("java.lang.foreign..")
                .because("the native boundary is one module: errno capture, Fd ownership and arenas are handled there")
                .check(classes);
    }

    /**
     * One process runner: every tool runs through {@code sys.ProcessRunner} (posix_spawn with only stdio inherited,
     * bounded captures, timeouts, kill with children, errors naming the command); no class outside {@code sys} starts a
     * process itself. No exception in the modules checked here; bench (a harness outside the product, measuring the raw
     * tools and whole commands with the JDK's own launcher) is not on this classpath.
     */
    @Test void onlySysStartsProcesses() {
        noClasses().that().resideOutsideOfPackage("io.berth.sys..")
                .should().dependOnClassesThat().belongToAnyOf(ProcessBuilder.class, io.berth.sys.Spawn.class)
                .orShould().callMethodWhere(new com.tngtech.archunit.base.DescribedPredicate<com.tngtech.archunit.core.domain.JavaMethodCall>("Runtime.exec") {
                    @Override public boolean test(com.tngtech.archunit.core.domain.JavaMethodCall c) {
                        return c.getTargetOwner().isEquivalentTo(Runtime.class) && c.getName().equals("exec");
                    }
                })
                .because("tools run through io.berth.sys.ProcessRunner (docs/ARCHITECTURE.md, the service core)")
                .check(classes);
    }

    @Test void noModuleUsesOneAboveIt() {
        for (var e : MAY_USE.entrySet()) {
            String[] forbidden = MAY_USE.keySet().stream()
                    .filter(m -> !m.equals(e.getKey()) && !e.getValue().contains(m))
                    .map(m -> "io.berth." + m + "..").toArray(String[]::new);
            String[] above = List.of("api", "web", "cli", "bench").stream().map(m -> "io.berth." + m + "..").toArray(String[]::new);
            noClasses().that().resideInAPackage("io.berth." + e.getKey() + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(concat(forbidden, above))
                    .because(e.getKey() + " may use only " + e.getValue())
                    .allowEmptyShould(true)
                    .check(classes);
        }
    }

    /**
     * The CLI talks to {@code ContainerService} (the façade), its request/result records and the task store.
     * Frozen: the uses that existed when the rule came are recorded in src/test/resources/archunit-store and may
     * only shrink; a new command reaching past the façade fails here.
     */
    @Test void cliTalksOnlyToTheFacade() {
        // berthd (cli.daemon) is transport: its Unix sockets and fds are sys's by design
        FreezingArchRule.freeze(noClasses().that().resideInAPackage("io.berth.cli..").and().resideOutsideOfPackage("io.berth.cli.daemon..")
                .should().dependOnClassesThat().resideInAnyPackage("io.berth.ct.hook..", "io.berth.ct.hotplug..",
                        "io.berth.ct.lifecycle..", "io.berth.ct.template..", "io.berth.ct.storage..", "io.berth.ct.snapshot..",
                        "io.berth.storage..", "io.berth.mount..", "io.berth.lxc..", "io.berth.guest..", "io.berth.sys..")
                .because("berthd and the API must see the same operations as the CLI (issue 12)"))
                .check(classes);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
