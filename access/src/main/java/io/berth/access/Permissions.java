package io.berth.access;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Effective privileges of a user or API token on an ACL path, computed as Proxmox does: the path is walked from
 * {@code /} down; at each level the entries of the user (or token) itself replace those of its groups, an entry on a
 * parent counts below only with {@code propagate}, a more specific level replaces what a less specific one gave, and
 * {@code NoAccess} removes everything. A container in a pool also gets what the caller has on {@code /pool/ID}. A
 * token with privilege separation has the intersection of its own ACLs and its user's; without, its user's.
 */
public final class Permissions {
    public static final String ROOT = "root@pam";

    /** Bound of the memo: a caller asks for a few paths; a scan over many containers stays under it. */
    private static final int MEMO_MAX = 20_000;

    private final AccessData data;
    private final java.util.concurrent.ConcurrentHashMap<String, Set<String>> memo = new java.util.concurrent.ConcurrentHashMap<>();

    public Permissions(AccessData data) { this.data = data; }

    AccessData data() { return data; }

    /**
     * {@code authid}: a user id or a token id {@code user@realm!name}. Memoized per instance (the data never changes
     * under it: {@link AccessStore#permissions} makes a new one when user.cfg changes); a user's expiry is checked
     * by authentication on every request.
     */
    public Set<String> privileges(String authid, String path) {
        String k = authid + '\0' + path;
        Set<String> p = memo.get(k);
        if (p != null) return p;
        p = Set.copyOf(compute(authid, path));
        if (memo.size() >= MEMO_MAX) memo.clear();
        memo.put(k, p);
        return p;
    }

    private Set<String> compute(String authid, String path) {
        int bang = authid.indexOf('!');
        if (bang < 0) return userPrivileges(authid, path);
        String user = authid.substring(0, bang);
        Set<String> userPrivs = userPrivileges(user, path);
        AccessData.Token t = data.tokens.get(authid);
        if (t == null) return Set.of();
        if (!t.privsep()) return userPrivs;
        Set<String> own = withPool(path, p -> roles(authid, Set.of(), p));
        own.retainAll(userPrivs);
        return own;
    }

    public boolean has(String authid, String path, String priv) { return privileges(authid, path).contains(priv); }

    /** True when the caller has, on {@code path}, all of {@code privs} ({@code any}: at least one of them). */
    public boolean check(String authid, String path, List<String> privs, boolean any) {
        Set<String> have = privileges(authid, path);
        return any ? privs.stream().anyMatch(have::contains) : have.containsAll(privs);
    }

    /** True when the caller has {@code priv} on {@code path} or on any path below it (Proxmox's "any" check for lists). */
    public boolean hasAnywhereBelow(String authid, String prefix, String priv) {
        if (has(authid, prefix, priv)) return true;
        String p = prefix.endsWith("/") ? prefix : prefix + "/";
        for (AccessData.Acl a : data.acls) if (a.path().startsWith(p) && has(authid, a.path(), priv)) return true;
        return false;
    }

    private Set<String> userPrivileges(String userid, String path) {
        if (ROOT.equals(userid)) return Privileges.ALL;
        AccessData.User u = data.users.get(userid);
        if (u == null || !u.enable() || (u.expire() > 0 && u.expire() < System.currentTimeMillis() / 1000)) return Set.of();
        Set<String> groups = data.groupsOf(userid);
        return withPool(path, p -> roles(userid, groups, p));
    }

    private Set<String> withPool(String path, java.util.function.Function<String, Set<String>> of) {
        Set<String> privs = new HashSet<>(of.apply(path));
        if (path.startsWith("/vms/")) {
            try {
                int vmid = Integer.parseInt(path.substring(5));
                for (AccessData.Pool pool : data.pools.values()) {
                    if (pool.vms().contains(vmid)) privs.addAll(of.apply("/pool/" + pool.poolid()));
                }
            } catch (NumberFormatException ignored) {
                // not a container path
            }
        }
        return privs;
    }

    /** The privileges that the roles assigned to {@code ugid} (or its groups) on the levels of {@code path} grant. */
    private Set<String> roles(String ugid, Set<String> groups, String path) {
        Set<String> roles = new TreeSet<>();
        for (String level : levels(path)) {
            boolean exact = level.equals(path);
            Set<String> mine = new TreeSet<>(), viaGroups = new TreeSet<>();
            boolean hasMine = false;
            for (AccessData.Acl a : data.acls) {
                if (!a.path().equals(level) || !(a.propagate() || exact)) continue;
                if (a.ugid().equals(ugid)) {
                    mine.add(a.roleid());
                    hasMine = true;
                } else if (a.ugid().startsWith("@") && groups.contains(a.ugid().substring(1))) {
                    viaGroups.add(a.roleid());
                }
            }
            if (hasMine) roles = mine;
            else if (!viaGroups.isEmpty()) roles = viaGroups;
        }
        if (roles.contains("NoAccess")) return Set.of();
        Set<String> privs = new HashSet<>();
        for (String r : roles) data.role(r).ifPresent(privs::addAll);
        return privs;
    }

    static List<String> levels(String path) {
        List<String> out = new ArrayList<>();
        out.add("/");
        StringBuilder sb = new StringBuilder();
        for (String part : path.split("/")) {
            if (part.isEmpty()) continue;
            sb.append('/').append(part);
            out.add(sb.toString());
        }
        return out;
    }
}
