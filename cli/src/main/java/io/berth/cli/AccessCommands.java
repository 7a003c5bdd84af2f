package io.berth.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * pveum's verbs over Berth's access control: {@code berth user|group|role|acl|token|pool ...}. Each verb is one API
 * call made in process as root@pam, so the CLI checks and stores exactly what the HTTPS API does. Options are the API
 * parameters ({@code --email}, {@code --groups}, {@code --privs}, {@code --roles}, {@code --users}, {@code --tokens},
 * {@code --propagate}, ...).
 */
final class AccessCommands {
    private AccessCommands() {}

    abstract static class Verb implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;

        @Option(names = "--output-format", defaultValue = "text", description = "text, json or json-pretty (default ${DEFAULT-VALUE}).")
        String format;

        @Unmatched List<String> rest = new ArrayList<>();

        abstract String method();

        abstract String path();

        Map<String, String> fixed() { return Map.of(); }

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                Map<String, String> p = new LinkedHashMap<>(fixed());
                p.putAll(ApiCli.params(rest));
                return ApiCli.run(spec, method(), path(), p, format);
            });
        }
    }

    static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"); }

    abstract static class OneId extends Verb {
        @Parameters(index = "0", paramLabel = "ID") String id;
    }

    abstract static class TwoIds extends Verb {
        @Parameters(index = "0", paramLabel = "USERID") String id;
        @Parameters(index = "1", paramLabel = "TOKENID") String id2;
    }

    // ---- user ----

    @Command(name = "user", mixinStandardHelpOptions = true, description = "Manage users (pveum user).",
            subcommands = {User.Add.class, User.Modify.class, User.Delete.class, User.List.class, User.Passwd.class, User.Permissions.class, Token.class})
    static final class User implements Runnable {
        @Spec CommandSpec spec;

        @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

        @Command(name = "add", description = "Create a user: USERID [--password P] [--email] [--firstname] [--lastname] [--comment] [--groups G,..] [--enable 0|1] [--expire EPOCH].")
        static final class Add extends OneId {
            String method() { return "POST"; }
            String path() { return "/access/users"; }
            Map<String, String> fixed() { return Map.of("userid", id); }
        }

        @Command(name = "modify", aliases = "set", description = "Change a user's fields; --groups replaces the groups unless --append.")
        static final class Modify extends OneId {
            String method() { return "PUT"; }
            String path() { return "/access/users/" + enc(id); }
        }

        @Command(name = "delete", aliases = "remove", description = "Delete a user with its tokens, memberships and ACL entries.")
        static final class Delete extends OneId {
            String method() { return "DELETE"; }
            String path() { return "/access/users/" + enc(id); }
        }

        @Command(name = "list", description = "List users.")
        static final class List extends Verb {
            String method() { return "GET"; }
            String path() { return "/access/users"; }
        }

        @Command(name = "permissions", description = "Effective permissions of a user or token: [USERID] [--path P].")
        static final class Permissions extends Verb {
            @Parameters(index = "0", arity = "0..1", paramLabel = "USERID") String id;
            String method() { return "GET"; }
            String path() { return "/access/permissions"; }
            Map<String, String> fixed() { return id == null ? Map.of() : Map.of("userid", id); }
        }

        @Command(name = "passwd", description = "Set a pve-realm user's password (read from the terminal or stdin).")
        static final class Passwd extends OneId {
            String method() { return "PUT"; }
            String path() { return "/access/password"; }
            Map<String, String> fixed() {
                return Map.of("userid", id, "password", readPassword());
            }
        }
    }

    static String readPassword() {
        var console = System.console();
        if (console != null && console.isTerminal()) {
            char[] a = console.readPassword("Enter new password: ");
            char[] b = console.readPassword("Retype new password: ");
            if (a == null || b == null || !new String(a).equals(new String(b))) throw new IllegalArgumentException("passwords do not match");
            return new String(a);
        }
        try {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null) throw new IllegalArgumentException("no password on stdin");
            return line;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the password: " + e.getMessage());
        }
    }

    // ---- token ----

    @Command(name = "token", mixinStandardHelpOptions = true, description = "Manage API tokens (pveum user token).",
            subcommands = {Token.Add.class, Token.Modify.class, Token.Remove.class, Token.List.class, Token.Permissions.class})
    static final class Token implements Runnable {
        @Spec CommandSpec spec;

        @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

        @Command(name = "add", description = "Create a token: USERID TOKENID [--privsep 0|1] [--comment] [--expire EPOCH]; prints the secret once.")
        static final class Add extends TwoIds {
            String method() { return "POST"; }
            String path() { return "/access/users/" + enc(id) + "/token/" + enc(id2); }
        }

        @Command(name = "modify", description = "Change a token: USERID TOKENID [--privsep] [--comment] [--expire].")
        static final class Modify extends TwoIds {
            String method() { return "PUT"; }
            String path() { return "/access/users/" + enc(id) + "/token/" + enc(id2); }
        }

        @Command(name = "remove", aliases = "delete", description = "Delete a token: USERID TOKENID.")
        static final class Remove extends TwoIds {
            String method() { return "DELETE"; }
            String path() { return "/access/users/" + enc(id) + "/token/" + enc(id2); }
        }

        @Command(name = "list", description = "List a user's tokens: USERID.")
        static final class List extends OneId {
            String method() { return "GET"; }
            String path() { return "/access/users/" + enc(id) + "/token"; }
        }

        @Command(name = "permissions", description = "Effective permissions of a token: USERID TOKENID [--path P].")
        static final class Permissions extends TwoIds {
            String method() { return "GET"; }
            String path() { return "/access/permissions"; }
            Map<String, String> fixed() { return Map.of("userid", id + "!" + id2); }
        }
    }

    // ---- group ----

    @Command(name = "group", mixinStandardHelpOptions = true, description = "Manage groups (pveum group).",
            subcommands = {Group.Add.class, Group.Modify.class, Group.Delete.class, Group.List.class})
    static final class Group implements Runnable {
        @Spec CommandSpec spec;

        @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

        @Command(name = "add", description = "Create a group: GROUPID [--comment].")
        static final class Add extends OneId {
            String method() { return "POST"; }
            String path() { return "/access/groups"; }
            Map<String, String> fixed() { return Map.of("groupid", id); }
        }

        @Command(name = "modify", aliases = "set", description = "Change a group's comment.")
        static final class Modify extends OneId {
            String method() { return "PUT"; }
            String path() { return "/access/groups/" + enc(id); }
        }

        @Command(name = "delete", aliases = "remove", description = "Delete a group and its ACL entries.")
        static final class Delete extends OneId {
            String method() { return "DELETE"; }
            String path() { return "/access/groups/" + enc(id); }
        }

        @Command(name = "list", description = "List groups.")
        static final class List extends Verb {
            String method() { return "GET"; }
            String path() { return "/access/groups"; }
        }
    }

    // ---- role ----

    @Command(name = "role", mixinStandardHelpOptions = true, description = "Manage roles (pveum role).",
            subcommands = {Role.Add.class, Role.Modify.class, Role.Delete.class, Role.List.class})
    static final class Role implements Runnable {
        @Spec CommandSpec spec;

        @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

        @Command(name = "add", description = "Create a role: ROLEID --privs \"VM.Audit,VM.PowerMgmt\".")
        static final class Add extends OneId {
            String method() { return "POST"; }
            String path() { return "/access/roles"; }
            Map<String, String> fixed() { return Map.of("roleid", id); }
        }

        @Command(name = "modify", aliases = "set", description = "Replace (or with --append add to) a custom role's privileges.")
        static final class Modify extends OneId {
            String method() { return "PUT"; }
            String path() { return "/access/roles/" + enc(id); }
        }

        @Command(name = "delete", aliases = "remove", description = "Delete a custom role and its ACL entries.")
        static final class Delete extends OneId {
            String method() { return "DELETE"; }
            String path() { return "/access/roles/" + enc(id); }
        }

        @Command(name = "list", description = "List built-in and custom roles with their privileges.")
        static final class List extends Verb {
            String method() { return "GET"; }
            String path() { return "/access/roles"; }
        }
    }

    // ---- acl ----

    @Command(name = "acl", mixinStandardHelpOptions = true, description = "Manage access control lists (pveum acl).",
            subcommands = {Acl.Modify.class, Acl.Delete.class, Acl.List.class})
    static final class Acl implements Runnable {
        @Spec CommandSpec spec;

        @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

        @Command(name = "modify", description = "Grant: PATH --roles R[,R] [--users U,..] [--groups G,..] [--tokens T,..] [--propagate 0|1].")
        static final class Modify extends OneId {
            String method() { return "PUT"; }
            String path() { return "/access/acl"; }
            Map<String, String> fixed() { return Map.of("path", id); }
        }

        @Command(name = "delete", description = "Revoke: PATH --roles R [--users|--groups|--tokens ...].")
        static final class Delete extends OneId {
            String method() { return "PUT"; }
            String path() { return "/access/acl"; }
            Map<String, String> fixed() { return Map.of("path", id, "delete", "1"); }
        }

        @Command(name = "list", description = "List ACL entries.")
        static final class List extends Verb {
            String method() { return "GET"; }
            String path() { return "/access/acl"; }
        }
    }

    // ---- pool ----

    @Command(name = "pool", mixinStandardHelpOptions = true, description = "Manage resource pools (pveum pool).",
            subcommands = {Pool.Add.class, Pool.Modify.class, Pool.Delete.class, Pool.List.class})
    static final class Pool implements Runnable {
        @Spec CommandSpec spec;

        @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

        @Command(name = "add", description = "Create a pool: POOLID [--comment].")
        static final class Add extends OneId {
            String method() { return "POST"; }
            String path() { return "/pools"; }
            Map<String, String> fixed() { return Map.of("poolid", id); }
        }

        @Command(name = "modify", aliases = "set", description = "Add members: POOLID [--vms 100,101] [--storage local] [--delete 1 to remove them].")
        static final class Modify extends OneId {
            String method() { return "PUT"; }
            String path() { return "/pools/" + enc(id); }
        }

        @Command(name = "delete", aliases = "remove", description = "Delete an empty pool.")
        static final class Delete extends OneId {
            String method() { return "DELETE"; }
            String path() { return "/pools/" + enc(id); }
        }

        @Command(name = "list", description = "List pools.")
        static final class List extends Verb {
            String method() { return "GET"; }
            String path() { return "/pools"; }
        }
    }
}
