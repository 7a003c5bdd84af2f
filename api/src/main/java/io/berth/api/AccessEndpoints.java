package io.berth.api;

import io.berth.access.AccessData;
import io.berth.access.Authenticator.Caller;
import io.berth.access.Permissions;
import io.berth.access.Privileges;
import io.berth.access.Totp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/** {@code /access/...} and {@code /pools}: tickets, users, tokens, groups, roles, ACLs, realms, password, permissions, TFA. */
final class AccessEndpoints {
    private final Api api;

    AccessEndpoints(Api api) { this.api = api; }

    void register(ApiService s) {
        s.on("GET", "/access", c -> NodeEndpoints.names("users", "groups", "roles", "acl", "domains", "ticket", "password", "permissions", "tfa"));
        s.on("GET", "/access/ticket", c -> null);
        s.on("POST", "/access/ticket", c -> {
            var l = api.service().auth().login(c.params().get("username"), c.params().get("password"), c.params().get("realm"),
                    c.params().get("otp"), c.params().get("tfa-challenge"), c.rhost());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("username", l.username());
            out.put("ticket", l.ticket());
            if (l.needTfa()) {
                out.put("NeedTFA", 1);
            } else {
                out.put("CSRFPreventionToken", l.csrfToken());
                out.put("clustername", "berth");
                out.put("cap", Map.of());
            }
            return out;
        });
        users(s);
        tokens(s);
        groups(s);
        roles(s);
        acl(s);
        s.on("GET", "/access/domains", c -> List.of(
                Map.of("realm", "pam", "type", "pam", "comment", "Linux PAM standard authentication"),
                Map.of("realm", "pve", "type", "pve", "comment", "Berth authentication server", "default", 1)));
        s.on("GET", "/access/domains/{realm}", c -> switch (c.str("realm")) {
            case "pam" -> Map.of("type", "pam", "comment", "Linux PAM standard authentication");
            case "pve" -> Map.of("type", "pve", "comment", "Berth authentication server");
            default -> throw new ApiException(500, "domain '" + c.str("realm") + "' does not exist");
        });
        s.on("PUT", "/access/password", this::password);
        s.on("GET", "/access/permissions", this::permissions);
        s.on("GET", "/access/tfa", c -> {
            List<Map<String, Object>> out = new ArrayList<>();
            for (String u : api.store().read().users.keySet()) {
                if (!mayReadUser(c, u)) continue;
                List<Map<String, Object>> entries = new ArrayList<>();
                api.store().totpSecret(u).ifPresent(x -> entries.add(Map.of("id", "totp", "type", "totp", "enable", 1)));
                out.add(Map.of("userid", u, "entries", entries));
            }
            return out;
        });
        s.on("POST", "/access/tfa/{userid}", this::addTfa);
        s.on("DELETE", "/access/tfa/{userid}/{id}", c -> {
            checkSelfOrUserModify(c);
            api.store().setTotpSecret(c.str("userid"), null);
            return null;
        });
        pools(s);
    }

    // ---- users ----

    private void users(ApiService s) {
        s.on("GET", "/access/users", c -> {
            List<Map<String, Object>> out = new ArrayList<>();
            AccessData d = api.store().read();
            boolean enabledOnly = c.flag("enabled");
            for (AccessData.User u : d.users.values()) {
                if (!mayReadUser(c, u.userid())) continue;
                if (enabledOnly && !u.enable()) continue;
                Map<String, Object> m = userMap(d, u);
                if (c.flag("full")) m.put("tokens", tokenList(d, u.userid()));
                out.add(m);
            }
            return out;
        });
        s.on("POST", "/access/users", c -> {
            String userid = AccessData.checkUserid("userid", c.str("userid"));
            Set<String> groups = csv(c.opt("groups").orElse(""));
            api.store().update(d -> {
                if (d.users.containsKey(userid)) throw new io.berth.error.ExistsException("create user failed: user '" + userid + "' already exists");
                for (String g : groups) if (!d.groups.containsKey(g)) throw new io.berth.error.InvalidInputException("groups", "no such group '" + g + "'");
                d.users.put(userid, new AccessData.User(userid, !c.opt("enable").map("0"::equals).orElse(false),
                        c.opt("expire").map(Long::parseLong).orElse(0L), c.opt("firstname").orElse(""), c.opt("lastname").orElse(""),
                        c.opt("email").orElse(""), c.opt("comment").orElse(""), c.opt("keys").orElse("")));
                for (String g : groups) addMember(d, g, userid);
            });
            c.opt("password").ifPresent(pw -> setPassword(userid, pw));
            return null;
        });
        s.on("GET", "/access/users/{userid}", c -> {
            AccessData d = api.store().read();
            AccessData.User u = user(d, c.str("userid"));
            Map<String, Object> m = userMap(d, u);
            Map<String, Object> toks = new TreeMap<>();
            for (var t : tokenList(d, u.userid())) toks.put((String) t.get("tokenid"), t);
            m.put("tokens", toks);
            return m;
        });
        s.on("PUT", "/access/users/{userid}", c -> {
            String userid = c.str("userid");
            api.store().update(d -> {
                AccessData.User u = user(d, userid);
                d.users.put(userid, new AccessData.User(userid, c.opt("enable").map("1"::equals).orElse(u.enable()),
                        c.opt("expire").map(Long::parseLong).orElse(u.expire()), c.opt("firstname").orElse(u.firstname()),
                        c.opt("lastname").orElse(u.lastname()), c.opt("email").orElse(u.email()), c.opt("comment").orElse(u.comment()),
                        c.opt("keys").orElse(u.keys())));
                if (c.opt("groups").isPresent()) {
                    Set<String> groups = csv(c.str("groups"));
                    for (String g : groups) if (!d.groups.containsKey(g)) throw new io.berth.error.InvalidInputException("groups", "no such group '" + g + "'");
                    if (!c.flag("append")) {
                        for (String g : new ArrayList<>(d.groups.keySet())) if (!groups.contains(g)) removeMember(d, g, userid);
                    }
                    for (String g : groups) addMember(d, g, userid);
                }
            });
            return null;
        });
        s.on("DELETE", "/access/users/{userid}", c -> {
            String userid = c.str("userid");
            if (userid.equals(Permissions.ROOT)) throw new ApiException(500, "can't delete root@pam");
            api.store().update(d -> {
                user(d, userid);
                d.removeUser(userid);
            });
            api.store().removeSecrets(userid);
            return null;
        });
    }

    private static AccessData.User user(AccessData d, String userid) {
        AccessData.User u = d.users.get(userid);
        if (u == null) throw new ApiException(500, "no such user ('" + userid + "')");
        return u;
    }

    private static Map<String, Object> userMap(AccessData d, AccessData.User u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("userid", u.userid());
        m.put("enable", u.enable() ? 1 : 0);
        m.put("expire", u.expire());
        if (!u.firstname().isEmpty()) m.put("firstname", u.firstname());
        if (!u.lastname().isEmpty()) m.put("lastname", u.lastname());
        if (!u.email().isEmpty()) m.put("email", u.email());
        if (!u.comment().isEmpty()) m.put("comment", u.comment());
        if (!u.keys().isEmpty()) m.put("keys", u.keys());
        m.put("realm-type", u.realm());
        Set<String> groups = d.groupsOf(u.userid());
        m.put("groups", List.copyOf(groups));
        return m;
    }

    private boolean mayReadUser(Call c, String userid) {
        Caller who = c.who();
        if (who.userid().equals(userid)) return true;
        Permissions p = api.service().permissions();
        if (p.check(who.authid(), "/access/groups", List.of("User.Modify", "Sys.Audit"), true)) return true;
        for (String g : api.store().read().groupsOf(userid)) {
            if (p.check(who.authid(), "/access/groups/" + g, List.of("User.Modify", "Sys.Audit"), true)) return true;
        }
        return false;
    }

    private void checkSelfOrUserModify(Call c) {
        String target = c.str("userid");
        if (c.who().tokenid().isEmpty() && c.who().userid().equals(target)) return;
        if (c.who().isRoot()) return;
        Permissions p = api.service().permissions();
        if (p.has(c.who().authid(), "/access/groups", "User.Modify")) return;
        for (String g : api.store().read().groupsOf(target)) if (p.has(c.who().authid(), "/access/groups/" + g, "User.Modify")) return;
        throw new ApiException(403, "Permission check failed (/access/groups, User.Modify)");
    }

    private void setPassword(String userid, String pw) {
        String realm = userid.substring(userid.lastIndexOf('@') + 1);
        if (!realm.equals("pve")) throw ApiException.param("password", "only users of the pve realm have a Berth password; '" + realm + "' users use the host's");
        if (pw.length() < 5) throw ApiException.param("password", "password is too short (minimum 5 characters)");
        api.store().setPassword(userid, pw);
    }

    private Object password(Call c) {
        String userid = AccessData.checkUserid("userid", c.str("userid"));
        checkSelfOrUserModify(c);
        if (c.who().tokenid().isPresent()) throw new ApiException(403, "API tokens cannot change passwords");
        // a user changing its own password confirms the old one (Proxmox's confirmation-password)
        if (c.who().userid().equals(userid) && !c.who().isRoot()) {
            String old = c.opt("confirmation-password").orElseThrow(() -> ApiException.param("confirmation-password", "the current password is required"));
            api.service().auth().login(userid, old, null, null, null, c.rhost());
        }
        user(api.store().read(), userid);
        setPassword(userid, c.str("password"));
        return null;
    }

    private Object permissions(Call c) {
        Caller who = c.who();
        String target = c.opt("userid").orElse(who.authid());
        if (!target.equals(who.authid()) && !target.startsWith(who.userid() + "!")) {
            if (!api.service().permissions().has(who.authid(), "/access", "Sys.Audit")) throw ApiException.forbidden();
        }
        Permissions p = api.service().permissions();
        Set<String> paths = new TreeSet<>(List.of("/", "/vms", "/storage", "/access", "/access/groups", "/nodes", "/pool"));
        for (AccessData.Acl a : api.store().read().acls) paths.add(a.path());
        for (int vmid : api.ct().vmids()) paths.add("/vms/" + vmid);
        c.opt("path").ifPresent(x -> {
            paths.clear();
            paths.add(x);
        });
        Map<String, Object> out = new TreeMap<>();
        for (String path : paths) {
            Set<String> privs = p.privileges(target, path);
            if (privs.isEmpty()) continue;
            Map<String, Object> m = new TreeMap<>();
            for (String priv : privs) m.put(priv, 1);
            out.put(path, m);
        }
        return out;
    }

    private Object addTfa(Call c) {
        checkSelfOrUserModify(c);
        String userid = c.str("userid");
        if (!userid.endsWith("@pve")) throw ApiException.param("userid", "TOTP is available for users of the pve realm");
        if (!"totp".equals(c.str("type"))) throw ApiException.param("type", "only 'totp' is implemented by Berth");
        String uri = c.str("totp");
        String secret = null;
        int q = uri.indexOf('?');
        if (q >= 0) {
            for (String kv : uri.substring(q + 1).split("&")) if (kv.startsWith("secret=")) secret = kv.substring(7);
        } else {
            secret = uri;
        }
        if (secret == null || secret.isEmpty()) throw ApiException.param("totp", "no secret in the otpauth URI");
        String sec = secret;
        if (!Totp.verify(sec, c.opt("value").orElse(""), System.currentTimeMillis() / 1000)) {
            throw ApiException.param("value", "the code does not match the secret; check the authenticator's clock");
        }
        api.store().setTotpSecret(userid, sec);
        return "totp";
    }

    // ---- tokens ----

    private void tokens(ApiService s) {
        s.on("GET", "/access/users/{userid}/token", c -> {
            AccessData d = api.store().read();
            user(d, c.str("userid"));
            return tokenList(d, c.str("userid"));
        });
        s.on("GET", "/access/users/{userid}/token/{tokenid}", c -> {
            AccessData.Token t = token(api.store().read(), c);
            return tokenMap(t);
        });
        s.on("POST", "/access/users/{userid}/token/{tokenid}", c -> {
            String userid = c.str("userid"), name = c.str("tokenid");
            if (!AccessData.TOKEN_NAME.matcher(name).matches()) throw ApiException.param("tokenid", "invalid token name");
            String full = userid + "!" + name;
            api.store().update(d -> {
                user(d, userid);
                if (d.tokens.containsKey(full)) throw new io.berth.error.ExistsException("Token already exists.");
                d.tokens.put(full, new AccessData.Token(full, c.opt("expire").map(Long::parseLong).orElse(0L),
                        c.opt("privsep").map("1"::equals).orElse(true), c.opt("comment").orElse("")));
            });
            String secret = UUID.randomUUID().toString();
            api.store().setTokenSecret(full, secret);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("full-tokenid", full);
            out.put("info", tokenMap(api.store().read().tokens.get(full)));
            out.put("value", secret);
            return out;
        });
        s.on("PUT", "/access/users/{userid}/token/{tokenid}", c -> {
            api.store().update(d -> {
                AccessData.Token t = token(d, c);
                d.tokens.put(t.tokenid(), new AccessData.Token(t.tokenid(), c.opt("expire").map(Long::parseLong).orElse(t.expire()),
                        c.opt("privsep").map("1"::equals).orElse(t.privsep()), c.opt("comment").orElse(t.comment())));
            });
            return tokenMap(token(api.store().read(), c));
        });
        s.on("DELETE", "/access/users/{userid}/token/{tokenid}", c -> {
            String full = c.str("userid") + "!" + c.str("tokenid");
            api.store().update(d -> {
                token(d, c);
                d.tokens.remove(full);
                d.acls.removeIf(a -> a.ugid().equals(full));
            });
            api.store().removeTokenSecret(full);
            return null;
        });
    }

    private static AccessData.Token token(AccessData d, Call c) {
        String full = c.str("userid") + "!" + c.str("tokenid");
        AccessData.Token t = d.tokens.get(full);
        if (t == null) throw new ApiException(500, "no such token '" + c.str("tokenid") + "' for user '" + c.str("userid") + "'");
        return t;
    }

    private static List<Map<String, Object>> tokenList(AccessData d, String userid) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (AccessData.Token t : d.tokens.values()) if (t.userid().equals(userid)) out.add(tokenMap(t));
        return out;
    }

    private static Map<String, Object> tokenMap(AccessData.Token t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokenid", t.tokenid().substring(t.tokenid().indexOf('!') + 1));
        m.put("expire", t.expire());
        m.put("privsep", t.privsep() ? 1 : 0);
        if (!t.comment().isEmpty()) m.put("comment", t.comment());
        return m;
    }

    // ---- groups ----

    private void groups(ApiService s) {
        s.on("GET", "/access/groups", c -> {
            List<Map<String, Object>> out = new ArrayList<>();
            Permissions p = api.service().permissions();
            for (AccessData.Group g : api.store().read().groups.values()) {
                boolean ok = p.check(c.who().authid(), "/access/groups/" + g.groupid(), List.of("User.Modify", "Sys.Audit", "Group.Allocate"), true);
                if (!ok) continue;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("groupid", g.groupid());
                m.put("users", String.join(",", g.members()));
                if (!g.comment().isEmpty()) m.put("comment", g.comment());
                out.add(m);
            }
            return out;
        });
        s.on("POST", "/access/groups", c -> {
            String id = c.str("groupid");
            if (!AccessData.ID.matcher(id).matches()) throw ApiException.param("groupid", "invalid group id");
            api.store().update(d -> {
                if (d.groups.containsKey(id)) throw new io.berth.error.ExistsException("create group failed: group '" + id + "' already exists");
                d.groups.put(id, new AccessData.Group(id, Set.of(), c.opt("comment").orElse("")));
            });
            return null;
        });
        s.on("GET", "/access/groups/{groupid}", c -> {
            AccessData.Group g = group(api.store().read(), c.str("groupid"));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("members", List.copyOf(g.members()));
            if (!g.comment().isEmpty()) m.put("comment", g.comment());
            return m;
        });
        s.on("PUT", "/access/groups/{groupid}", c -> {
            api.store().update(d -> {
                AccessData.Group g = group(d, c.str("groupid"));
                d.groups.put(g.groupid(), new AccessData.Group(g.groupid(), g.members(), c.opt("comment").orElse(g.comment())));
            });
            return null;
        });
        s.on("DELETE", "/access/groups/{groupid}", c -> {
            String id = c.str("groupid");
            api.store().update(d -> {
                group(d, id);
                d.groups.remove(id);
                d.acls.removeIf(a -> a.ugid().equals("@" + id));
            });
            return null;
        });
    }

    private static AccessData.Group group(AccessData d, String id) {
        AccessData.Group g = d.groups.get(id);
        if (g == null) throw new ApiException(500, "group '" + id + "' does not exist");
        return g;
    }

    private static void addMember(AccessData d, String group, String userid) {
        AccessData.Group g = d.groups.get(group);
        Set<String> m = new TreeSet<>(g.members());
        m.add(userid);
        d.groups.put(group, new AccessData.Group(group, m, g.comment()));
    }

    private static void removeMember(AccessData d, String group, String userid) {
        AccessData.Group g = d.groups.get(group);
        if (!g.members().contains(userid)) return;
        Set<String> m = new TreeSet<>(g.members());
        m.remove(userid);
        d.groups.put(group, new AccessData.Group(group, m, g.comment()));
    }

    // ---- roles ----

    private void roles(ApiService s) {
        s.on("GET", "/access/roles", c -> {
            List<Map<String, Object>> out = new ArrayList<>();
            for (var e : api.store().read().allRoles().entrySet()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("roleid", e.getKey());
                m.put("privs", String.join(",", new TreeSet<>(e.getValue())));
                if (Privileges.isBuiltinRole(e.getKey())) m.put("special", 1);
                out.add(m);
            }
            return out;
        });
        s.on("POST", "/access/roles", c -> {
            String id = c.str("roleid");
            if (!AccessData.ID.matcher(id).matches()) throw ApiException.param("roleid", "invalid role id");
            Set<String> privs = privs(c.opt("privs").orElse(""));
            api.store().update(d -> {
                if (d.role(id).isPresent()) throw new io.berth.error.ExistsException("role '" + id + "' already exists");
                d.roles.put(id, privs);
            });
            return null;
        });
        s.on("GET", "/access/roles/{roleid}", c -> {
            Set<String> privs = api.store().read().role(c.str("roleid"))
                    .orElseThrow(() -> new ApiException(500, "role '" + c.str("roleid") + "' does not exist"));
            Map<String, Object> m = new TreeMap<>();
            for (String p : privs) m.put(p, 1);
            return m;
        });
        s.on("PUT", "/access/roles/{roleid}", c -> {
            String id = c.str("roleid");
            if (Privileges.isBuiltinRole(id)) throw new ApiException(500, "cannot modify built-in role '" + id + "'");
            Set<String> privs = privs(c.opt("privs").orElse(""));
            api.store().update(d -> {
                Set<String> old = d.roles.get(id);
                if (old == null) throw new ApiException(500, "role '" + id + "' does not exist");
                Set<String> now = new TreeSet<>(c.flag("append") ? old : Set.of());
                now.addAll(privs);
                d.roles.put(id, now);
            });
            return null;
        });
        s.on("DELETE", "/access/roles/{roleid}", c -> {
            String id = c.str("roleid");
            if (Privileges.isBuiltinRole(id)) throw new ApiException(500, "cannot delete built-in role '" + id + "'");
            api.store().update(d -> {
                if (d.roles.remove(id) == null) throw new ApiException(500, "role '" + id + "' does not exist");
                d.acls.removeIf(a -> a.roleid().equals(id));
            });
            return null;
        });
    }

    private static Set<String> privs(String list) {
        Set<String> out = new TreeSet<>();
        for (String p : csv(list)) {
            if (!Privileges.ALL.contains(p)) throw ApiException.param("privs", "invalid privilege name '" + p + "'");
            out.add(p);
        }
        return out;
    }

    // ---- ACL ----

    private void acl(ApiService s) {
        s.on("GET", "/access/acl", c -> {
            List<Map<String, Object>> out = new ArrayList<>();
            Permissions p = api.service().permissions();
            for (AccessData.Acl a : api.store().read().acls) {
                if (!p.check(c.who().authid(), a.path(), List.of("Sys.Audit", "Permissions.Modify"), true)) continue;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("path", a.path());
                m.put("type", a.ugid().startsWith("@") ? "group" : a.ugid().contains("!") ? "token" : "user");
                m.put("ugid", a.ugid().startsWith("@") ? a.ugid().substring(1) : a.ugid());
                m.put("roleid", a.roleid());
                m.put("propagate", a.propagate() ? 1 : 0);
                out.add(m);
            }
            return out;
        });
        s.on("PUT", "/access/acl", c -> {
            String path = normalizePath(c.str("path"));
            Caller who = c.who();
            Permissions p = api.service().permissions();
            // Permissions.Modify on the path, or (Proxmox) Permissions.Modify on a pool/vm path's parent is not enough
            if (!who.isRoot() && !p.has(who.authid(), path, "Permissions.Modify")) {
                throw new ApiException(403, "Permission check failed (" + path + ", Permissions.Modify)");
            }
            Set<String> roles = csv(c.str("roles"));
            Set<String> users = csv(c.opt("users").orElse("")), groups = csv(c.opt("groups").orElse("")), tokens = csv(c.opt("tokens").orElse(""));
            if (users.isEmpty() && groups.isEmpty() && tokens.isEmpty()) {
                throw ApiException.param("users", "at least one of users, groups or tokens is required");
            }
            boolean delete = c.flag("delete");
            boolean propagate = !c.opt("propagate").map("0"::equals).orElse(false);
            api.store().update(d -> {
                for (String r : roles) if (d.role(r).isEmpty()) throw ApiException.param("roles", "role '" + r + "' does not exist");
                List<String> ugids = new ArrayList<>();
                for (String u : users) {
                    if (!delete && !d.users.containsKey(u)) throw ApiException.param("users", "user '" + u + "' does not exist");
                    ugids.add(u);
                }
                for (String g : groups) {
                    if (!delete && !d.groups.containsKey(g)) throw ApiException.param("groups", "group '" + g + "' does not exist");
                    ugids.add("@" + g);
                }
                for (String t : tokens) {
                    if (!delete && !d.tokens.containsKey(t)) throw ApiException.param("tokens", "token '" + t + "' does not exist");
                    ugids.add(t);
                }
                for (String ugid : ugids) {
                    for (String r : roles) {
                        d.acls.removeIf(a -> a.path().equals(path) && a.ugid().equals(ugid) && a.roleid().equals(r));
                        if (!delete) d.acls.add(new AccessData.Acl(path, ugid, r, propagate));
                    }
                }
            });
            return null;
        });
    }

    static String normalizePath(String p) {
        if (!p.startsWith("/")) p = "/" + p;
        p = p.replaceAll("/+", "/");
        if (p.length() > 1 && p.endsWith("/")) p = p.substring(0, p.length() - 1);
        if (!p.matches("/|/(vms|storage|pool|access|nodes|sdn|mapping)(/[A-Za-z0-9.\\-_@!]+)*")) {
            throw ApiException.param("path", "invalid ACL path '" + p + "'");
        }
        return p;
    }

    // ---- pools ----

    private void pools(ApiService s) {
        s.on("GET", "/pools", c -> {
            List<Map<String, Object>> out = new ArrayList<>();
            Permissions p = api.service().permissions();
            for (AccessData.Pool pool : api.store().read().pools.values()) {
                if (c.opt("poolid").isPresent() && !c.str("poolid").equals(pool.poolid())) continue;
                if (!p.has(c.who().authid(), "/pool/" + pool.poolid(), "Pool.Audit")) continue;
                out.add(poolMap(pool, c));
            }
            return out;
        });
        s.on("POST", "/pools", c -> {
            String id = c.str("poolid");
            if (!AccessData.ID.matcher(id).matches()) throw ApiException.param("poolid", "invalid pool id");
            if (!api.service().permissions().has(c.who().authid(), "/pool/" + id, "Pool.Allocate")) {
                throw new ApiException(403, "Permission check failed (/pool/" + id + ", Pool.Allocate)");
            }
            api.store().update(d -> {
                if (d.pools.containsKey(id)) throw new io.berth.error.ExistsException("pool '" + id + "' already exists");
                d.pools.put(id, new AccessData.Pool(id, c.opt("comment").orElse(""), Set.of(), Set.of()));
            });
            return null;
        });
        s.on("GET", "/pools/{poolid}", c -> {
            AccessData.Pool pool = api.store().read().pools.get(c.str("poolid"));
            if (pool == null) throw new ApiException(500, "pool '" + c.str("poolid") + "' does not exist");
            Map<String, Object> m = poolMap(pool, c);
            return m;
        });
        s.on("PUT", "/pools/{poolid}", c -> {
            String id = c.str("poolid");
            boolean delete = c.flag("delete");
            Set<Integer> vms = new TreeSet<>();
            for (String v : csv(c.opt("vms").orElse(""))) vms.add(Integer.parseInt(v));
            Set<String> storage = csv(c.opt("storage").orElse(""));
            Permissions p = api.service().permissions();
            for (int v : vms) {
                if (!p.has(c.who().authid(), "/vms/" + v, "VM.Allocate")) throw new ApiException(403, "Permission check failed (/vms/" + v + ", VM.Allocate)");
            }
            for (String st : storage) {
                if (!p.has(c.who().authid(), "/storage/" + st, "Datastore.Allocate")) throw new ApiException(403, "Permission check failed (/storage/" + st + ", Datastore.Allocate)");
            }
            api.store().update(d -> {
                AccessData.Pool pool = d.pools.get(id);
                if (pool == null) throw new ApiException(500, "pool '" + id + "' does not exist");
                Set<Integer> nv = new TreeSet<>(pool.vms());
                Set<String> ns = new TreeSet<>(pool.storage());
                if (delete) {
                    nv.removeAll(vms);
                    ns.removeAll(storage);
                } else {
                    for (int v : vms) {
                        for (AccessData.Pool other : d.pools.values()) {
                            if (!other.poolid().equals(id) && other.vms().contains(v)) throw ApiException.param("vms", "VM " + v + " is already a pool member");
                        }
                    }
                    nv.addAll(vms);
                    ns.addAll(storage);
                }
                d.pools.put(id, new AccessData.Pool(id, c.opt("comment").orElse(pool.comment()), nv, ns));
            });
            return null;
        });
        s.on("DELETE", "/pools/{poolid}", c -> {
            String id = c.str("poolid");
            api.store().update(d -> {
                AccessData.Pool pool = d.pools.get(id);
                if (pool == null) throw new ApiException(500, "pool '" + id + "' does not exist");
                if (!pool.vms().isEmpty() || !pool.storage().isEmpty()) throw new ApiException(500, "pool '" + id + "' is not empty");
                d.pools.remove(id);
                d.acls.removeIf(a -> a.path().equals("/pool/" + id));
            });
            return null;
        });
    }

    private Map<String, Object> poolMap(AccessData.Pool pool, Call c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("poolid", pool.poolid());
        if (!pool.comment().isEmpty()) m.put("comment", pool.comment());
        List<Map<String, Object>> members = new ArrayList<>();
        for (int v : pool.vms()) members.add(Map.of("id", "lxc/" + v, "vmid", v, "type", "lxc", "node", Node.name()));
        for (String st : pool.storage()) members.add(Map.of("id", "storage/" + Node.name() + "/" + st, "storage", st, "type", "storage", "node", Node.name()));
        m.put("members", members);
        return m;
    }

    static Set<String> csv(String s) {
        Set<String> out = new TreeSet<>();
        for (String p : s.split("[,;\\s]+")) if (!p.isEmpty()) out.add(p);
        return out;
    }
}
