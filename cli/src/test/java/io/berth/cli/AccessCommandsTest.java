package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.access.AccessStore;
import io.berth.access.PasswordHash;
import io.berth.access.Permissions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** pveum's verbs: users, groups, roles, ACLs, tokens, pools through {@code berth ...}, and {@code berth api} as pvesh. */
class AccessCommandsTest {
    @TempDir Path root;

    record Run(int rc, String out, String err) {}

    Run berth(String... args) {
        List<String> a = new ArrayList<>(List.of("--root", root.toString()));
        a.addAll(List.of(args));
        String[] argv = a.toArray(String[]::new);
        CommandLine cl = Main.commandLine(argv);
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(argv);
        return new Run(rc, out.toString(), err.toString());
    }

    @Test void usersGroupsRolesAclsTokens() throws Exception {
        assertThat(berth("user", "add", "joe@pve", "--password", "secret123", "--email", "joe@example.com", "--comment", "Joe: ops").rc()).isZero();
        assertThat(berth("group", "add", "ops", "--comment", "operators").rc()).isZero();
        assertThat(berth("user", "modify", "joe@pve", "--groups", "ops").rc()).isZero();
        assertThat(berth("role", "add", "Power", "--privs", "VM.PowerMgmt,VM.Audit").rc()).isZero();
        assertThat(berth("acl", "modify", "/vms/100", "--roles", "Power", "--groups", "ops").rc()).isZero();
        Run tok = berth("token", "add", "joe@pve", "ci", "--privsep", "0", "--output-format", "json");
        assertThat(tok.rc()).as(tok.err()).isZero();
        assertThat(tok.out()).contains("\"full-tokenid\":\"joe@pve!ci\"").contains("\"value\":");

        AccessStore store = new AccessStore(root.resolve("etc/access"));
        var d = store.read();
        assertThat(d.users.get("joe@pve").email()).isEqualTo("joe@example.com");
        assertThat(d.users.get("joe@pve").comment()).isEqualTo("Joe: ops");
        assertThat(d.groupsOf("joe@pve")).containsExactly("ops");
        assertThat(PasswordHash.verify("secret123", store.passwordHash("joe@pve").orElseThrow())).isTrue();
        assertThat(Files.readString(root.resolve("etc/access/priv/shadow.cfg"))).doesNotContain("secret123");
        Permissions p = new Permissions(d);
        assertThat(p.privileges("joe@pve", "/vms/100")).containsExactlyInAnyOrder("VM.PowerMgmt", "VM.Audit");
        assertThat(p.privileges("joe@pve!ci", "/vms/100")).containsExactlyInAnyOrder("VM.PowerMgmt", "VM.Audit");
        assertThat(p.privileges("joe@pve", "/vms/101")).isEmpty();

        Run list = berth("user", "list");
        assertThat(list.out()).contains("joe@pve").contains("root@pam");
        assertThat(berth("acl", "list").out()).contains("/vms/100").contains("Power");
        assertThat(berth("user", "permissions", "joe@pve", "--output-format", "json").out()).contains("\"/vms/100\"");

        // bad input exits 2 naming the parameter
        Run bad = berth("role", "add", "Bad", "--privs", "Nope");
        assertThat(bad.rc()).isEqualTo(2);
        assertThat(bad.err()).contains("privs").contains("Nope");

        assertThat(berth("acl", "delete", "/vms/100", "--roles", "Power", "--groups", "ops").rc()).isZero();
        assertThat(new Permissions(store.read()).privileges("joe@pve", "/vms/100")).isEmpty();
        assertThat(berth("token", "remove", "joe@pve", "ci").rc()).isZero();
        assertThat(berth("user", "delete", "joe@pve").rc()).isZero();
        assertThat(store.read().users).doesNotContainKey("joe@pve");
        assertThat(store.read().tokens).isEmpty();
    }

    @Test void apiCommandIsPvesh() {
        Run v = berth("api", "get", "/version", "--output-format", "json");
        assertThat(v.rc()).isZero();
        assertThat(v.out()).contains("\"version\"");
        assertThat(berth("api", "create", "/pools", "--poolid", "web").rc()).isZero();
        assertThat(berth("api", "get", "/pools").out()).contains("web");
        Run missing = berth("api", "get", "/cluster/ha/groups");
        assertThat(missing.rc()).isEqualTo(9);
        assertThat(missing.err()).contains("not implemented");
        Run unknown = berth("api", "get", "/nodes/x/lxc", "--bogus", "1");
        assertThat(unknown.rc()).isEqualTo(2);
        assertThat(unknown.err()).contains("bogus");
    }
}
