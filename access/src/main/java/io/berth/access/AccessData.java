package io.berth.access;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Users, groups, custom roles, pools, API tokens and ACL entries, in Proxmox's {@code user.cfg} format (one entry a
 * line, fields separated by {@code :}). Secrets (password hashes, token secrets, TOTP keys) are not here; they live
 * in root-only files beside it. Not thread-safe: {@link AccessStore} hands out copies and writes under its lock.
 */
public final class AccessData {
    public static final Pattern USERID = Pattern.compile("[^\\s:/@!]{1,64}@[A-Za-z][A-Za-z0-9.\\-_]{1,31}");
    public static final Pattern TOKEN_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9.\\-_]{1,63}");
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9.\\-_]{1,64}");

    public record User(String userid, boolean enable, long expire, String firstname, String lastname, String email,
                       String comment, String keys) {
        public String realm() { return userid.substring(userid.lastIndexOf('@') + 1); }
    }

    public record Group(String groupid, Set<String> members, String comment) {}

    public record Pool(String poolid, String comment, Set<Integer> vms, Set<String> storage) {}

    /** {@code tokenid} is the full id {@code user@realm!name}. */
    public record Token(String tokenid, long expire, boolean privsep, String comment) {
        public String userid() { return tokenid.substring(0, tokenid.indexOf('!')); }
    }

    /** {@code ugid}: a user id, {@code @group}, or a token id {@code user@realm!name}. */
    public record Acl(String path, String ugid, String roleid, boolean propagate) {}

    public final Map<String, User> users = new TreeMap<>();
    public final Map<String, Group> groups = new TreeMap<>();
    public final Map<String, Set<String>> roles = new TreeMap<>();
    public final Map<String, Pool> pools = new TreeMap<>();
    public final Map<String, Token> tokens = new TreeMap<>();
    public final List<Acl> acls = new ArrayList<>();

    public static AccessData initial() {
        AccessData d = new AccessData();
        d.users.put("root@pam", new User("root@pam", true, 0, "", "", "", "", ""));
        return d;
    }

    public AccessData copy() { return parse(print()); }

    public Set<String> groupsOf(String userid) {
        Set<String> out = new TreeSet<>();
        for (Group g : groups.values()) if (g.members().contains(userid)) out.add(g.groupid());
        return out;
    }

    public Optional<Set<String>> role(String roleid) {
        Set<String> b = Privileges.BUILTIN_ROLES.get(roleid);
        return b != null ? Optional.of(b) : Optional.ofNullable(roles.get(roleid));
    }

    public Map<String, Set<String>> allRoles() {
        Map<String, Set<String>> out = new TreeMap<>(Privileges.BUILTIN_ROLES);
        out.putAll(roles);
        return out;
    }

    public static String checkUserid(String param, String userid) {
        if (userid == null || !USERID.matcher(userid).matches()) {
            throw new io.berth.error.InvalidInputException(param, "value '" + userid + "' does not look like a valid user name (NAME@REALM)");
        }
        return userid;
    }

    /** Removes a user with its tokens, group memberships and ACL entries. */
    public void removeUser(String userid) {
        users.remove(userid);
        tokens.keySet().removeIf(t -> t.startsWith(userid + "!"));
        groups.replaceAll((k, g) -> {
            Set<String> m = new TreeSet<>(g.members());
            m.remove(userid);
            return new Group(g.groupid(), m, g.comment());
        });
        acls.removeIf(a -> a.ugid().equals(userid) || a.ugid().startsWith(userid + "!"));
    }

    // ---- user.cfg format ----

    public static AccessData parse(String text) {
        AccessData d = new AccessData();
        List<String[]> groupLines = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] f = line.split(":", -1);
            switch (f[0]) {
                case "user" -> d.users.put(f[1], new User(f[1], !at(f, 2).equals("0"), num(at(f, 3)), at(f, 4),
                        at(f, 5), at(f, 6), unescape(at(f, 7)), at(f, 8)));
                case "group" -> groupLines.add(f);
                case "role" -> d.roles.put(f[1], csvSet(at(f, 2)));
                case "pool" -> {
                    Set<Integer> vms = new TreeSet<>();
                    for (String v : csvSet(at(f, 3))) vms.add(Integer.parseInt(v));
                    d.pools.put(f[1], new Pool(f[1], unescape(at(f, 2)), vms, csvSet(at(f, 4))));
                }
                case "token" -> d.tokens.put(f[1], new Token(f[1], num(at(f, 2)), !at(f, 3).equals("0"), unescape(at(f, 4))));
                case "acl" -> {
                    boolean propagate = !at(f, 1).equals("0");
                    for (String ugid : csvSet(at(f, 3))) {
                        for (String role : csvSet(at(f, 4))) d.acls.add(new Acl(f[2], ugid, role, propagate));
                    }
                }
                default -> { /* an entry type Berth does not use (e.g. domain) is dropped */ }
            }
        }
        for (String[] f : groupLines) d.groups.put(f[1], new Group(f[1], csvSet(at(f, 2)), unescape(at(f, 3))));
        return d;
    }

    public String print() {
        StringBuilder sb = new StringBuilder();
        for (User u : users.values()) {
            sb.append("user:").append(u.userid()).append(':').append(u.enable() ? 1 : 0).append(':').append(u.expire())
                    .append(':').append(clean(u.firstname())).append(':').append(clean(u.lastname())).append(':')
                    .append(clean(u.email())).append(':').append(escape(u.comment())).append(':').append(clean(u.keys()))
                    .append(":\n");
        }
        for (Token t : tokens.values()) {
            sb.append("token:").append(t.tokenid()).append(':').append(t.expire()).append(':').append(t.privsep() ? 1 : 0)
                    .append(':').append(escape(t.comment())).append(":\n");
        }
        if (!users.isEmpty()) sb.append('\n');
        for (Group g : groups.values()) {
            sb.append("group:").append(g.groupid()).append(':').append(String.join(",", g.members())).append(':')
                    .append(escape(g.comment())).append(":\n");
        }
        for (Pool p : pools.values()) {
            sb.append("pool:").append(p.poolid()).append(':').append(escape(p.comment())).append(':')
                    .append(String.join(",", p.vms().stream().map(String::valueOf).toList())).append(':')
                    .append(String.join(",", p.storage())).append(":\n");
        }
        for (var r : roles.entrySet()) sb.append("role:").append(r.getKey()).append(':').append(String.join(",", new TreeSet<>(r.getValue()))).append(":\n");
        // one line per (path, propagate, role): the ugids that share it
        Map<String, Set<String>> lines = new LinkedHashMap<>();
        for (Acl a : acls) {
            lines.computeIfAbsent((a.propagate() ? "1" : "0") + ":" + a.path() + "\u0000" + a.roleid(), k -> new LinkedHashSet<>()).add(a.ugid());
        }
        for (var e : lines.entrySet()) {
            String[] k = e.getKey().split("\u0000");
            sb.append("acl:").append(k[0]).append(':').append(String.join(",", e.getValue())).append(':').append(k[1]).append(":\n");
        }
        return sb.toString();
    }

    private static String at(String[] f, int i) { return i < f.length ? f[i] : ""; }

    private static long num(String s) {
        try {
            return s.isEmpty() ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Set<String> csvSet(String s) {
        Set<String> out = new TreeSet<>();
        for (String p : s.split("[,;\\s]+")) if (!p.isEmpty()) out.add(p);
        return out;
    }

    /** Free text in a colon-separated line: Proxmox URI-escapes the comment; we do the same for ':' and '%' and newlines. */
    static String escape(String s) {
        if (s == null) return "";
        return s.replace("%", "%25").replace(":", "%3A").replace("\n", "%0A");
    }

    static String unescape(String s) {
        return s.replace("%0A", "\n").replace("%3A", ":").replace("%25", "%");
    }

    private static String clean(String s) {
        if (s == null) return "";
        return s.replace(":", "").replace("\n", " ");
    }
}
